"""The services that plan the annual inspection and supervision programme (programmes and
their items). Its figures, and which programmes a user sees, are read in
`casework.selectors.programme`.
"""
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.errors import ActionRefused
from casework.models import (
    ConductingBody,
    InspectionKind,
    InspectionProgramme,
    OrgKind,
    ProgrammeItem,
)
from casework.permissions import deciding_organisations, may_open_case
from casework.selectors.programme import QUARTERS
from casework.services.fields import Errors, check_choice
from casework.text import cleans_text

# ---- who may plan, and where -------------------------------------------------------------

def planning_organisations(user):
    """Organisations whose programme the user may plan: where they may open cases."""
    return deciding_organisations(user)


BODY_KINDS = {
    ConductingBody.BRANCH: {OrgKind.BRANCH},
    ConductingBody.EXECUTIVE: {OrgKind.COMMUNE, OrgKind.PARTIAL, OrgKind.PROVINCE},
    ConductingBody.UBKT: {OrgKind.AGENCY},
}


def _check_planner(actor, organisation):
    if not may_open_case(actor, organisation):
        raise ActionRefused(_("Bạn không có quyền lập chương trình kiểm tra, giám sát của tổ "
                              "chức này."))


@transaction.atomic
@cleans_text()
def programme_save(*, actor, programme_id: int | None = None, organisation, year: int | None,
                   body: str, document: str = "") -> InspectionProgramme:
    """Create a programme, or change its heading (organisation, year, body, document)."""
    errors = Errors()
    if organisation is None:
        errors.add("organisation", _("Chưa chọn cấp ủy, tổ chức."))
    else:
        _check_planner(actor, organisation)
    check_choice(errors, "body", body, ConductingBody, label=_("chủ thể"))
    if (organisation is not None and body in BODY_KINDS
            and organisation.kind not in BODY_KINDS[body]):
        errors.add("body", _("“%(body)s” không lập chương trình cho %(org)s.")
                   % {"body": ConductingBody(body).label, "org": organisation})
    if not year or not 2000 <= year <= timezone.localdate().year + 1:
        errors.add("year", _("Năm không hợp lệ."))
    errors.raise_if_any()
    if programme_id is None:
        programme = InspectionProgramme(organisation=organisation, year=year, body=body)
    else:
        programme = _lock_programme(programme_id)
        _check_planner(actor, programme.organisation)
        if programme.items.filter(cases__isnull=False).exists() and (
                programme.organisation_id != organisation.pk or programme.year != year
                or programme.body != body):
            raise ActionRefused(_("Chương trình đã có cuộc kiểm tra, giám sát: không đổi được "
                                  "tổ chức, năm, chủ thể."))
        programme.organisation, programme.year, programme.body = organisation, year, body
    programme.document = document.strip()
    try:
        with transaction.atomic():
            programme.save()
    except IntegrityError:
        raise ActionRefused(_("%(org)s đã có chương trình năm %(year)s của %(body)s.") % {
            "org": organisation, "year": year, "body": ConductingBody(body).label}) from None
    return programme


def _lock_programme(programme_id):
    try:
        return (InspectionProgramme.objects.select_related("organisation")
                .select_for_update(of=("self",)).get(pk=programme_id))
    except InspectionProgramme.DoesNotExist:
        raise ActionRefused(_("Không tìm thấy chương trình.")) from None


@transaction.atomic
@cleans_text("content")
def programme_item_save(*, actor, programme_id: int, item_id: int | None = None, kind: str,
                        quarter: int | None, planned_cases: int | None,
                        target_organisation=None, content: str = "") -> ProgrammeItem:
    """Add an item to a programme, or change one. An item whose cases exist keeps its kind
    (the cases were opened as that kind)."""
    programme = _lock_programme(programme_id)
    _check_planner(actor, programme.organisation)
    errors = Errors()
    check_choice(errors, "kind", kind, InspectionKind, label=_("loại"))
    if quarter not in QUARTERS:
        errors.add("quarter", _("Chọn quý từ 1 đến 4."))
    if not planned_cases or planned_cases < 1:
        errors.add("planned_cases", _("Số cuộc dự kiến phải từ 01 trở lên."))
    if target_organisation is not None and not target_organisation.is_within(
            programme.organisation.committee):
        errors.add("target_organisation", _("Tổ chức được kiểm tra, giám sát không thuộc Đảng "
                                             "bộ của chương trình."))
    item = None
    if item_id is not None:
        item = ProgrammeItem.objects.filter(pk=item_id, programme=programme).first()
        if item is None:
            raise ActionRefused(_("Không tìm thấy nội dung chương trình."))
        if item.kind != kind and item.cases.exists():
            errors.add("kind", _("Nội dung này đã có cuộc kiểm tra, giám sát: không đổi loại."))
    errors.raise_if_any()
    item = item or ProgrammeItem(programme=programme)
    item.kind, item.quarter, item.planned_cases = kind, quarter, planned_cases
    item.target_organisation, item.content = target_organisation, content.strip()
    item.save()
    return item


@transaction.atomic
def programme_item_delete(*, actor, item_id: int) -> None:
    item = ProgrammeItem.objects.select_related("programme__organisation").filter(
        pk=item_id).first()
    if item is None:
        raise ActionRefused(_("Không tìm thấy nội dung chương trình."))
    _lock_programme(item.programme_id)
    _check_planner(actor, item.programme.organisation)
    if item.cases.exists():
        raise ActionRefused(_("Nội dung này đã có cuộc kiểm tra, giám sát: không xóa được."))
    item.delete()

"""The annual inspection and supervision programme: its progress figures, and the services
that plan it (programmes and their items).

Figures are counted in SQL from the cases themselves (one grouped query over the items, with
the cases joined), so "planned / started / concluded / overdue" always equal the cases
behind them; nothing is stored that could drift.

Definitions (used by the pages, the demo's summary and the tests):
- planned: the items' `planned_cases` (a branch plans "kiểm tra 03 đảng viên" as one item
  of three);
- started: cases opened from the item, whatever their status;
- concluded: the conclusion or the notice of results was issued, i.e. the case is at
  CONCLUDED or any later step (a supervision has no conclusion: its notice of results,
  NOTIFIED, is its end);
- overdue: (a) cases started but not concluded whose `ends_on` (the end date the decision
  itself set, the same date the case's finish clock runs to) is before today, plus (b) for
  every item whose quarter has ended, the planned cases not started (planned − started, not
  below zero): a plan left undone past its quarter is as late as a case past its end date;
- completion: Σ min(concluded, planned) over items ÷ Σ planned. An item's extra cases do not
  make up for another item left undone.
Ad-hoc cases (opened from a petition or a sign of violation, without an item) are counted
apart, "ngoài chương trình", for the same organisation, body and year.
"""
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import Case, Count, F, IntegerField, Q, Value, When
from django.db.models.functions import Greatest, Least
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.errors import ActionRefused
from casework.models import (
    CaseStatus, ConductingBody, InspectionCase, InspectionKind, InspectionProgramme,
    Organisation, OrgKind, ProgrammeItem,
)
from casework.permissions import deciding_organisations, may_open_case
from casework.services.fields import Errors, check_choice
from casework.text import cleans_text

CONCLUDED_STATUSES = (CaseStatus.CONCLUDED, CaseStatus.NOTIFIED, CaseStatus.DISCIPLINE,
                      CaseStatus.REMEDIATION, CaseStatus.ARCHIVED)
UNCONCLUDED_STATUSES = tuple(s for s in CaseStatus if s not in CONCLUDED_STATUSES)
QUARTERS = (1, 2, 3, 4)


def quarter_end(year, quarter):
    month = quarter * 3
    return date(year + month // 12, month % 12 + 1, 1) - date.resolution


def ended_quarters(year, today):
    return [q for q in QUARTERS if quarter_end(year, q) < today]


def percent(done, planned):
    """55,8 % as a Decimal with one place, or None without a plan."""
    if not planned:
        return None
    return (Decimal(done) * 100 / Decimal(planned)).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass
class Figures:
    planned: int = 0
    started: int = 0
    concluded: int = 0
    late_cases: int = 0        # started, not concluded, past the decision's end date
    unstarted_overdue: int = 0  # planned, not started, the item's quarter has ended
    done: int = 0               # Σ min(concluded, planned)

    @property
    def in_progress(self):
        return self.started - self.concluded

    @property
    def overdue(self):
        return self.late_cases + self.unstarted_overdue

    @property
    def not_started(self):
        return max(self.planned - self.started, 0)

    @property
    def rate(self):
        return percent(self.done, self.planned)

    def add(self, other):
        for name in ("planned", "started", "concluded", "late_cases", "unstarted_overdue", "done"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Progress:
    programme: InspectionProgramme
    today: date
    items: list = field(default_factory=list)   # ProgrammeItem rows with .figures
    total: Figures = field(default_factory=Figures)
    adhoc: Figures = field(default_factory=Figures)

    def quarters(self):
        """[(quarter, items, Figures of the quarter)] for the quarters that have items."""
        out = []
        for q in QUARTERS:
            items = [i for i in self.items if i.quarter == q]
            if items:
                sub = Figures()
                for item in items:
                    sub.add(item.figures)
                out.append((q, items, sub))
        return out


def _case_counts(prefix, today):
    """started / concluded / late as SQL aggregates over the cases reached through
    `prefix` ("cases" from an item; "" over cases themselves)."""
    target, p = (prefix, f"{prefix}__") if prefix else ("pk", "")
    return dict(
        started=Count(target),
        concluded=Count(target, filter=Q(**{f"{p}status__in": CONCLUDED_STATUSES})),
        late_cases=Count(target, filter=Q(**{f"{p}status__in": UNCONCLUDED_STATUSES,
                                             f"{p}ends_on__lt": today})),
    )


def with_figures(items, *, today):
    """The items queryset annotated with their figures: cases LEFT JOINed and counted in the
    same SELECT that reads the items."""
    ended = Q(programme__year__lt=today.year) | Q(
        programme__year=today.year, quarter__in=ended_quarters(today.year, today))
    return (items.annotate(**_case_counts("cases", today))
            .annotate(
                unstarted_overdue=Case(
                    When(ended, then=Greatest(F("planned_cases") - F("started"), Value(0),
                                              output_field=IntegerField())),
                    default=Value(0), output_field=IntegerField()),
                done=Least(F("concluded"), F("planned_cases"), output_field=IntegerField())))


def _figures_of(item):
    return Figures(planned=item.planned_cases, started=item.started, concluded=item.concluded,
                   late_cases=item.late_cases, unstarted_overdue=item.unstarted_overdue,
                   done=item.done)


def adhoc_cases(programme):
    """Cases of the programme's organisation, body and year opened without an item."""
    return InspectionCase.objects.filter(
        organisation=programme.organisation, body=programme.body, year=programme.year,
        programme_item__isnull=True)


def adhoc_figures(programmes, *, today):
    """{programme id: Figures} for the ad-hoc cases beside each programme (one query)."""
    programmes = list(programmes)
    if not programmes:
        return {}
    cond = Q(pk__in=[])
    for p in programmes:
        cond |= Q(organisation_id=p.organisation_id, body=p.body, year=p.year)
    rows = (InspectionCase.objects.filter(cond, programme_item__isnull=True)
            .values("organisation_id", "body", "year").order_by()
            .annotate(**_case_counts("", today)))
    found = {(r["organisation_id"], r["body"], r["year"]): r for r in rows}
    out = {}
    for p in programmes:
        r = found.get((p.organisation_id, p.body, p.year))
        out[p.pk] = Figures(started=r["started"], concluded=r["concluded"],
                            late_cases=r["late_cases"]) if r else Figures()
    return out


def programmes_progress(programmes, *, today=None):
    """{programme id: Progress} for several programmes (the year's list page): two queries,
    whatever the number of programmes, items and cases."""
    today = today or timezone.localdate()
    programmes = list(programmes)
    result = {p.pk: Progress(programme=p, today=today) for p in programmes}
    by_pk = {p.pk: p for p in programmes}
    items = with_figures(ProgrammeItem.objects.filter(programme__in=programmes)
                         .select_related("target_organisation"), today=today)
    for item in items.order_by("quarter", "id"):
        item.programme = by_pk[item.programme_id]
        item.figures = _figures_of(item)
        progress = result[item.programme_id]
        progress.items.append(item)
        progress.total.add(item.figures)
    for pk, figures in adhoc_figures(programmes, today=today).items():
        result[pk].adhoc = figures
    return result


def programme_progress(programme, *, today=None):
    """Progress of one programme: per item, per quarter, in total, and its ad-hoc cases."""
    return programmes_progress([programme], today=today)[programme.pk]


# ---- who may plan, and where -------------------------------------------------------------

def planning_organisations(user):
    """Organisations whose programme the user may plan: where they may open cases."""
    return deciding_organisations(user)


def visible_programmes(user):
    return InspectionProgramme.objects.filter(
        organisation__in=Organisation.objects.visible_to(user).values("pk"))


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

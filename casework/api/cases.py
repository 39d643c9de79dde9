"""Cases API: inspection and supervision cases as the case pages show them, and their steps
taken through the same forms and services as the task pages.

Every read comes from `casework.selectors.cases` (scoped there: a case outside the user's
reach is a 404). A step is parsed by the page's own form (`inspection_forms`) and taken by
`case_step` / `discipline_decide` / `discipline_appeal`; the viewflow process (workflows)
follows through `casework.signals.case_moved_outside_task`, which casework sends without
knowing who listens. A role that may not take the step gets 403, a case that has moved on since
the caller read it (`expected_status`) or whose state does not allow the step gets 409
with the services' Vietnamese message ("… vừa được người khác cập nhật …")."""
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django_fsm import can_proceed
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.case_steps import step_marks
from casework.errors import ActionRefused
from casework.inspection_forms import (
    AppealForm,
    CaseFilterForm,
    CaseForm,
    DisciplineDecisionForm,
    step_form_class,
)
from casework.models import (
    CaseStatus,
    CaseSubject,
    DisciplineDecision,
    Organisation,
    Petition,
)
from casework.models.inspections import STEP_LABELS, allowed_forms, subject_type_of
from casework.permissions import case_user_may, deciding_organisations
from casework.query_names import param
from casework.selectors.cases import case_for_page, case_list, cases_visible, with_subject_count
from casework.selectors.documents import documents_of
from casework.services.inspections import (
    STEPS,
    case_open,
    case_step,
    discipline_appeal,
    discipline_decide,
)
from casework.signals import case_moved_outside_task
from casework.templatetags.casework_tags import person_name

from .case_serializers import (
    FIELD_ERRORS_SCHEMA,
    CaseDetailSerializer,
    CaseDocumentSerializer,
    CaseOpenedSerializer,
    CaseOpenSerializer,
    CaseSerializer,
    CaseStepRequestSerializer,
    ErrorSerializer,
    EventSerializer,
    StepDoneSerializer,
    StepsSerializer,
)
from .inputs import (
    body_values,
    id_value,
    raise_form_errors,
    refuse_unknown,
    refuse_unknown_fields,
    service_errors,
)

APPEAL = "appeal"
BAD = OpenApiResponse(FIELD_ERRORS_SCHEMA, description="Tham số, trường không hợp lệ")
DENIED = OpenApiResponse(ErrorSerializer, description="Chưa đăng nhập hoặc không có quyền")
MISSING = OpenApiResponse(ErrorSerializer, description="Không có, hoặc ngoài phạm vi xem")
CONFLICT = OpenApiResponse(ErrorSerializer, description="Hồ sơ vừa được người khác cập nhật, "
                           "hoặc trạng thái không cho phép bước này")
CASE_PK = OpenApiParameter("case_pk", OpenApiTypes.INT, OpenApiParameter.PATH)

FILTERS = [
    OpenApiParameter(param("q"), OpenApiTypes.STR, description="Số cuộc (002/2026) hoặc "
                     "một phần tên cuộc"),
    OpenApiParameter(param("year"), OpenApiTypes.INT, description="Năm (2000–2100)"),
    OpenApiParameter(param("kind"), OpenApiTypes.STR, description="Loại cuộc (mã)"),
    OpenApiParameter(param("status"), OpenApiTypes.STR,
                     description="Trạng thái (mã), hoặc open: đang tiến hành"),
    OpenApiParameter(param("organisation"), OpenApiTypes.INT, description="Cấp tiến hành "
                     "(id; cả các đơn vị trực thuộc)"),
    OpenApiParameter(param("page"), OpenApiTypes.INT, description="Trang (50 dòng)"),
]


def visible_case(request, pk, queryset=None):
    return get_object_or_404(queryset if queryset is not None
                             else cases_visible(user=request.user)
                             .select_related("organisation"), pk=pk)


@extend_schema(methods=["POST"], summary="Lập cuộc kiểm tra, giám sát (quyết định)",
               parameters=[], request=CaseOpenSerializer,
               responses={201: CaseOpenedSerializer, 400: BAD, 403: DENIED, 409: CONFLICT},
               description="The case page's form and the same service (`case_open`); the "
                           "case's process starts with it.")
@extend_schema(methods=["GET"], summary="Danh sách cuộc kiểm tra, giám sát", parameters=FILTERS,
               responses={200: CaseSerializer(many=True), 400: BAD, 403: DENIED,
                          404: OpenApiResponse(ErrorSerializer, description="Không có trang này")},
               description="The cases the user may see, filtered as the case list page.")
class CaseList(generics.ListAPIView):
    serializer_class = CaseSerializer

    def get_queryset(self):
        request = self.request
        form = CaseFilterForm(request.query_params or None,
                              organisations=Organisation.objects.visible_to(request.user))
        refuse_unknown(request.query_params, {*form.fields, param("page"), "format"})
        data = {}
        if form.is_bound:
            if not form.is_valid():
                raise_form_errors(form)
            data = {name: form.cleaned_data[param(name)]
                    for name in ("q", "year", "kind", "status", "organisation")}
        return with_subject_count(case_list(user=request.user, **{
            name: data.get(name) or ("" if name in ("q", "kind", "status") else None)
            for name in ("q", "year", "kind", "status", "organisation")}))

    def post(self, request):
        organisations = deciding_organisations(request.user)
        if not organisations.exists():
            raise PermissionDenied(_("Bạn không có quyền ra quyết định kiểm tra, giám sát."))
        values = body_values(request.data,
                             lists=("subject_organisations", "subject_members", "team"))
        form = CaseForm(values, organisations=organisations)
        refuse_unknown_fields(values, {*form.fields, "format"})
        if not form.is_valid():
            raise_form_errors(form)
        try:
            with transaction.atomic():
                case = case_open(actor=request.user, **form.cleaned_data)
        except DjangoValidationError as exc:
            raise service_errors(exc) from None
        except ActionRefused as exc:
            return Response({"detail": exc.message}, status=status.HTTP_409_CONFLICT)
        return Response(CaseOpenedSerializer({
            "id": case.pk, "number": case.number, "status": case.status,
            "url": request.build_absolute_uri(reverse("api:case-detail", args=[case.pk]))}).data,
            status=status.HTTP_201_CREATED)


@extend_schema(summary="Hồ sơ cuộc kiểm tra, giám sát", parameters=[CASE_PK],
               responses={200: CaseDetailSerializer, 403: DENIED, 404: MISSING})
class CaseDetail(APIView):
    def get(self, request, case_pk):
        case = visible_case(request, case_pk, case_for_page(user=request.user))
        source = None
        if case.source_petition_id and Petition.objects.visible_to(request.user).filter(
                pk=case.source_petition_id).exists():
            source = case.source_petition_id
        context = {"request": request, "source_petition": source,
                   "team": list(case.team.order_by("last_name", "first_name"))}
        return Response(CaseDetailSerializer(case, context=context).data)


@extend_schema(summary="Diễn biến của cuộc", parameters=[CASE_PK],
               responses={200: EventSerializer(many=True), 403: DENIED, 404: MISSING})
class CaseEvents(APIView):
    def get(self, request, case_pk):
        case = visible_case(request, case_pk)
        events = case.events.select_related("actor").order_by("occurred_at", "pk")
        return Response(EventSerializer(events, many=True).data)


@extend_schema(summary="Văn bản của cuộc", parameters=[CASE_PK],
               responses={200: CaseDocumentSerializer(many=True), 403: DENIED, 404: MISSING},
               description="download_url is the documents page's download, which checks "
                           "scope and the stored file again.")
class CaseDocuments(APIView):
    def get(self, request, case_pk):
        case = visible_case(request, case_pk)
        return Response(CaseDocumentSerializer(documents_of(case), many=True,
                                               context={"request": request}).data)


def _undecided(case):
    return list(CaseSubject.objects.filter(case=case, discipline_decision__isnull=True)
                .select_related("member__organisation", "organisation"))


def _appealable(case):
    return list(DisciplineDecision.objects.filter(case=case, appealed_on__isnull=True)
                .exclude(form="").select_related("subject__member__organisation",
                                                 "subject__organisation")
                .order_by("subject__position"))


def _form(action, case, data):
    """The page's form for `action`, set up as the task page and the appeal page do."""
    if action == APPEAL:
        return AppealForm(data, decisions=_appealable(case))
    if action == "discipline":
        waiting = _undecided(case)
        allowed = set().union(*(allowed_forms(subject_type_of(row), case.body)
                                for row in waiting))
        return DisciplineDecisionForm(data, allowed=allowed, subjects=waiting)
    return step_form_class(action)(data)


def _take(request, case, action, form, subject=None):
    kwargs = form.service_kwargs() if hasattr(form, "service_kwargs") else form.cleaned_data
    if subject is not None:
        kwargs["subject"] = subject  # the service checks it is one of the case's
    if action == APPEAL:
        discipline_appeal(actor=request.user, case_id=case.pk, **kwargs)
    elif action == "discipline":
        discipline_decide(actor=request.user, case_id=case.pk, **kwargs)
    else:
        case_step(actor=request.user, case_id=case.pk, action=action, **kwargs)
    case_moved_outside_task.send(sender=type(case), case_id=case.pk)


class CaseSteps(APIView):
    @extend_schema(summary="Các bước của cuộc và bước người dùng được làm", parameters=[CASE_PK],
                   responses={200: StepsSerializer, 403: DENIED, 404: MISSING})
    def get(self, request, case_pk):
        case = visible_case(request, case_pk, case_for_page(user=request.user))
        steps = [{
            "action": mark.action, "label": str(mark.label), "mark": mark.mark,
            "mark_label": str(mark.mark_label), "done_at": mark.at,
            "done_by": person_name(mark.actor) if mark.actor else "",
            "available": (can_proceed(getattr(case, mark.action))
                          and case_user_may(request.user, mark.action, case)),
        } for mark in step_marks(case)]
        appeal = bool(_appealable(case)) and case_user_may(request.user, "discipline", case)
        return Response(StepsSerializer({
            "status": case.status, "status_display": case.get_status_display(),
            "steps": steps, "may_record_appeal": appeal}).data)

    @extend_schema(summary="Thực hiện một bước của cuộc", parameters=[CASE_PK],
                   request=CaseStepRequestSerializer,
                   responses={201: StepDoneSerializer, 400: BAD, 403: DENIED, 404: MISSING,
                              409: CONFLICT},
                   description="The fields of the step's page form; the same services and "
                               "checks as the task page. `action` \"appeal\" records a "
                               "discipline appeal (khiếu nại kỷ luật).")
    def post(self, request, case_pk):
        case = visible_case(request, case_pk)
        values = body_values(request.data)
        action = values.pop("action", "")
        if action not in STEPS and action != APPEAL:
            raise ValidationError({"action": [_("Bước “%(action)s” không có trong quy trình.")
                                              % {"action": action[:40]}]})
        if not case_user_may(request.user, "discipline" if action == APPEAL else action, case):
            raise PermissionDenied(_("Vai trò của bạn không được phép “%(step)s” trong cuộc "
                                     "%(number)s.") % {
                "step": _("Ghi nhận khiếu nại kỷ luật") if action == APPEAL
                else STEP_LABELS[action], "number": case.number})
        seen = values.get("expected_status", "")
        if seen and seen not in CaseStatus.values:
            # The page's hidden field is never typed; a client's status must be a status.
            raise ValidationError({"expected_status": [
                _("Trạng thái “%(status)s” không có trong quy trình.") % {"status": seen[:40]}]})
        form = _form(action, case, values)
        # With one subject left the page's form does not ask whose: the caller may still
        # name it (the service checks it is that one).
        subject = id_value(values, "subject") if (action in ("discipline", APPEAL)
                                                  and "subject" not in form.fields) else None
        refuse_unknown_fields(values, {*form.fields, "format"})
        if not form.is_valid():
            raise_form_errors(form)
        try:
            with transaction.atomic():
                _take(request, case, action, form, subject)
        except DjangoValidationError as exc:
            raise service_errors(exc) from None
        except ActionRefused as exc:
            return Response({"detail": exc.message}, status=status.HTTP_409_CONFLICT)
        case.refresh_from_db(fields=["status"])
        return Response(StepDoneSerializer({
            "action": action, "status": case.status,
            "status_display": case.get_status_display(),
            "case": request.build_absolute_uri(case.get_absolute_url())}).data,
            status=status.HTTP_201_CREATED)

"""Inspection and supervision case pages: list, open (from a programme item, a letter or
ad hoc), detail. Thin, like the letter pages: every read comes from
`casework.selectors.cases` (scoped there, team members included), so a case outside the
user's reach is a 404 whatever the URL. The steps themselves are taken
on the task pages of workflows (their panel shows on the detail page)."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from casework.case_steps import step_marks
from casework.errors import ActionRefused
from casework.figure_filters import CaseFigureForm, apply_figure, figure_field_names
from casework.forms import apply_service_errors
from casework.inspection_forms import AppealForm, CaseFilterForm, CaseForm
from casework.models import (
    DisciplineDecision,
    InspectionKind,
    Organisation,
    Petition,
    ProgrammeItem,
)
from casework.models.inspections import Procedure
from casework.panels import inspection_panels
from casework.permissions import case_user_may, deciding_organisations, may_open_case
from casework.query_names import param, unknown_parameters_message
from casework.selectors.cases import case_counts, case_for_page, cases_visible, with_subject_count
from casework.selectors.cases import case_list as case_list_rows
from casework.selectors.letters import register_groups, sees_several_communes
from casework.services.inspections import ESCALATION_STATUSES, case_open, discipline_appeal
from casework.submissions import AlreadySubmitted, acting_once, repeated_post


@login_required
def case_list(request):
    form = CaseFilterForm(request.GET or None,
                          organisations=Organisation.objects.visible_to(request.user))
    known = {*form.fields, param("page"), *figure_field_names()}
    if unknown := unknown_parameters_message(request.GET, known):
        messages.warning(request, unknown)
    data = {}
    if form.is_bound and form.is_valid():
        data = {name: form.cleaned_data[param(name)]
                for name in ("q", "year", "kind", "status", "organisation")}
    cases = case_list_rows(user=request.user, q=data.get("q"), year=data.get("year"),
                           kind=data.get("kind"), status=data.get("status"),
                           organisation=data.get("organisation"))
    # A report's figure (?so-lieu=…): exactly the cases it counts.
    cases, figure, figure_errors = apply_figure(CaseFigureForm, request.GET, cases)
    for error in figure_errors:
        messages.error(request, error)
    # A figure of subjects or decisions: its number too (one case, four organisations).
    figure_total = figure.counted(cases) if figure is not None and not figure_errors else None
    counts = case_counts(cases)
    status_totals, kind_totals = counts.totals()
    # A province's list opens on its communes (one line each, a link to the commune's
    # list), not on pages sorted out of 100,000 cases: unless a unit or a text was asked.
    groups, page = None, None
    if not (data.get("organisation") or data.get("q")):
        units = sees_several_communes(request.user)
        groups = register_groups(counts=counts, organisations=units) if units else None
    if not groups:
        paginator = Paginator(with_subject_count(cases), 50)
        paginator.count = counts.total  # counted with the totals: no second COUNT
        page = paginator.get_page(request.GET.get(param("page")))
    query = request.GET.copy()
    query.pop(param("page"), None)
    return render(request, "casework/case_list.html", {
        "form": form, "page": page, "query": query.urlencode(), "total": counts.total,
        "groups": groups, "unit_param": param("organisation"),
        "status_totals": status_totals, "kind_totals": kind_totals,
        "may_open": deciding_organisations(request.user).exists(), "figure": figure,
        "figure_total": figure_total,
        "figure_label": FIGURE_UNITS.get(figure.cleaned_data.get(param("figure")))
        if figure_total is not None else "",
    })


# What a figure of subjects or decisions counts, as its number is shown beside the list.
FIGURE_UNITS = {"members": gettext_lazy("đảng viên"),
                "organisations": gettext_lazy("tổ chức đảng"),
                "discipline": gettext_lazy("quyết định kỷ luật")}


def _present(subject):
    return [subject] if subject is not None else []


def _prefill(request, organisations):
    """Initial values and links from ?muc=<programme item>, ?don=<letter> or
    ?giam-sat=<supervision that found signs of a violation>."""
    initial, item, petition, supervision = {}, None, None, None
    if request.GET.get(param("item"), "").isdigit():
        item = get_object_or_404(ProgrammeItem.objects.select_related("programme__organisation")
                                 .filter(programme__organisation__in=organisations),
                                 pk=request.GET[param("item")])
        initial.update(kind=item.kind, organisation=item.programme.organisation,
                       body=item.programme.body,
                       subject_organisations=_present(item.target_organisation),
                       content=item.content, title=item.get_kind_display())
    if request.GET.get("don", "").isdigit():
        petition = get_object_or_404(Petition.objects.visible_to(request.user),
                                     pk=request.GET["don"])
        initial.setdefault("kind", InspectionKind.VIOLATION_SIGNS)
        initial.update(subject_members=_present(petition.subject_member),
                       subject_organisations=_present(petition.subject_organisation),
                       title=_("Kiểm tra khi có dấu hiệu vi phạm (đơn số %(number)s)")
                       % {"number": petition.receipt_number})
    if request.GET.get("giam-sat", "").isdigit():
        supervision = get_object_or_404(
            cases_visible(user=request.user).filter(organisation__in=organisations),
            pk=request.GET["giam-sat"])
        subject_rows = supervision.subject_rows.select_related("member", "organisation")
        initial.update(kind=InspectionKind.VIOLATION_SIGNS, organisation=supervision.organisation,
                       body=supervision.body,
                       # every subject of the supervision: the inspection may drop some
                       subject_members=[row.member for row in subject_rows if row.member],
                       subject_organisations=[row.organisation for row in subject_rows
                                              if row.organisation],
                       title=_("Kiểm tra khi có dấu hiệu vi phạm (từ cuộc giám sát %(number)s)")
                       % {"number": supervision.number})
    if organisations.count() == 1:
        initial.setdefault("organisation", organisations.first())
    return initial, item, petition, supervision


@login_required
@require_http_methods(["GET", "POST"])
def case_create(request):
    organisations = deciding_organisations(request.user)
    if not organisations.exists():
        raise PermissionDenied(_("Bạn không có quyền ra quyết định kiểm tra, giám sát."))
    if repeat := repeated_post(request, fallback="casework:case-list"):
        return repeat
    initial, item, petition, supervision = _prefill(request, organisations)
    form = CaseForm(request.POST or None, initial=initial, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        try:
            with acting_once(request, form, fallback="casework:case-list") as claim:
                case = case_open(actor=request.user, programme_item=item,
                                 source_petition=petition, escalated_from=supervision,
                                 **form.cleaned_data)
                claim.result_url = case.get_absolute_url()
        except AlreadySubmitted as exc:
            return exc.response
        except ValidationError as exc:
            apply_service_errors(form, exc)
        except ActionRefused as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Đã lập cuộc %(number)s.") % {"number": case.number})
            return redirect(case)
    return render(request, "casework/case_form.html", {
        "form": form, "item": item, "petition": petition, "supervision": supervision})


@login_required
def case_detail(request, pk):
    case = get_object_or_404(case_for_page(user=request.user), pk=pk)
    # Each subject with its discipline decision (None until one is recorded).
    subjects = [(row, getattr(row, "discipline_decision", None))
                for row in case.subject_rows.all()]
    appealable = [decision for _row, decision in subjects
                  if decision is not None and decision.form and not decision.appealed_on]
    return render(request, "casework/case_detail.html", {
        "case": case, "events": case.events.select_related("actor"),
        "team": case.team.order_by("last_name", "first_name"), "subjects": subjects,
        "steps": step_marks(case), "procedure_label": Procedure(case.procedure).label,
        "panels": inspection_panels(request, case),
        "may_record_appeal": (bool(appealable)
                              and case_user_may(request.user, "discipline", case)),
        "may_escalate": (case.procedure == Procedure.SUPERVISION
                         and case.status in ESCALATION_STATUSES
                         and may_open_case(request.user, case.organisation)),
        "source_petition": (case.source_petition if case.source_petition_id and
                            Petition.objects.visible_to(request.user)
                            .filter(pk=case.source_petition_id).exists() else None),
    })


@login_required
@require_http_methods(["GET", "POST"])
def case_appeal(request, pk):
    """Ghi nhận khiếu nại kỷ luật: recorded by the deciding body, whose appeal clock it
    stops."""
    case = get_object_or_404(cases_visible(user=request.user).select_related("organisation"), pk=pk)
    if not case_user_may(request.user, "discipline", case):
        raise PermissionDenied(_("Chỉ cấp quyết định kỷ luật ghi nhận khiếu nại kỷ luật."))
    if repeat := repeated_post(request, fallback=case.get_absolute_url()):
        return repeat
    # The decisions still open to an appeal: one per disciplined subject.
    decisions = list(DisciplineDecision.objects.filter(case=case, appealed_on__isnull=True)
                     .exclude(form="").select_related("subject__member__organisation",
                                                      "subject__organisation")
                     .order_by("subject__position"))
    if not decisions:
        messages.error(request, _("Cuộc %(number)s không có quyết định kỷ luật đang chờ khiếu nại.")
                       % {"number": case.number})
        return redirect(case)
    decision = decisions[0]
    form = AppealForm(request.POST or None, decisions=decisions)
    if request.method == "POST" and form.is_valid():
        try:
            with acting_once(request, form, fallback=case.get_absolute_url()) as claim:
                discipline_appeal(actor=request.user, case_id=case.pk, **form.cleaned_data)
                claim.result_url = case.get_absolute_url()
        except AlreadySubmitted as exc:
            return exc.response
        except ValidationError as exc:
            apply_service_errors(form, exc)
        except ActionRefused as exc:
            messages.error(request, exc.message)
            return redirect(case)
        else:
            messages.success(request, _("Đã ghi nhận khiếu nại kỷ luật."))
            return redirect(case)
    return render(request, "casework/case_appeal.html",
                  {"case": case, "decision": decision, "form": form})

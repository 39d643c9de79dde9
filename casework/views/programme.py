"""Annual programme pages: the year's programmes with their progress, one programme by
quarter with the cases behind each figure, and the planning forms. Thin: the figures and
the lists come from `casework.selectors.programme`, every lookup is scoped to what the
user may see (a programme outside their subtree is a 404 whatever the URL), and planning
is for those who may open cases at the programme's organisation."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from casework.errors import ActionRefused
from casework.formatting import count_text, rate_text
from casework.forms import apply_service_errors
from casework.models import ConductingBody, Organisation, ProgrammeItem
from casework.permissions import may_open_case
from casework.programme_forms import ItemForm, ProgrammeForm
from casework.query_names import param
from casework.selectors.programme import (
    UNCONCLUDED_STATUSES,
    Figures,
    adhoc_count,
    programme_cases,
    programme_progress,
    programmes_progress,
    programmes_visible,
    quarter_end,
)
from casework.services import programme as svc
from casework.submissions import AlreadySubmitted, acting_once, repeated_post


def _visible(request):
    return programmes_visible(user=request.user).select_related("organisation")


ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


def summary_sentence(figures):
    """"Dự kiến 08 cuộc; đã tiến hành 05, …; hoàn thành 12,5%" for the page and print."""
    rate = figures.rate
    words = _("Dự kiến %(planned)s cuộc; đã tiến hành %(started)s (đang tiến hành "
              "%(in_progress)s), đã kết luận %(concluded)s, quá hạn %(overdue)s") % {
        "planned": count_text(figures.planned), "started": count_text(figures.started),
        "in_progress": count_text(figures.in_progress), "concluded": count_text(figures.concluded),
        "overdue": count_text(figures.overdue)}
    if rate is not None:
        words += "; " + _("hoàn thành %(rate)s") % {"rate": rate_text(rate)}
    return words + "."


@login_required
def programme_list(request):
    today = timezone.localdate()
    visible = _visible(request)
    years = sorted(set(visible.values_list("year", flat=True)) | {today.year}, reverse=True)
    year = request.GET.get(param("year"), "")
    year = int(year) if year.isdigit() and int(year) in years else today.year
    # The committee's own programmes first (executive, then UBKT), then the branches'.
    order = {ConductingBody.EXECUTIVE: 0, ConductingBody.UBKT: 1, ConductingBody.BRANCH: 2}
    programmes = sorted(visible.filter(year=year),
                        key=lambda p: (order.get(p.body, 3), p.organisation.path))
    progress = programmes_progress(programmes, today=today)
    total = Figures()
    for p in progress.values():
        total.add(p.total)
    # Ad-hoc cases of the year anywhere the user may see, as one figure beside the plan.
    adhoc_total = adhoc_count(user=request.user, year=year)
    rows = [(p, progress[p.pk]) for p in programmes]
    return render(request, "casework/programme_list.html", {
        "year": year, "years": years, "rows": rows, "total": total,
        "summary": summary_sentence(total), "adhoc_total": adhoc_total,
        "adhoc_list_url": reverse("casework:case-list"),
        "may_plan": svc.planning_organisations(request.user).exists(), "today": today,
    })


def _case_create_url():
    try:
        return reverse("casework:case-create")
    except NoReverseMatch:  # the case pages live in another module; the plan stands alone
        return None


@login_required
def programme_detail(request, pk):
    programme = get_object_or_404(_visible(request), pk=pk)
    progress = programme_progress(programme)
    may_plan = may_open_case(request.user, programme.organisation)
    by_item, adhoc = {}, []
    for case in programme_cases(user=request.user, programme=programme):
        case.late = (case.status in UNCONCLUDED_STATUSES and case.ends_on < progress.today)
        if case.programme_item_id:
            by_item.setdefault(case.programme_item_id, []).append(case)
        else:
            adhoc.append(case)
    for item in progress.items:
        item.case_list = by_item.get(item.pk, [])
        # The item's subjects beside its cases (one case of four branches): from the rows
        # already read, no query.
        rows = [row for case in item.case_list for row in case.subject_rows.all()]
        item.subject_counts = (sum(1 for r in rows if r.organisation_id),
                               sum(1 for r in rows if r.member_id))
        item.quarter_over = quarter_end(programme.year, item.quarter) < progress.today
    return render(request, "casework/programme_detail.html", {
        "programme": programme, "progress": progress,
        "quarters": [(q, ROMAN[q], items, sub) for q, items, sub in progress.quarters()],
        "summary": summary_sentence(progress.total), "adhoc": adhoc,
        "may_plan": may_plan, "case_create_url": _case_create_url() if may_plan else None,
    })


def _planning_organisations(request):
    organisations = svc.planning_organisations(request.user)
    if not organisations.exists():
        raise PermissionDenied(_("Bạn không có quyền lập chương trình kiểm tra, giám sát."))
    return organisations


@login_required
@require_http_methods(["GET", "POST"])
def programme_edit(request, pk=None):
    programme = None
    if pk is not None:
        programme = get_object_or_404(_visible(request), pk=pk)
        if not may_open_case(request.user, programme.organisation):
            raise PermissionDenied(_("Bạn không có quyền sửa chương trình này."))
    organisations = _planning_organisations(request)
    initial = {} if programme is None else {
        "organisation": programme.organisation, "body": programme.body,
        "year": programme.year, "document": programme.document}
    if repeat := repeated_post(request, fallback="casework:programme-list"):
        return repeat
    form = ProgrammeForm(request.POST or None, initial=initial, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with acting_once(request, form, fallback="casework:programme-list") as claim:
                saved = svc.programme_save(
                    actor=request.user, programme_id=programme.pk if programme else None,
                    organisation=data["organisation"], year=data["year"], body=data["body"],
                    document=data["document"])
                claim.result_url = reverse("casework:programme-detail", args=[saved.pk])
        except AlreadySubmitted as exc:
            return exc.response
        except ValidationError as exc:
            apply_service_errors(form, exc)
        except ActionRefused as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Đã lưu chương trình kiểm tra, giám sát."))
            return redirect("casework:programme-detail", saved.pk)
    return render(request, "casework/programme_form.html", {
        "form": form, "programme": programme})


def _targets(programme):
    return Organisation.objects.filter(
        path__startswith=programme.organisation.committee.path).order_by("path")


@login_required
@require_http_methods(["GET", "POST"])
def programme_item_edit(request, pk=None, item_pk=None):
    if item_pk is not None:
        item = get_object_or_404(ProgrammeItem.objects.filter(
            programme__in=_visible(request)).select_related("programme__organisation"),
            pk=item_pk)
        programme = item.programme
    else:
        item, programme = None, get_object_or_404(_visible(request), pk=pk)
    if not may_open_case(request.user, programme.organisation):
        raise PermissionDenied(_("Bạn không có quyền sửa chương trình này."))
    initial = {} if item is None else {
        "kind": item.kind, "quarter": item.quarter, "planned_cases": item.planned_cases,
        "target_organisation": item.target_organisation, "content": item.content}
    detail = reverse("casework:programme-detail", args=[programme.pk])
    if repeat := repeated_post(request, fallback=detail):
        return repeat
    form = ItemForm(request.POST or None, initial=initial, targets=_targets(programme))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with acting_once(request, form, fallback=detail) as claim:
                svc.programme_item_save(
                    actor=request.user, programme_id=programme.pk,
                    item_id=item.pk if item else None, kind=data["kind"],
                    quarter=data["quarter"], planned_cases=data["planned_cases"],
                    target_organisation=data["target_organisation"], content=data["content"])
                claim.result_url = detail
        except AlreadySubmitted as exc:
            return exc.response
        except ValidationError as exc:
            apply_service_errors(form, exc)
        except ActionRefused as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Đã lưu nội dung chương trình."))
            return redirect("casework:programme-detail", programme.pk)
    return render(request, "casework/programme_item_form.html", {
        "form": form, "programme": programme, "item": item,
        "has_cases": item is not None and item.cases.exists()})


@login_required
@require_POST
def programme_item_delete(request, item_pk):
    item = get_object_or_404(ProgrammeItem.objects.filter(
        programme__in=_visible(request)).select_related("programme__organisation"), pk=item_pk)
    if not may_open_case(request.user, item.programme.organisation):
        raise PermissionDenied(_("Bạn không có quyền sửa chương trình này."))
    try:
        svc.programme_item_delete(actor=request.user, item_id=item.pk)
    except ActionRefused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Đã xóa nội dung chương trình."))
    return redirect("casework:programme-detail", item.programme_id)

"""Pausing, resuming and extending a deadline clock from the case page. Thin: parse the
form, call the service, show the result on the case page.

A clock is found only through the letters and inspection/supervision cases the user may
see, so a clock of another commune is a 404 whatever the URL; what the user may do with a
visible clock is the service's decision (`ActionRefused`)."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from casework.errors import ActionRefused
from casework.formatting import date_text
from casework.forms import apply_service_errors
from casework.models import Role
from casework.submissions import AlreadySubmitted, acting_once, repeated_post
from workflows.clock_forms import ExtendForm, PauseForm, ResumeForm
from workflows.models import CountFrom
from workflows.panels import (
    ACTION_LABELS,
    ROLE_REFUSAL,
    clock_state,
    day_with_weekday,
    extension_caps,
    refusal,
    request_calendar,
    role_allows,
    unit_count,
)
from workflows.selectors import clocks_visible
from workflows.services.clocks import clock_extend, clock_pause, clock_resume

TITLES = {
    "pause": gettext_lazy("Tạm dừng thời hạn"),
    "resume": gettext_lazy("Tính tiếp thời hạn"),
    "extend": gettext_lazy("Gia hạn thời hạn"),
}


def _visible_clock(request, pk):
    user = request.user
    return get_object_or_404(
        clocks_visible(user=user).select_related("rule", "petition__organisation",
                                                 "inspection__organisation"), pk=pk)


def _record_words(clock):
    """(label, page url, list label, list url) of the letter or case the clock is on."""
    if clock.inspection_id:
        case = clock.inspection
        return (_("Cuộc kiểm tra, giám sát số %(number)s") % {"number": case.number},
                case.get_absolute_url(), _("Việc của tôi"), reverse("workflows:my-work"))
    petition = clock.petition
    return (_("Đơn số %(number)s") % {"number": petition.receipt_number},
            reverse("casework:petition-detail", args=[petition.pk]), _("Sổ đơn thư"),
            reverse("casework:petition-list"))


def rule_text(clock):
    rule = clock.rule
    if clock.inspection_id and rule.counted_from == CountFrom.CASE_END:
        return _("đến ngày kết thúc ghi trong quyết định: %(day)s") % {
            "day": date_text(clock.inspection.ends_on)}
    return _("%(length)s %(unit)s kể từ sau ngày %(day)s") % {
        "length": rule.length, "unit": rule.get_unit_display(),
        "day": date_text(clock.started_on)}


def _new_due(clock):
    if clock.due_on is None:
        return _("hạn sẽ được tính lại khi tính tiếp")
    return _("hạn mới: %(due)s") % {"due": day_with_weekday(clock.due_on)}


def _done_message(action, clock, data):
    step = clock.rule.get_step_display()
    if action == "pause":
        return _("Đã ghi: tạm dừng thời hạn “%(step)s” từ ngày %(on)s.") % {
            "step": step, "on": date_text(data["on"])}
    if action == "resume":
        return _("Đã ghi: tính tiếp thời hạn “%(step)s” từ ngày %(on)s; %(due)s.") % {
            "step": step, "on": date_text(data["on"]), "due": _new_due(clock)}
    return _("Đã ghi: gia hạn thời hạn “%(step)s” thêm %(days)s theo quyết định số "
             "%(number)s; %(due)s.") % {
        "step": step, "days": unit_count(clock.rule, data["days"]),
        "number": data["decision_number"].strip(), "due": _new_due(clock)}


def _call(action, user, clock, data):
    if action == "pause":
        return clock_pause(actor=user, clock_id=clock.pk, on=data["on"], reason=data["reason"],
                           suspend=data.get("suspend", False),
                           decision_number=data.get("decision_number", ""),
                           decision_date=data.get("decision_date"))
    if action == "resume":
        return clock_resume(actor=user, clock_id=clock.pk, on=data["on"], reason=data["reason"])
    return clock_extend(actor=user, clock_id=clock.pk, days=data["days"],
                        decision_number=data["decision_number"],
                        decision_date=data["decision_date"], reason=data["reason"],
                        complex_record=data.get("complex_record", ""))


def _clock_action(request, pk, action):
    clock = _visible_clock(request, pk)
    record = clock.record
    label, record_url, list_label, list_url = _record_words(clock)
    case_page = redirect(record_url)
    if not role_allows(request.user, clock, record.organisation, action):
        # Never allowed for this role (as opposed to "not now"): the same 403 as a letter's
        # transition page, so the access matrix holds for every page.
        raise PermissionDenied(ROLE_REFUSAL)
    if repeat := repeated_post(request, fallback=record_url):
        return repeat
    if request.method == "GET":
        # A stale link or a typed URL: say why instead of showing a form that will fail.
        why = refusal(request.user, clock, record.organisation, action)
        if why:
            messages.error(request, why)
            return case_page
    data = request.POST if request.method == "POST" else None
    form = (ResumeForm(data) if action == "resume"
            else {"pause": PauseForm, "extend": ExtendForm}[action](data, rule=clock.rule))
    if request.method == "POST" and form.is_valid():
        try:
            with acting_once(request, form, fallback=record_url) as claim:
                clock = _call(action, request.user, clock, form.cleaned_data)
                claim.result_url = record_url
        except AlreadySubmitted as exc:
            return exc.response
        except ValidationError as exc:
            apply_service_errors(form, exc)
        except ActionRefused as exc:
            messages.error(request, exc.message)
            return case_page
        else:
            messages.success(request, _done_message(action, clock, form.cleaned_data))
            return case_page
    rule = clock.rule
    deciders = [Role(code).label for code in rule.extension_decided_by if code in Role.values]
    return render(request, "workflows/clock_action.html", {
        "record_label": label, "record_url": record_url, "list_label": list_label,
        "list_url": list_url, "rule_text": rule_text(clock),
        "clock": clock, "rule": rule, "form": form, "action": action,
        "title": TITLES[action], "button": ACTION_LABELS[action],
        "state": clock_state(clock, timezone.localdate(), request_calendar(request)),
        "due_text": day_with_weekday(clock.due_on) if clock.due_on else "",
        "caps": extension_caps(rule, clock.extensions_used), "deciders": deciders,
    })


@login_required
@require_http_methods(["GET", "POST"])
def clock_pause_view(request, pk):
    return _clock_action(request, pk, "pause")


@login_required
@require_http_methods(["GET", "POST"])
def clock_resume_view(request, pk):
    return _clock_action(request, pk, "resume")


@login_required
@require_http_methods(["GET", "POST"])
def clock_extend_view(request, pk):
    return _clock_action(request, pk, "extend")

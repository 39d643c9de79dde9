"""Pausing, resuming and extending a deadline clock from the case page. Thin: parse the
form, call the service, show the result on the case page.

A clock is found only through the letters the user may see, so a clock of another
commune is a 404 whatever the URL; what the user may do with a visible clock is the
service's decision (`ActionRefused`)."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from casework.errors import ActionRefused
from casework.forms import apply_service_errors
from casework.models import Petition, Role
from workflows.clock_forms import ExtendForm, PauseForm, ResumeForm
from workflows.models import DeadlineClock
from workflows.panels import (
    ACTION_LABELS, ROLE_REFUSAL, clock_state, day_with_weekday, extension_caps, refusal,
    request_calendar, role_allows, unit_count,
)
from workflows.services.clocks import clock_extend, clock_pause, clock_resume

TITLES = {
    "pause": gettext_lazy("Tạm dừng thời hạn"),
    "resume": gettext_lazy("Tính tiếp thời hạn"),
    "extend": gettext_lazy("Gia hạn thời hạn"),
}


def _visible_clock(request, pk):
    return get_object_or_404(
        DeadlineClock.objects.select_related("rule", "petition__organisation")
        .filter(petition__in=Petition.objects.visible_to(request.user)), pk=pk)


def _new_due(clock):
    if clock.due_on is None:
        return _("hạn sẽ được tính lại khi tính tiếp")
    return _("hạn mới: %(due)s") % {"due": day_with_weekday(clock.due_on)}


def _done_message(action, clock, data):
    step = clock.rule.get_step_display()
    if action == "pause":
        return _("Đã ghi: tạm dừng thời hạn “%(step)s” từ ngày %(on)s.") % {
            "step": step, "on": data["on"].strftime("%d/%m/%Y")}
    if action == "resume":
        return _("Đã ghi: tính tiếp thời hạn “%(step)s” từ ngày %(on)s; %(due)s.") % {
            "step": step, "on": data["on"].strftime("%d/%m/%Y"), "due": _new_due(clock)}
    return _("Đã ghi: gia hạn thời hạn “%(step)s” thêm %(days)s theo quyết định số "
             "%(number)s; %(due)s.") % {
        "step": step, "days": unit_count(clock.rule, data["days"]),
        "number": data["decision_number"].strip(), "due": _new_due(clock)}


def _call(action, user, clock, data):
    if action == "pause":
        return clock_pause(actor=user, clock_id=clock.pk, on=data["on"], reason=data["reason"])
    if action == "resume":
        return clock_resume(actor=user, clock_id=clock.pk, on=data["on"], reason=data["reason"])
    return clock_extend(actor=user, clock_id=clock.pk, days=data["days"],
                        decision_number=data["decision_number"],
                        decision_date=data["decision_date"], reason=data["reason"])


def _clock_action(request, pk, action):
    clock = _visible_clock(request, pk)
    petition = clock.petition
    case_page = redirect("casework:petition-detail", pk=petition.pk)
    if not role_allows(request.user, clock, petition.organisation, action):
        # Never allowed for this role (as opposed to "not now"): the same 403 as a letter's
        # transition page, so the access matrix holds for every page.
        raise PermissionDenied(ROLE_REFUSAL)
    if request.method == "GET":
        # A stale link or a typed URL: say why instead of showing a form that will fail.
        why = refusal(request.user, clock, petition.organisation, action)
        if why:
            messages.error(request, why)
            return case_page
    data = request.POST if request.method == "POST" else None
    form = (ExtendForm(data, rule=clock.rule) if action == "extend"
            else {"pause": PauseForm, "resume": ResumeForm}[action](data))
    if request.method == "POST" and form.is_valid():
        try:
            clock = _call(action, request.user, clock, form.cleaned_data)
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
        "petition": petition, "clock": clock, "rule": rule, "form": form, "action": action,
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

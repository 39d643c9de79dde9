"""Deadline clocks: started and stopped by case events, paused, resumed and extended
through an append-only ledger, and recomputed from it.

The due date is a pure function of (rule, start date, ledger, calendar): `compute` derives
it and the explanation shown on the case page, so what the page says is exactly how the
date was obtained. Everything here runs inside the transaction of its cause: a clock
starts or stops with the event that triggers it, or not at all.
"""
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.dates import check_date_bounds
from casework.errors import ActionRefused
from casework.formatting import date_text
from casework.permissions import may_open_case, roles_at, user_may
from casework.text import cleans_text
from workflows.calendar import get_calendar
from workflows.models import ClockEntry, ClockEntryKind, ClockStatus, DeadlineClock, Unit
from workflows.models.clocks import OPEN_CLOCK_STATUSES, keep_clock_kinds
from workflows.services import case_clocks
from workflows.services.due_dates import (  # noqa: F401 (re-exported)
    PAUSE_KINDS,
    Computation,
    _unit_label,
    compute,
    next_escalation_on,
)
from workflows.services.due_dates import apply_computation as _apply
from workflows.services.recompute import recompute_for_calendar_change  # noqa: F401
from workflows.services.rule_selection import (  # noqa: F401 (re-exported)
    petition_clock_start,
    procedures_for,
    rules_started_by,
)


def entry_row(clock, kind, on, actor, due_before, **fields):
    """A ledger line of `clock` as it now stands, unsaved."""
    return ClockEntry(clock=clock, kind=kind, on=on, actor=actor, due_before=due_before,
                      due_after=clock.due_on, **fields)


def _entry(clock, kind, on, actor, due_before, **fields):
    entry = entry_row(clock, kind, on, actor, due_before, **fields)
    entry.save(force_insert=True)
    return entry


# ---------------------------------------------------------------- reacting to case events

def event_day(event):
    """The day the law counts from: the letter's receipt date for a receipt (it may be
    logged a day later), the date of the document behind the step (a thụ lý notice, a
    transmittal) when there is one, else the day the step was recorded as happening."""
    from casework.models import EventType

    if event.event_type == EventType.RECEIVED:
        return event.petition.received_on
    return event.doc_date or timezone.localdate(event.occurred_at)


def on_case_event(event):
    """Stop the clocks this event ends, then start the ones it begins: for a letter or an
    inspection/supervision case. A lapsed clock is stopped too (an appeal recorded after
    its month): it then reads as late, which is what happened.

    An event that ends a clock and starts a new one of the same step replaces it: the
    window for a second complaint counted from the end of the first-instance period (it
    passed without a decision) gives way, when the decision comes after all, to the window
    counted from its receipt, the start Luật Khiếu nại Điều 33(1) names first and always the
    later one. A running window is stopped on the decision's day with a ledger line saying
    so; one that already lapsed stays lapsed (the complainant let it pass; the new window is
    a new right, not that one exercised late)."""
    from casework.models import EventType

    if event.petition_id:
        record, owner = event.petition, {"petition": event.petition}
        if "kind" in (event.details or {}) and event.event_type != EventType.RECEIVED:
            # An event that records the letter's kind (a classification: what the audit's
            # KIND_CHANGED compares the letter with) may have changed it; at the receipt
            # the letter has no clock yet.
            keep_clock_kinds(record)
    else:
        record, owner = event.inspection, {"inspection": event.inspection}
    on = event_day(event)
    starting = rules_started_by(record, event.event_type, on, event=event)
    open_clocks = (DeadlineClock.objects.select_related("rule")
                   .select_for_update(of=("self",))
                   .filter(**owner,
                           status__in=(*OPEN_CLOCK_STATUSES, ClockStatus.LAPSED)))
    stopped, started = event_effects(event, record, on, open_clocks, starting)
    for clock, reason in stopped:
        clock.save()
        stop_entry(clock, event, on, reason).save(force_insert=True)
    for clock in started:
        clock.save()
        start_entry(clock, event, on).save(force_insert=True)


def start_entry(clock, event, on):
    """The ledger line of a clock started by `event`, unsaved."""
    return entry_row(clock, ClockEntryKind.START, on, event.actor, None,
                     reason=str(event.get_event_type_display()))


def stop_entry(clock, event, on, reason):
    """The ledger line of a clock stopped by `event`, unsaved."""
    return entry_row(clock, ClockEntryKind.STOP, on, event.actor, clock.due_on, reason=reason)


def event_effects(event, record, on, open_clocks, starting, cal=None, explain=True):
    """What `event` (on its day `on`) does to its record's clocks, nothing written: the
    open (or lapsed) clocks it stops, each marked stopped here with the reason its ledger
    line gives, and the clocks of the `starting` rules, unsaved, their dates computed.
    The one rule of `on_case_event` and of an imported register's clocks
    (workflows.services.import_clocks), which writes the same rows set-wise."""
    restarted = {rule.step for rule in starting}
    stopped = []
    for clock in open_clocks:
        if event.event_type not in clock.rule.stop_events:
            continue
        if clock.rule.step not in restarted:
            reason = str(event.get_event_type_display())
        elif clock.status != ClockStatus.LAPSED:
            reason = _("%(event)s: thay bằng thời hạn mới của bước này, tính theo sự kiện "
                       "đó.") % {"event": event.get_event_type_display()}
        else:
            continue
        clock.status = ClockStatus.STOPPED
        clock.stopped_on = on
        clock.stop_event = event
        clock.next_escalation_on = None
        stopped.append((clock, reason))
    started = []
    for rule in starting:
        cal = cal or get_calendar()
        if event.petition_id:
            fields = {"petition": record, "organisation": record.organisation,
                      "assignee": event.actor, "lapses": rule.lapses,
                      "started_on": petition_clock_start(rule, record, event, on)}
        else:
            fields = case_clocks.clock_fields(record, rule, event, on)
        clock = DeadlineClock(rule=rule, start_event=event, **fields)
        _apply(clock, compute(clock, entries=[], cal=cal, explain=explain), cal)
        started.append(clock)
    return stopped, started


# ---------------------------------------------------------------- pause, resume, extend

def may_follow_up_clock(user, clock, organisation):
    """Pausing and resuming: the handlers' follow-up work for a letter; for a case, the
    deciding body's (the team does not stop its own clock)."""
    if clock.inspection_id:
        return may_open_case(user, organisation)
    return user_may(user, "follow_up", organisation)


def _lock(clock_id, actor, action):
    try:
        clock = (DeadlineClock.objects.select_related("rule", "petition__organisation",
                                                      "inspection", "organisation")
                 .select_for_update(of=("self",)).get(pk=clock_id))
    except DeadlineClock.DoesNotExist:
        raise ActionRefused(_("Không tìm thấy thời hạn.")) from None
    organisation = clock.petition.organisation if clock.petition else clock.organisation
    if action == "extend":
        allowed = actor.is_superuser or bool(
            roles_at(actor, organisation) & set(clock.rule.extension_decided_by))
    else:
        allowed = may_follow_up_clock(actor, clock, organisation)
    if not allowed:
        raise ActionRefused(_("Vai trò của bạn không được phép thực hiện thao tác này "
                              "đối với thời hạn này."))
    if not clock.is_open:
        raise ActionRefused(_("Thời hạn này đã kết thúc."))
    return clock


def _check_day(field_name, value, *, label, not_before):
    if value is None:
        raise ValidationError({field_name: _("Chưa nhập %(label)s.") % {"label": label}})
    check_date_bounds(value, field=field_name, label=label)
    if value > timezone.localdate():
        raise ValidationError({field_name: _("%(label)s không được sau ngày hôm nay.")
                               % {"label": label.capitalize()}})
    if value < not_before:
        raise ValidationError({field_name: _("%(label)s không được trước ngày %(day)s.")
                               % {"label": label.capitalize(), "day": date_text(not_before)}})


def _last_entry_day(clock):
    last = clock.entries.order_by("-on").values_list("on", flat=True).first()
    return max(last or clock.started_on, clock.started_on)


@transaction.atomic
@cleans_text("reason")
def clock_pause(*, actor, clock_id: int, on: date, reason: str, suspend: bool = False,
                decision_number: str = "", decision_date: date | None = None) -> DeadlineClock:
    """Stop counting while the sender supplements documents, or (`suspend`) from a
    suspension decision (tạm đình chỉ), where the clock's rule allows one: it then counts
    again from the decision to continue (a resumption)."""
    clock = _lock(clock_id, actor, "pause")
    if clock.status == ClockStatus.PAUSED:
        raise ActionRefused(_("Thời hạn này đang tạm dừng."))
    if suspend and not clock.rule.may_suspend:
        raise ActionRefused(_("Quy tắc “%(rule)s” (áp dụng từ %(from)s) không có tạm đình chỉ "
                              "giải quyết.") % {"rule": clock.rule,
                                                 "from": date_text(clock.rule.effective_from)})
    errors = {}
    if not reason.strip():
        errors["reason"] = _("Chưa nhập lý do tạm dừng.")
    if suspend and not decision_number.strip():
        errors["decision_number"] = _("Số quyết định tạm đình chỉ: chưa nhập.")
    if errors:
        raise ValidationError(errors)
    _check_day("on", on, label=_("ngày tạm dừng"), not_before=_last_entry_day(clock))
    kind = ClockEntryKind.SUSPEND if suspend else ClockEntryKind.PAUSE
    docs = ({"decision_number": decision_number.strip(), "decision_date": decision_date or on}
            if suspend else {})
    before = clock.due_on
    entry = ClockEntry(clock=clock, kind=kind, on=on)
    cal = get_calendar()
    _apply(clock, compute(clock, entries=list(clock.entries.all()) + [entry], cal=cal), cal)
    clock.paused_on = on
    clock.save()
    _entry(clock, kind, on, actor, before, reason=reason.strip(), **docs)
    return clock


@transaction.atomic
@cleans_text("reason")
def clock_resume(*, actor, clock_id: int, on: date, reason: str = "") -> DeadlineClock:
    clock = _lock(clock_id, actor, "resume")
    if clock.status != ClockStatus.PAUSED:
        raise ActionRefused(_("Thời hạn này không tạm dừng."))
    _check_day("on", on, label=_("ngày tính tiếp"), not_before=clock.paused_on)
    entry = ClockEntry(clock=clock, kind=ClockEntryKind.RESUME, on=on)
    cal = get_calendar()
    _apply(clock, compute(clock, entries=list(clock.entries.all()) + [entry], cal=cal), cal)
    clock.paused_on = None
    clock.save()
    _entry(clock, ClockEntryKind.RESUME, on, actor, None, reason=reason.strip())
    return clock


@transaction.atomic
@cleans_text("reason")
def clock_extend(*, actor, clock_id: int, days: int, decision_number: str,
                 decision_date: date, reason: str, complex_record: str = "") -> DeadlineClock:
    """Gia hạn by a written decision, within the caps of the clock's own rule. Where the
    rule allows it only for a complex case (complaints from 1/7/2026, NĐ 155/2026 Điều 3a),
    the document recording the case as complex is required and kept in the reason."""
    clock = _lock(clock_id, actor, "extend")
    rule = clock.rule
    if clock.extensions_used >= rule.max_extensions:
        raise ActionRefused(
            _("Quy tắc “%(rule)s” chỉ cho phép gia hạn tối đa %(max)s lần; thời hạn này "
              "đã gia hạn %(used)s lần.") % {"rule": rule, "max": rule.max_extensions,
                                             "used": clock.extensions_used}
            if rule.max_extensions else
            _("Quy tắc “%(rule)s” không cho phép gia hạn.") % {"rule": rule})
    errors = {}
    if not days or days < 1:
        errors["days"] = _("Số ngày gia hạn phải là số nguyên dương.")
    elif days > rule.extension_length:
        errors["days"] = _("Mỗi lần gia hạn không quá %(max)s.") % {
            "max": _unit_label(rule, rule.extension_length)}
    if not decision_number.strip():
        errors["decision_number"] = _("Chưa nhập số quyết định gia hạn.")
    if not reason.strip():
        errors["reason"] = _("Chưa nhập lý do gia hạn.")
    if rule.extension_needs_complex and not complex_record.strip():
        errors["complex_record"] = _(
            "Văn bản ghi nhận vụ việc phức tạp: chưa nhập (chỉ gia hạn khi vụ việc phức tạp).")
    if errors:
        raise ValidationError(errors)
    if rule.extension_needs_complex:
        reason = _("Vụ việc phức tạp (%(doc)s). %(reason)s") % {
            "doc": complex_record.strip(), "reason": reason.strip()}
    _check_day("decision_date", decision_date, label=_("ngày quyết định gia hạn"),
               not_before=clock.started_on)
    before = clock.due_on
    entry = ClockEntry(clock=clock, kind=ClockEntryKind.EXTEND, on=decision_date, days=days,
                       decision_number=decision_number.strip(), decision_date=decision_date,
                       reason=reason.strip())
    cal = get_calendar()
    _apply(clock, compute(clock, entries=list(clock.entries.all()) + [entry], cal=cal), cal)
    clock.extensions_used += 1
    clock.save()
    _entry(clock, ClockEntryKind.EXTEND, decision_date, actor, before, days=days,
           decision_number=decision_number.strip(), decision_date=decision_date,
           reason=reason.strip())
    _follow_period_end(clock, actor, cal)
    return clock


def _follow_period_end(clock, actor, cal):
    """A window counted from the end of this clock's period (the sweep started it when the
    period passed unmet: workflows.sweep.start_after_elapsed) follows that end when an
    extension recorded afterwards moves it: it counts from the new end, with a ledger line.
    One that already lapsed stays as it ended."""
    windows = (DeadlineClock.objects.select_related("rule").select_for_update(of=("self",))
               .filter(started_by=clock, status=ClockStatus.RUNNING))
    for window in windows:
        before = window.due_on
        window.started_on = clock.due_on
        _apply(window, compute(window, cal=cal), cal)
        window.save()
        _entry(window, ClockEntryKind.RECOMPUTE, timezone.localdate(), actor, before,
               reason=_("Thời hạn “%(rule)s” được gia hạn đến %(due)s: tính từ ngày đó.")
               % {"rule": clock.rule, "due": date_text(clock.due_on)})


# ---------------------------------------------------------------- reading

def days_left(clock, today=None, cal=None):
    """Days until due (negative when overdue), in the unit the rule counts days in."""
    if clock.due_on is None:
        return None
    today = today or timezone.localdate()
    if clock.rule.counting_unit == Unit.WORKING:
        cal = cal or get_calendar()
        if clock.due_on >= today:
            return cal.working_days_between(today, clock.due_on)
        return -cal.working_days_between(clock.due_on, today)
    return (clock.due_on - today).days

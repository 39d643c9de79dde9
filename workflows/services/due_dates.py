"""Computing a clock's due date: a pure function of (rule, start date, ledger, calendar).

`compute` derives the date and the explanation shown on the case page, so what the page
says is exactly how the date was obtained; `apply_computation` stores it on the clock with
its warning and escalation dates. Nothing here writes to the database.
"""
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils.translation import gettext as _

from casework.formatting import count_text, date_text
from workflows.calendar import get_calendar
from workflows.models import ClockEntryKind, ClockStatus, Unit
from workflows.services import case_clocks


@dataclass
class Computation:
    due_on: date | None  # None while paused
    counted: int  # days counted in the rule's unit, extensions and pauses included
    lines: list = field(default_factory=list)  # how the date was obtained, for people
    calendar_explanation: object = None


# A suspension decision stops the count like a pause; both end with a RESUME entry.
PAUSE_KINDS = (ClockEntryKind.PAUSE, ClockEntryKind.SUSPEND)
# The ledger lines `compute` counts; the others (start, recompute, stop…) only record.
COUNTED_KINDS = (ClockEntryKind.EXTEND, *PAUSE_KINDS, ClockEntryKind.RESUME)


def _unit_label(rule, n):
    """Days of a pause or an extension, in the unit the rule counts them (days for a month
    rule)."""
    unit = Unit(rule.counting_unit).label
    return f"{count_text(n)} {unit}"


def compute(clock, entries=None, cal=None, explain=True):
    """Derive the due date from the rule, the start and the ledger. `explain=False` (a
    recompute of thousands of clocks) leaves out the words and the calendar's explanation,
    which cost many times the date itself (each names the rule in the reader's language);
    the dates are the same."""
    cal = cal or get_calendar()
    rule = clock.rule
    entries = list(clock.entries.all()) if entries is None else entries

    def rule_line(length):
        if not explain:
            return ""
        return _("Quy tắc: %(rule)s, %(length)s kể từ ngày sau ngày %(start)s (%(basis)s; "
                 "áp dụng từ %(from)s).") % {
            "rule": rule, "length": length, "start": date_text(clock.started_on),
            "basis": rule.legal_basis, "from": date_text(rule.effective_from)}

    base = case_clocks.counting_base(clock, rule_line)
    if base is None:
        base = case_clocks.CountingBase(clock.started_on, rule.length, rule.unit, True,
                                        rule_line(_unit_label(rule, rule.length)))
    lines = [base.line] if explain else []
    total = base.days
    paused_since = paused_kind = None
    for entry in entries:
        if entry.kind == ClockEntryKind.EXTEND:
            total += entry.days
            if explain:
                lines.append(_("Gia hạn: thêm %(days)s theo quyết định số %(number)s ngày "
                               "%(date)s (%(reason)s).") % {
                    "days": _unit_label(rule, entry.days), "number": entry.decision_number,
                    "date": date_text(entry.decision_date), "reason": entry.reason})
        elif entry.kind in PAUSE_KINDS:
            paused_since, paused_kind = entry.on, entry.kind
        elif entry.kind == ClockEntryKind.RESUME and paused_since is not None:
            gap = (cal.working_days_between(paused_since, entry.on)
                   if base.unit == Unit.WORKING else (entry.on - paused_since).days)
            total += gap
            if explain:
                lines.append((_("Tạm đình chỉ từ %(start)s, tiếp tục giải quyết từ %(end)s: "
                                "không tính %(days)s.")
                              if paused_kind == ClockEntryKind.SUSPEND else
                              _("Tạm dừng từ %(start)s đến %(end)s: không tính %(days)s.")) % {
                    "start": date_text(paused_since), "end": date_text(entry.on),
                    "days": _unit_label(rule, gap)})
            paused_since = None
    # The decision's own end date is not a count: it has no calendar to explain.
    explanation = cal.explain(base.start, total, base.unit) if base.rolls and explain else None
    if paused_since is not None:
        if explain:
            lines.append(_("Đang tạm dừng từ %(start)s: hạn sẽ được tính lại khi tính "
                           "tiếp.") % {"start": date_text(paused_since)})
        return Computation(None, total, lines, explanation)
    if not base.rolls:
        due = case_clocks.unrolled_due(base, total)
    else:
        due = explanation.due if explanation else cal.due_date(base.start, total, base.unit)
    if explain:
        lines.append(_("Hạn: %(due)s.") % {"due": date_text(due)})
    return Computation(due, total, lines, explanation)


def _ladder_dates(clock, due, cal):
    rule = clock.rule
    warn = cal.subtract_working_days(due, rule.warn_days_before) if rule.warn_days_before else None
    overdue = cal.add_working_days(due, rule.overdue_days_after)
    return warn, overdue


def next_escalation_on(clock):
    """The day the next rung of the ladder falls due, after `clock.last_rung` fired."""
    rung = clock.last_rung
    if rung < 0:
        return clock.warn_on or clock.due_on
    if rung == 0:
        return clock.due_on
    if rung == 1:
        return clock.overdue_on
    if clock.reminder_every:
        return clock.overdue_on + timedelta(days=(rung - 1) * clock.reminder_every)
    return None


def apply_computation(clock, computation, cal):
    """Store the computed dates and restart the ladder if the due date moved."""
    due = computation.due_on
    if due is None:
        # Paused: no due date until counting resumes, so nothing can fall due.
        clock.status = ClockStatus.PAUSED
        clock.due_on = clock.warn_on = clock.overdue_on = clock.next_escalation_on = None
        return
    if clock.status == ClockStatus.PAUSED:
        clock.status = ClockStatus.RUNNING
    if due != clock.due_on:
        if clock.pk is not None:
            clock.cycle += 1
        clock.last_rung = -1
    clock.due_on = due
    if clock.lapses:
        # A right's window: no ladder; the sweep ends it as lapsed once it has passed.
        clock.warn_on = clock.overdue_on = clock.next_escalation_on = None
        clock.reminder_every = 0
        return
    clock.warn_on, clock.overdue_on = _ladder_dates(clock, due, cal)
    clock.reminder_every = clock.rule.reminder_every_days
    clock.next_escalation_on = next_escalation_on(clock)

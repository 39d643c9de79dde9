"""Deadline clocks of inspection and supervision cases: which rules a case falls under,
who answers for its clocks, the day each counts from, and the due dates that are not a
plain count of days (the decision's own end date, a month).

What letters and cases share (starting and stopping on case events, the ledger, pause,
resume, extension, recomputation) stays in `workflows.services.clocks`, which asks this
module only where a case differs.

Decisions taken here, so that the clocks tell a leader what they need:
- The handler of every clock of a case is its team leader (the person the flow assigns
  the field work to); the escalation ladder adds the deciding body, then the leaders.
- The case's own clock ("finish") is due on the decision's end date (`ends_on`) and stops
  when the conclusion is notified: the decision's period is about concluding the
  inspection; remediation follow-up and archiving come after it and have their own clocks,
  so a case is not shown as late for months of remediation.
- The appeal clock starts only when a form of discipline was decided, counts from the day
  the subject received the decision (the announcement day under the 2025 rule version),
  and lapses unused instead of falling due.
"""
import calendar as pycalendar
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext as _

from casework.formatting import count_text, date_text
from workflows.models import CountFrom, Procedure, StartCondition, Unit


def procedures_for_case(case):
    """The case's own procedure, then the discipline appeal (its rule starts only on a
    decision with a form, so listing it for every case costs nothing)."""
    return [Procedure(case.procedure), Procedure.DISCIPLINE_APPEAL]


def case_condition_holds(condition, event):
    if condition == StartCondition.DISCIPLINE_FORM:
        return bool(event is not None and (event.details or {}).get("form"))
    return condition == StartCondition.ALWAYS


def clock_fields(case, rule, event, on):
    """What a new clock of `case` under `rule` is given, besides the rule and its event."""
    started_on = on
    details = (event.details or {}) if event is not None else {}
    if rule.counted_from == CountFrom.DISCIPLINE_NOTIFIED:
        notified = details.get("notified_on")
        if notified:
            started_on = date.fromisoformat(notified)
    elif rule.counted_from == CountFrom.DISCIPLINE_RECEIVED:
        # Received, else announced (handed over then), else the decision's day.
        received = details.get("received_on") or details.get("notified_on")
        if received:
            started_on = date.fromisoformat(received)
    return {"inspection": case, "organisation": case.organisation,
            "assignee_id": case.team_leader_id, "started_on": started_on,
            "lapses": rule.lapses}


def add_months(d, n):
    """The same day n months on; the last day of that month when it is shorter (31/01 + 1
    month = 28/02 or 29/02)."""
    month0 = d.month - 1 + n
    year, month = d.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(d.day, pycalendar.monthrange(year, month)[1]))


@dataclass
class CountingBase:
    """Where counting starts and how many days (in `unit`) the rule itself gives."""

    start: date
    days: int
    unit: str
    rolls: bool  # a due date on a day off moves to the next working day
    line: str  # the rule, in words, for the explanation



def counting_base(clock, rule_line):
    """The base of a clock whose rule is not a plain count from its start (else None).
    `rule_line(length_text)` words the rule as for any clock."""
    rule = clock.rule
    if rule.counted_from == CountFrom.CASE_END:
        case = clock.inspection
        line = _("Quy tắc: %(rule)s: hạn là ngày kết thúc ghi trong quyết định số %(number)s "
                 "ngày %(date)s, tức ngày %(end)s (%(basis)s; áp dụng từ %(from)s).") % {
            "rule": rule, "number": case.decision_number, "date": date_text(case.decision_date),
            "end": date_text(case.ends_on), "basis": rule.legal_basis,
            "from": date_text(rule.effective_from)}
        if rule.length:
            line += " " + _("Cộng thêm %(n)s ngày.") % {"n": count_text(rule.length)}
        # The decision's own date is kept as written, even on a day off.
        return CountingBase(case.ends_on, rule.length, Unit.CALENDAR, False, line)
    if rule.unit == Unit.MONTH:
        end = add_months(clock.started_on, rule.length)
        days = (end - clock.started_on).days
        line = rule_line(f"{count_text(rule.length)} {Unit.MONTH.label}") + " " + _(
            "%(n)s tháng kể từ ngày %(start)s là đến ngày %(end)s: %(days)s ngày.") % {
            "n": count_text(rule.length), "start": date_text(clock.started_on),
            "end": date_text(end),
            "days": count_text(days)}
        return CountingBase(clock.started_on, days, Unit.CALENDAR, True, line)
    return None


def unrolled_due(base, total):
    return base.start + timedelta(days=total)

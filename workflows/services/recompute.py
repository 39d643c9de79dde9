"""Recomputing open clocks after a calendar edit, as a set.

An edited day (a make-up Saturday, an extra day off) can move the dates of every open clock
whose window covers it: in a province, tens of thousands. The dates come from the one
computation (`due_dates.compute`: rule, start, ledger, calendar), which stays in Python
(without the words it writes for the case page, which cost many times the date); what is
done as a set is the database work. Per page of PAGE clocks, four statements
whatever their number: lock and read the clocks, read their ledgers, write every changed
clock with one UPDATE, and write the ledger line of every clock whose due date moved with
one INSERT … SELECT. The rows come to those two statements as one JSON parameter, read
by jsonb_to_recordset on PostgreSQL and json_each on SQLite.
"""
import json
from collections import defaultdict, namedtuple
from types import SimpleNamespace

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from casework.models import InspectionCase
from workflows.calendar import get_calendar
from workflows.models import ClockEntry, ClockEntryKind, CountFrom, DeadlineClock, DeadlineRule
from workflows.models.clocks import OPEN_CLOCK_STATUSES
from workflows.services.due_dates import COUNTED_KINDS, apply_computation, compute

PAGE = 10_000

# What apply_computation may change on a clock, with each column's SQL type.
APPLIED = {"status": "text", "due_on": "date", "warn_on": "date", "overdue_on": "date",
           "next_escalation_on": "date", "reminder_every": "integer", "cycle": "integer",
           "last_rung": "integer"}
ROW = {"id": "bigint", **APPLIED, "due_before": "date", "moved": "boolean"}
# What compute reads of a ledger line. Clocks and lines are read as plain values, not
# model instances: building 100,000 instances cost more than all the rest.
LedgerLine = namedtuple("LedgerLine", "kind on days")


def affected_clocks(days):
    """The open clocks whose dates an edit of `days` can move: the edited day falls
    between their start and their last fixed rung (overdue_on); paused clocks have no due
    date yet and are always redone. Clocks that ended are history and keep their dates."""
    return (DeadlineClock.objects
            .filter(status__in=OPEN_CLOCK_STATUSES, started_on__lt=max(days))
            .filter(Q(overdue_on__isnull=True) | Q(overdue_on__gte=min(days))))


def recompute_for_calendar_change(*, days, reason, actor=None):
    """Recompute the affected clocks on the current calendar, and log in each ledger why
    its due date moved. Returns the number of clocks whose due date changed. Runs in the
    caller's transaction (the calendar edit's)."""
    cal = get_calendar()
    # One instance per rule (a hundred or so), not one per clock.
    rules = DeadlineRule.objects.in_bulk()
    moved, after = 0, 0
    while True:
        # FOR UPDATE: a pause or an extension recorded meanwhile waits for this edit.
        clocks = [SimpleNamespace(pk=row.pop("id"), **row) for row in (
            affected_clocks(days).filter(pk__gt=after).order_by("pk").select_for_update()
            .values("id", "rule_id", "inspection_id", "started_on", "lapses", *APPLIED)[:PAGE])]
        if not clocks:
            return moved
        after = clocks[-1].pk
        _attach(clocks, rules)
        ledgers = defaultdict(list)
        for clock_id, *line in (ClockEntry.objects
                                .filter(clock_id__gte=clocks[0].pk, clock_id__lte=after,
                                        clock__in=affected_clocks(days),
                                        kind__in=COUNTED_KINDS)
                                .values_list("clock_id", "kind", "on", "days")):
            ledgers[clock_id].append(LedgerLine(*line))
        rows = []
        for clock in clocks:
            before = _applied(clock)
            apply_computation(clock, compute(clock, entries=ledgers[clock.pk], cal=cal,
                                             explain=False), cal)
            if _applied(clock) != before:
                rows.append({"id": clock.pk, **_applied(clock), "due_before": before["due_on"],
                             "moved": clock.due_on != before["due_on"]})
        moved += sum(row["moved"] for row in rows)
        if rows:
            _write(rows, reason, actor)


def _attach(clocks, rules):
    """Give each clock its rule and, when it counts from the case's end date, its case:
    what `compute` reads besides the clock's own columns."""
    for clock in clocks:
        clock.rule, clock.inspection = rules[clock.rule_id], None
    cases = InspectionCase.objects.in_bulk(
        {c.inspection_id for c in clocks if c.rule.counted_from == CountFrom.CASE_END})
    for clock in clocks:
        clock.inspection = cases.get(clock.inspection_id)


def _applied(clock):
    return {name: getattr(clock, name) for name in APPLIED}


def _rows_source():
    """SQL naming the JSON parameter's rows as a table `v` with the columns of ROW."""
    if connection.vendor == "postgresql":
        columns = ", ".join(f"{name} {kind}" for name, kind in ROW.items())
        return f"jsonb_to_recordset(%s::jsonb) AS v({columns})"
    columns = ", ".join(f"json_extract(value, '$.{name}') AS {name}" for name in ROW)
    return f"(SELECT {columns} FROM json_each(%s)) AS v"


def _write(rows, reason, actor):
    ops, quote = connection.ops, connection.ops.quote_name
    payload = json.dumps(rows, default=str)  # dates as ISO text, as both databases read them
    clock_table, entry_table = (quote(DeadlineClock._meta.db_table),
                                quote(ClockEntry._meta.db_table))
    assignments = ", ".join(f"{quote(name)} = v.{name}" for name in APPLIED)
    # The bare column name on the left of SET: SQLite allows no table prefix there.
    update = (f"UPDATE {clock_table} SET {assignments} FROM {_rows_source()} "
              f"WHERE {clock_table}.{quote('id')} = v.id")
    # The same columns ClockEntry.objects.create(kind=RECOMPUTE, …) writes.
    insert = (f"INSERT INTO {entry_table} ({quote('clock_id')}, {quote('kind')}, "
              f"{quote('on')}, {quote('days')}, {quote('decision_number')}, "
              f"{quote('decision_date')}, {quote('reason')}, {quote('actor_id')}, "
              f"{quote('due_before')}, {quote('due_after')}, {quote('recorded_at')}) "
              f"SELECT v.id, %s, %s, 0, '', NULL, %s, %s, v.due_before, v.due_on, %s "
              f"FROM {_rows_source()} WHERE v.moved ORDER BY v.id")
    with connection.cursor() as cursor:
        cursor.execute(update, [payload])
        cursor.execute(insert, [
            ClockEntryKind.RECOMPUTE.value, ops.adapt_datefield_value(timezone.localdate()),
            str(reason), actor.pk if actor else None,
            ops.adapt_datetimefield_value(timezone.now()), payload])

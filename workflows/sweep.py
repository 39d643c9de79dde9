"""The SLA sweep: fire every escalation rung that has fallen due, set-wise, exactly once.

One pass claims the running clocks whose `next_escalation_on` has come (indexed), writes
one escalation row per clock for the highest rung reached, and moves each clock's
`next_escalation_on` to its following rung, all in SQL and in one transaction; the notices
for the new rows are written in the same transaction by notifications (through
`escalations_fired`). Nothing loops over clocks in Python.

Why it fires at most once, whatever runs at the same time:
- PostgreSQL: the clocks are claimed with FOR UPDATE SKIP LOCKED, so parallel sweeps take
  disjoint sets; a sweep that starts after another committed no longer sees those clocks
  (their next_escalation_on moved on).
- SQLite: a write transaction holds the database lock from its first statement
  (transaction_mode IMMEDIATE), so sweeps run one after the other.
- In both: the unique key (clock, cycle, rung) on escalations, with ON CONFLICT DO NOTHING,
  is the last word even if a clock's dates were reset between two passes.

Clocks of a right rather than a duty (`lapses`: the month to appeal a discipline decision)
have no ladder; the sweep ends those whose window has passed as "lapsed", with a ledger
line, in one statement each (a partial index holds only the running ones).

Only the highest rung reached is fired: a clock entered late from a paper register, or a
sweep that was down for a week, produces one "overdue" notice, not a backlog of stale
warnings. Rungs: 0 warn (N working days before due), 1 due, 2 overdue (K working days
after due), 3.. reminders every R days after that.
"""
import uuid

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.formatting import date_text
from workflows.db_clock import sweep_now
from workflows.health import record_heartbeat
from workflows.signals import escalations_fired

BATCH = 20000

_RUNG_PG = """CASE WHEN overdue_on <= %(today)s
     THEN 2 + CASE WHEN reminder_every > 0
                   THEN (%(today)s::date - overdue_on) / reminder_every ELSE 0 END
     WHEN due_on <= %(today)s THEN 1 ELSE 0 END"""

_SWEEP_PG = f"""
WITH due AS (
    SELECT id, cycle, due_on, {_RUNG_PG} AS rung
    FROM workflows_deadlineclock
    WHERE status = 'running' AND next_escalation_on <= %(today)s
    ORDER BY next_escalation_on, id
    LIMIT %(batch)s
    FOR UPDATE SKIP LOCKED
), fired AS (
    INSERT INTO workflows_escalation (clock_id, cycle, rung, due_on, fired_on, fired_at, run)
    SELECT id, cycle, rung, due_on, %(today)s, %(now)s, %(run)s FROM due
    ON CONFLICT (clock_id, cycle, rung) DO NOTHING
    RETURNING 1
), moved AS (
    UPDATE workflows_deadlineclock c
    SET last_rung = d.rung,
        next_escalation_on = CASE
            WHEN d.rung = 0 THEN c.due_on
            WHEN d.rung = 1 THEN c.overdue_on
            WHEN c.reminder_every > 0 THEN c.overdue_on + (d.rung - 1) * c.reminder_every
        END
    FROM due d
    WHERE c.id = d.id
    RETURNING 1
)
SELECT (SELECT count(*) FROM fired), (SELECT count(*) FROM moved)
"""

# SQLite has no data-modifying CTEs: the same steps as two statements. The write lock is
# held from the first, so both see the same clocks.
_RUNG_SQLITE = """CASE WHEN overdue_on <= %(today)s
     THEN 2 + CASE WHEN reminder_every > 0
                   THEN CAST(julianday(%(today)s) - julianday(overdue_on) AS INTEGER)
                        / reminder_every
                   ELSE 0 END
     WHEN due_on <= %(today)s THEN 1 ELSE 0 END"""

_CLAIMED_SQLITE = """SELECT id FROM workflows_deadlineclock
    WHERE status = 'running' AND next_escalation_on <= %(today)s
    ORDER BY next_escalation_on, id LIMIT %(batch)s"""

_FIRE_SQLITE = f"""
INSERT INTO workflows_escalation (clock_id, cycle, rung, due_on, fired_on, fired_at, run)
SELECT id, cycle, {_RUNG_SQLITE}, due_on, %(today)s, %(now)s, %(run)s
FROM workflows_deadlineclock
WHERE id IN ({_CLAIMED_SQLITE})
ON CONFLICT (clock_id, cycle, rung) DO NOTHING
"""

_MOVE_SQLITE = f"""
UPDATE workflows_deadlineclock
SET last_rung = {_RUNG_SQLITE},
    next_escalation_on = CASE ({_RUNG_SQLITE})
        WHEN 0 THEN due_on
        WHEN 1 THEN overdue_on
        ELSE CASE WHEN reminder_every > 0
                  THEN date(overdue_on, '+' || ((({_RUNG_SQLITE}) - 1) * reminder_every)
                                        || ' days')
             END
    END
WHERE id IN ({_CLAIMED_SQLITE})
"""


# A lapsed clock keeps its due date; it ended at the end of that day. On PostgreSQL a
# parallel sweep blocks on the same rows and then no longer finds them running, so each
# clock gets one ledger line.
_LAPSE_PG = """
WITH lapsed AS (
    UPDATE workflows_deadlineclock
    SET status = 'lapsed', stopped_on = due_on, next_escalation_on = NULL
    WHERE status = 'running' AND lapses AND due_on < %(today)s
    RETURNING id, due_on
)
INSERT INTO workflows_clockentry
    (clock_id, kind, "on", days, decision_number, decision_date, reason, actor_id,
     due_before, due_after, recorded_at)
SELECT id, 'lapse', due_on, 0, '', NULL, %(reason)s, NULL, due_on, due_on, %(now)s
FROM lapsed
"""

_LAPSING_SQLITE = "status = 'running' AND lapses AND due_on < %(today)s"
_LAPSE_ENTRIES_SQLITE = f"""
INSERT INTO workflows_clockentry
    (clock_id, kind, "on", days, decision_number, decision_date, reason, actor_id,
     due_before, due_after, recorded_at)
SELECT id, 'lapse', due_on, 0, '', NULL, %(reason)s, NULL, due_on, due_on, %(now)s
FROM workflows_deadlineclock WHERE {_LAPSING_SQLITE}
"""
_LAPSE_SQLITE = f"""
UPDATE workflows_deadlineclock
SET status = 'lapsed', stopped_on = due_on, next_escalation_on = NULL
WHERE {_LAPSING_SQLITE}
"""


# A rule whose start event is "<step>_elapsed" starts when a running clock of that step of
# the same procedure has passed its due date: counted from that date (the end of the
# period), for the clock's letter, organisation, handler and kind. The most specific rule wins as
# in rules_started_by: a start condition that holds (remote area) over none, then the
# latest version in force on the day the period ended. The unique started_by key with ON
# CONFLICT DO NOTHING makes it exactly once, whatever runs at the same time; the NOT EXISTS
# only spares the work. Due dates are left to `compute` (the calendar rolls them).
# ...unless an event that ends the new clock already happened on the letter (a second
# complaint was registered while the first decision was still awaited).
_ENDED = {"postgresql": "w.stop_events ? e.event_type",
          "sqlite": "e.event_type IN (SELECT value FROM json_each(w.stop_events))"}
_ELAPSED_SQL = """
INSERT INTO workflows_deadlineclock
    (rule_id, petition_id, organisation_id, assignee_id, started_on, status, reminder_every,
     lapses, cycle, last_rung, extensions_used, created_at, started_by_id, kind)
SELECT rule_id, petition_id, organisation_id, assignee_id, started_on, 'running', 0,
       lapses, 0, -1, 0, %(now)s, elapsed_id, kind
FROM (
    SELECT c.id AS elapsed_id, c.petition_id, c.organisation_id, c.assignee_id, c.kind,
           c.due_on AS started_on, w.id AS rule_id, w.lapses,
           ROW_NUMBER() OVER (
               PARTITION BY c.id
               ORDER BY CASE WHEN w.start_condition = '' THEN 1 ELSE 0 END,
                        w.effective_from DESC, w.id DESC) AS n
    FROM workflows_deadlineclock c
    JOIN workflows_deadlinerule r ON r.id = c.rule_id
    JOIN workflows_deadlinerule w
      ON w.start_event = r.step || '_elapsed' AND w.procedure = r.procedure
     AND w.effective_from <= c.due_on
    JOIN casework_organisation o ON o.id = c.organisation_id
    WHERE c.status = 'running' AND c.due_on < %(today)s AND c.petition_id IS NOT NULL
      AND (w.start_condition = '' OR (w.start_condition = 'remote_area' AND o.remote_area))
      AND NOT EXISTS (SELECT 1 FROM workflows_deadlineclock s WHERE s.started_by_id = c.id)
      AND NOT EXISTS (SELECT 1 FROM casework_caseevent e
                      WHERE e.petition_id = c.petition_id AND {ended})
) picked
WHERE n = 1
ON CONFLICT (started_by_id) DO NOTHING
"""


def start_after_elapsed(today, now=None):
    """Start the clocks that a period passing unmet begins (the window for a second
    complaint when the first-instance period ended without a decision, Luật Khiếu nại
    Điều 33(1)); returns how many.

    The clocks are created set-wise in SQL; only the ones just created are then dated in
    Python, by `compute`, the one place a due date is derived (a count of days ending on a
    day off moves on), each with its START ledger line saying which period ended."""
    # Imported here: the clock service imports casework's models, which the sweep's own
    # importers (workers, the management command) must not need at import time.
    from workflows.calendar import get_calendar
    from workflows.models import ClockEntryKind, DeadlineClock
    from workflows.services.clocks import _apply, _entry, compute

    params = {"today": today, "now": now or timezone.now()}
    with transaction.atomic():
        with connection.cursor() as cursor:
            if connection.vendor != "postgresql":
                params["today"] = today.isoformat()
            cursor.execute(_ELAPSED_SQL.replace("{ended}", _ENDED[connection.vendor]),
                           params)
        new = list(DeadlineClock.objects.select_related("rule", "started_by__rule")
                   .select_for_update(of=("self",))
                   .filter(status="running", started_by__isnull=False, due_on__isnull=True))
        cal = get_calendar() if new else None
        for clock in new:
            _apply(clock, compute(clock, entries=[], cal=cal), cal)
            clock.save()
            ended = clock.started_by
            _entry(clock, ClockEntryKind.START, clock.started_on, None, None,
                   reason=_("Hết thời hạn “%(rule)s” ngày %(due)s mà chưa có kết quả giải "
                            "quyết: tính từ ngày hết thời hạn (%(basis)s).") % {
                       "rule": ended.rule, "due": date_text(clock.started_on),
                       "basis": clock.rule.legal_basis})
    return len(new)


def lapse(today, now=None):
    """End the windows that closed before `today` unused; returns how many."""
    params = {"today": today, "now": now or timezone.now(),
              "reason": _("Hết thời hạn mà không có sự kiện kết thúc.")}
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_LAPSE_PG, params)
            return cursor.rowcount
        params["today"] = today.isoformat()
        cursor.execute(_LAPSE_ENTRIES_SQLITE, params)
        cursor.execute(_LAPSE_SQLITE, params)
        return cursor.rowcount


def _one_pass(today, batch, now):
    """Fire one batch; returns (escalations written, clocks moved on)."""
    run = uuid.uuid4()
    params = {"today": today, "now": now, "run": run, "batch": batch}
    with transaction.atomic():
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(_SWEEP_PG, params)
                fired, moved = cursor.fetchone()
            else:
                params["run"] = run.hex  # Django stores UUIDs as 32 hex chars on SQLite
                params["today"] = today.isoformat()
                cursor.execute(_FIRE_SQLITE, params)
                fired = cursor.rowcount
                cursor.execute(_MOVE_SQLITE, params)
                moved = cursor.rowcount
        if fired:
            escalations_fired.send(sender=None, run=run, today=today)
    return fired, moved


def sweep(today=None, batch=BATCH):
    """Fire everything due up to `today` (default: today in the office's time zone, by the
    database server's clock: workflows.db_clock). Returns the number of escalations
    written. A finished sweep moves its heartbeat, which is how a sweep that stopped gets
    noticed (workflows.health)."""
    now = sweep_now()
    today = today or timezone.localdate(now)
    # Before lapsing: a window whose period ended long ago (a sweep that was down) starts and
    # lapses in the same pass, with both ledger lines.
    start_after_elapsed(today, now)
    lapse(today, now)
    total = 0
    while True:
        fired, moved = _one_pass(today, batch, now)
        total += fired
        if moved < batch:
            record_heartbeat(at=now)
            return total

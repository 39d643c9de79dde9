"""Benchmark: a calendar edit recomputing 100,000 open clocks, on PostgreSQL, set-based
(workflows.services.recompute) against the per-clock loop it replaced, in the same run.

    .venv/bin/python benchmarks/recompute_bench.py [--open 100000] [--skip-loop]

Builds casework_bench_recompute (dropped and recreated): the province of benchmarks/
sla_sweep.py (40 communes, their clerks and leaders), one letter per 10 clocks, and
`--open` open clocks of every rule that counts from its event, started over the week
before TODAY, so that the edited day falls inside (nearly) every window; 10 % of them
extended, 5 % paused, 5 % paused and resumed, a third with rungs already fired. Their
dates are first made consistent by the product itself (the set-based recompute over a day
far ahead, which moves nothing later), and the database is then the template of each run.

Each variant starts from a fresh copy of it (CREATE DATABASE … TEMPLATE) and times the
whole job as a user triggers it: `calendar_set_day` making a Wednesday a day off, in its
transaction, up to and including the COMMIT:

  (a) per-clock loop (tests/workflows/recompute_reference.py, the code before): each clock
      read with its ledger, recomputed, saved, and its ledger line inserted, one by one;
  (b) set-based: four statements per 10,000 clocks.

Both are then checked row by row: every column of every clock and every ledger line (but
its id and its insertion time) after (b) must equal those after (a).
"""
import argparse
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import common  # noqa: E402 (needs the path above)
from benchmarks.common import PG_SERVER, admin, vn  # noqa: E402

DB_NAME = "casework_bench_recompute"
RUN_DB = "casework_bench_recompute_run"
TODAY = date(2026, 11, 30)  # a Monday
EDITED = TODAY + timedelta(days=2)  # Wednesday 02/12/2026 made a day off
INITIAL = "Tính hạn ban đầu"


def setup_django():
    common.setup_django(f"{PG_SERVER}/{DB_NAME}")


def populate(n_open):
    from django.db import connection, transaction

    from benchmarks.sla_sweep import populate_people
    from workflows.models import DeadlineRule
    from workflows.services.recompute import recompute_for_calendar_change

    rule_ids = list(DeadlineRule.objects.filter(counted_from="").values_list("id", flat=True))
    with connection.cursor() as cur:
        offices, clerks = populate_people(cur)
        params = {"today": TODAY, "rules": rule_ids, "offices": offices, "clerks": clerks,
                  "n_open": n_open, "n_letters": max(n_open // 10, 1)}
        cur.execute("""
            INSERT INTO casework_petition
                (organisation_id, receipt_year, receipt_seq, received_on, channel,
                 forwarded_by, kind, sender_type, subject_name, summary, instance,
                 identity_confidential, status, competence, handled_by, decision_number,
                 filed_reason, result, summary_key, subject_key, handled_by_key,
                 created_at, updated_at)
            SELECT (%(offices)s::int[])[1 + g %% array_length(%(offices)s::int[], 1)],
                   2026, g, %(today)s::date - 40, 'direct', '', 'complaint', 'named', '',
                   '', 1, false, 'accepted', 'here', '', '', '', '', '', '', '', now(), now()
            FROM generate_series(1, %(n_letters)s) g
        """, params)
        cur.execute("SELECT min(id) FROM casework_petition")
        params["first_petition"] = cur.fetchone()[0]
        # Dates left empty: the product computes them below.
        cur.execute("""
            INSERT INTO workflows_deadlineclock
                (rule_id, organisation_id, assignee_id, petition_id, started_on, status,
                 reminder_every, cycle, last_rung, extensions_used, lapses, created_at)
            SELECT r.id, (%(offices)s::int[])[1 + g %% array_length(%(offices)s::int[], 1)],
                   (%(clerks)s::int[])[1 + g %% array_length(%(clerks)s::int[], 1)],
                   %(first_petition)s + g %% %(n_letters)s,
                   %(today)s::date - 6 + g %% 7,
                   CASE WHEN g %% 20 = 1 THEN 'paused' ELSE 'running' END,
                   0, 0, -1,
                   CASE WHEN g %% 10 = 2 THEN 1 ELSE 0 END, r.lapses, now()
            FROM generate_series(1, %(n_open)s) g
            JOIN workflows_deadlinerule r
              ON r.id = (%(rules)s::int[])[1 + g %% array_length(%(rules)s::int[], 1)]
        """, params)
        cur.execute("""
            INSERT INTO workflows_clockentry (clock_id, kind, "on", days, decision_number,
                reason, due_before, due_after, recorded_at)
            SELECT id, 'start', started_on, 0, '', 'Tiếp nhận đơn', NULL, NULL, now()
            FROM workflows_deadlineclock;
            INSERT INTO workflows_clockentry (clock_id, kind, "on", days, decision_number,
                decision_date, reason, due_before, due_after, recorded_at)
            SELECT id, 'extend', started_on + 2, 5, '12/QĐ-ĐU', started_on + 2, 'Gia hạn',
                   NULL, NULL, now()
            FROM workflows_deadlineclock WHERE extensions_used = 1;
            INSERT INTO workflows_clockentry (clock_id, kind, "on", days, decision_number,
                reason, due_before, due_after, recorded_at)
            SELECT id, 'pause', started_on + 1, 0, '', 'Bổ sung hồ sơ', NULL, NULL, now()
            FROM workflows_deadlineclock WHERE status = 'paused' OR id %% 20 = 3;
            INSERT INTO workflows_clockentry (clock_id, kind, "on", days, decision_number,
                reason, due_before, due_after, recorded_at)
            SELECT id, 'resume', started_on + 4, 0, '', 'Đã bổ sung', NULL, NULL, now()
            FROM workflows_deadlineclock WHERE status = 'running' AND id %% 20 = 3;
        """, params)
    with transaction.atomic():
        recompute_for_calendar_change(days=[TODAY + timedelta(days=3000)],
                                      reason=INITIAL)
    with connection.cursor() as cur:
        # A third with their warning fired, so the ladder's restart is exercised too.
        cur.execute("""UPDATE workflows_deadlineclock
                       SET last_rung = 0, next_escalation_on = due_on
                       WHERE id % 3 = 0 AND status = 'running' AND NOT lapses""")
        cur.execute("ANALYZE")


def snapshot():
    from workflows.models import ClockEntry, DeadlineClock

    clocks = sorted(DeadlineClock.objects.values_list())
    entries = sorted(ClockEntry.objects.filter(kind="recompute")
                     .exclude(reason=INITIAL).values_list(
        "clock_id", "kind", "on", "days", "decision_number", "decision_date", "reason",
        "actor_id", "due_before", "due_after"))
    return clocks, entries


def run_variant(name, recompute):
    from django.contrib.auth import get_user_model
    from django.db import connection, connections

    import workflows.services.clocks as clocks
    from workflows.services.calendar import calendar_set_day

    connections.close_all()
    admin(f"DROP DATABASE IF EXISTS {RUN_DB}", f"CREATE DATABASE {RUN_DB} TEMPLATE {DB_NAME}")
    connection.settings_dict["NAME"] = RUN_DB
    actor = get_user_model().objects.order_by("id").first()
    product = clocks.recompute_for_calendar_change
    moved = []

    def counting(**kwargs):
        moved.append(recompute(**kwargs))
        return moved[-1]

    clocks.recompute_for_calendar_change = counting
    try:
        start = time.perf_counter()
        calendar_set_day(day=EDITED, is_working_day=False, reason="Nghỉ đột xuất do bão",
                         actor=actor)  # its own transaction: timed through the COMMIT
        total = time.perf_counter() - start
    finally:
        clocks.recompute_for_calendar_change = product
    print(f"{name:<34} {total:8.2f} s | {vn(moved[0])} hạn dời", flush=True)
    return total, snapshot()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--skip-loop", action="store_true")
    args = parser.parse_args()
    admin(f"DROP DATABASE IF EXISTS {RUN_DB}", f"DROP DATABASE IF EXISTS {DB_NAME}",
          f"CREATE DATABASE {DB_NAME}")
    setup_django()
    from django.db import connections

    from tests.workflows.recompute_reference import recompute_one_by_one
    from workflows.models import DeadlineClock
    from workflows.services.recompute import affected_clocks, recompute_for_calendar_change

    t = time.perf_counter()
    populate(args.open)
    n_open = DeadlineClock.objects.count()
    n_affected = affected_clocks([EDITED]).count()
    print(f"Dữ liệu: {vn(n_open)} thời hạn đang mở, {vn(n_affected)} phải tính lại "
          f"({time.perf_counter() - t:.0f} s)")
    connections.close_all()
    set_time, set_rows = run_variant("(b) theo tập hợp", recompute_for_calendar_change)
    if args.skip_loop:
        return
    loop_time, loop_rows = run_variant("(a) từng thời hạn", recompute_one_by_one)
    same = set_rows == loop_rows
    print(f"(a)/(b) = {vn(loop_time / set_time, 1)}× | {vn(len(set_rows[0]))} thời hạn, "
          f"{vn(len(set_rows[1]))} dòng sổ tính lại | giống nhau từng cột: "
          f"{'có' if same else 'KHÔNG'}")
    connections.close_all()
    admin(f"DROP DATABASE IF EXISTS {RUN_DB}")
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()

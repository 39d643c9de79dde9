"""Benchmark: the SLA sweep at a province's scale, on PostgreSQL.

    .venv/bin/python benchmarks/sla_sweep.py [--clocks 1000000] [--open 100000] [--due 10000]

Builds a separate database (casework_bench, dropped and recreated) holding 1,000,000
deadline clocks of which 100,000 are open and 10,000 have an escalation rung falling due
today, plus a province of 40 communes with their users and leaders, and history rows
(escalations and notices) so the unique indexes are not empty. Then, in one run, times
three ways of doing the same work:

  (a) per-row loop: load every open clock, check it in Python, write its escalation and
      notices and save it through the ORM, the way ticket trackers escalate;
  (b) raw-SQL floor: the same escalation and notice rows written with one INSERT … SELECT
      each, no claiming, no moving the clocks on (a lower bound, not a usable sweep);
  (c) our sweep (workflows.sweep.sweep): claim, fire, move on, write notices.

Each variant runs inside a transaction that is rolled back, so all start from the same
data; each is checked to produce the same escalation and notice counts. Prints a table of
times and the ratios (a)/(c) and (c)/(b).

What this leaves out, and benchmarks/notice_job.py measures: the sweep's COMMIT and its
after-commit work (the delivery of its e-mails), a row-by-row check against an independent
computation, and clocks that belong to letters (here they belong to none).
"""
import argparse
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import common  # noqa: E402 (needs the path above)
from benchmarks.common import PG_SERVER, admin, vn  # noqa: E402

DB_NAME = "casework_bench"
TODAY = date(2026, 11, 30)  # a Monday


class Rollback(Exception):
    pass


def create_database():
    admin(f"DROP DATABASE IF EXISTS {DB_NAME}", f"CREATE DATABASE {DB_NAME}")


def setup_django():
    common.setup_django(f"{PG_SERVER}/{DB_NAME}")


def populate_people(cur):
    """A province of 40 communes, each with an office; per commune 5 clerks and 1 head at
    the office and 2 leaders at the commune, half of everyone with an e-mail address.
    Returns (office ids, clerk ids)."""
    cur.execute("""
        INSERT INTO casework_organisation (name, code, symbol, kind, parent_id, path)
        VALUES ('Đảng bộ tỉnh', 'tinh', 'TINH', 'province', NULL, '');
        UPDATE casework_organisation SET path = '/' || id || '/' WHERE code = 'tinh';
        INSERT INTO casework_organisation (name, code, symbol, kind, parent_id, path)
        SELECT 'Đảng bộ xã ' || g, 'xa-' || g, 'XA-' || g, 'commune',
               (SELECT id FROM casework_organisation WHERE code = 'tinh'), ''
        FROM generate_series(1, 40) g;
        INSERT INTO casework_organisation (name, code, symbol, kind, parent_id, path)
        SELECT 'Văn phòng ' || o.code, 'vp-' || o.code, upper('vp-' || o.code), 'agency', o.id, ''
        FROM casework_organisation o WHERE o.kind = 'commune';
        UPDATE casework_organisation o SET path = p.path || o.id || '/'
        FROM casework_organisation p WHERE o.parent_id = p.id AND o.kind = 'commune';
        UPDATE casework_organisation o SET path = p.path || o.id || '/'
        FROM casework_organisation p WHERE o.parent_id = p.id AND o.kind = 'agency';
    """)
    # Per commune: 5 clerks at the office, 1 head at the office, 2 leaders; half of
    # everyone has an e-mail address.
    cur.execute("""
        INSERT INTO auth_user (password, is_superuser, username, first_name, last_name,
                               email, is_staff, is_active, date_joined)
        SELECT '!', false, 'u' || o.id || '-' || g, '', 'Người dùng ' || g,
               CASE WHEN g % 2 = 0 THEN 'u' || o.id || '-' || g || '@example.vn'
                    ELSE '' END,
               false, true, now()
        FROM casework_organisation o, generate_series(1, 8) g
        WHERE o.kind = 'agency';
        INSERT INTO casework_roleassignment (user_id, organisation_id, role,
                                             identity_clearance)
        SELECT u.id, o.id,
               CASE WHEN split_part(u.username, '-', 2)::int <= 5 THEN 'clerk'
                    ELSE 'leader' END, false
        FROM auth_user u
        JOIN casework_organisation o ON o.id = split_part(substr(u.username, 2), '-', 1)::int
        WHERE split_part(u.username, '-', 2)::int <= 6;
        INSERT INTO casework_roleassignment (user_id, organisation_id, role,
                                             identity_clearance)
        SELECT u.id, o.parent_id, 'leader', false
        FROM auth_user u
        JOIN casework_organisation o ON o.id = split_part(substr(u.username, 2), '-', 1)::int
        WHERE split_part(u.username, '-', 2)::int > 6;
    """)
    cur.execute("SELECT array_agg(id) FROM casework_organisation WHERE kind = 'agency'")
    offices = cur.fetchone()[0]
    cur.execute("SELECT array_agg(u.id ORDER BY u.id) FROM auth_user u "
                "JOIN casework_roleassignment r ON r.user_id = u.id AND r.role = 'clerk'")
    clerks = cur.fetchone()[0]
    return offices, clerks


# A rung fired on every third stopped clock, and its in-app notice: the history the sweep
# runs beside. Shared with benchmarks/notice_job.py.
HISTORY = """
INSERT INTO workflows_escalation (clock_id, cycle, rung, due_on, fired_on,
                                  fired_at, run)
SELECT id, 0, 1, due_on, due_on, now(), gen_random_uuid()
FROM workflows_deadlineclock WHERE status = 'stopped' AND id % 3 = 0;
INSERT INTO notifications_notice (cause_key, kind, recipient_id, channel,
    escalation_id, clock_id, payload, status, attempts, last_error, created_at,
    sent_at, read_at)
SELECT 'esc:' || e.id, 'due', c.assignee_id, 'in_app', e.id, c.id, '{}', 'sent',
       0, '', now(), now(), now()
FROM workflows_escalation e JOIN workflows_deadlineclock c ON c.id = e.clock_id;
"""


def populate(n_clocks, n_open, n_due):
    """Fill the tables with generate_series: seconds, not minutes."""
    from django.db import connection

    from workflows.models import DeadlineRule

    rule_ids = list(DeadlineRule.objects.values_list("id", flat=True))
    with connection.cursor() as cur:
        offices, clerks = populate_people(cur)
        # The clocks here belong to no letter or case (neither the sweep nor its notices
        # read either): lift the rule that each must, in this throwaway database only.
        cur.execute("ALTER TABLE workflows_deadlineclock "
                    "DROP CONSTRAINT clock_belongs_to_one_case")
        n_stopped = n_clocks - n_open
        params = {"today": TODAY, "rules": rule_ids, "offices": offices, "clerks": clerks,
                  "n_stopped": n_stopped, "n_open": n_open, "n_due": n_due}
        # Stopped clocks: history, never looked at by the sweep.
        cur.execute("""
            INSERT INTO workflows_deadlineclock
                (rule_id, organisation_id, assignee_id, started_on, status, due_on, warn_on,
                 overdue_on, reminder_every, next_escalation_on, cycle, last_rung,
                 extensions_used, stopped_on, created_at)
            SELECT (%(rules)s::int[])[1 + g %% array_length(%(rules)s::int[], 1)],
                   (%(offices)s::int[])[1 + g %% array_length(%(offices)s::int[], 1)],
                   (%(clerks)s::int[])[1 + g %% array_length(%(clerks)s::int[], 1)],
                   %(today)s::date - 400 + g %% 380, 'stopped',
                   %(today)s::date - 380 + g %% 380, NULL, %(today)s::date - 376 + g %% 380,
                   7, NULL, 0, 1, 0, %(today)s::date - 390 + g %% 380, now()
            FROM generate_series(1, %(n_stopped)s) g
        """, params)
        # Open clocks: n_due fall due today at various rungs, the rest later.
        cur.execute("""
            INSERT INTO workflows_deadlineclock
                (rule_id, organisation_id, assignee_id, started_on, status, due_on, warn_on,
                 overdue_on, reminder_every, next_escalation_on, cycle, last_rung,
                 extensions_used, created_at)
            SELECT (%(rules)s::int[])[1 + g %% array_length(%(rules)s::int[], 1)],
                   (%(offices)s::int[])[1 + g %% array_length(%(offices)s::int[], 1)],
                   (%(clerks)s::int[])[1 + g %% array_length(%(clerks)s::int[], 1)],
                   d.due - 20, 'running', d.due, d.due - 2, d.due + 2, 5,
                   CASE WHEN g <= %(n_due)s THEN %(today)s::date
                        ELSE %(today)s::date + 1 + g %% 60 END,
                   0, d.last_rung, 0, now()
            FROM generate_series(1, %(n_open)s) g,
            LATERAL (SELECT
                CASE WHEN g > %(n_due)s THEN %(today)s::date + 3 + g %% 60
                     WHEN g %% 10 < 4 THEN %(today)s::date + 2      -- warning today
                     WHEN g %% 10 < 7 THEN %(today)s::date          -- due today
                     WHEN g %% 10 < 9 THEN %(today)s::date - 2      -- overdue today
                     ELSE %(today)s::date - 7 END AS due,           -- a reminder today
                CASE WHEN g > %(n_due)s THEN -1
                     WHEN g %% 10 < 4 THEN -1 WHEN g %% 10 < 7 THEN 0
                     WHEN g %% 10 < 9 THEN 1 ELSE 2 END AS last_rung) d
        """, params)
        cur.execute(HISTORY)
        cur.execute("ANALYZE")


FLOOR_ESCALATIONS = """
INSERT INTO workflows_escalation (clock_id, cycle, rung, due_on, fired_on, fired_at, run)
SELECT id, cycle, last_rung + 1, due_on, %(today)s, now(), %(run)s
FROM workflows_deadlineclock
WHERE status = 'running' AND next_escalation_on <= %(today)s
"""


def run_floor():
    """(b): one INSERT … SELECT for the escalations and one for their notices."""
    import uuid

    from django.conf import settings
    from django.db import connection

    from notifications.escalations import _INSERT_NOTICES

    run = uuid.uuid4()
    with connection.cursor() as cur:
        cur.execute(FLOOR_ESCALATIONS, {"today": TODAY, "run": run})
        fired = cur.rowcount
        cur.execute(_INSERT_NOTICES, {"run": run, "now": TODAY,
                                      "limit": settings.NOTICE_ESCALATION_EMAIL_LIMIT})
    return fired


def run_sweep():
    """(c): the product's sweep, with its signal writing the notices."""
    from workflows.sweep import sweep

    return sweep(today=TODAY)


def run_per_row():
    """(a): what a ticket tracker's escalation command does, one clock at a time."""
    import uuid

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from casework.models import Organisation, RoleAssignment
    from notifications.models import Notice, kind_for_rung
    from workflows.models import DeadlineClock, Escalation

    User = get_user_model()
    run = uuid.uuid4()
    fired = 0
    for clock in DeadlineClock.objects.filter(status="running").iterator(chunk_size=2000):
        if clock.next_escalation_on is None or clock.next_escalation_on > TODAY:
            continue
        if clock.overdue_on <= TODAY:
            rung = 2 + ((TODAY - clock.overdue_on).days // clock.reminder_every
                        if clock.reminder_every else 0)
        elif clock.due_on <= TODAY:
            rung = 1
        else:
            rung = 0
        escalation = Escalation.objects.create(clock=clock, cycle=clock.cycle, rung=rung,
                                               due_on=clock.due_on, fired_on=TODAY,
                                               fired_at=timezone.now(), run=run)
        audience = clock.rule.audience_for_rung(rung)
        recipients = {clock.assignee_id}
        if audience >= 2:
            recipients |= set(RoleAssignment.objects.filter(
                organisation_id=clock.organisation_id, role="leader")
                .values_list("user_id", flat=True))
        if audience >= 3:
            organisation = Organisation.objects.get(pk=clock.organisation_id)
            recipients |= set(RoleAssignment.objects.filter(
                role="leader", organisation_id__in=organisation.ancestor_ids())
                .exclude(organisation__kind="province").values_list("user_id", flat=True))
        for user in User.objects.filter(pk__in=recipients, is_active=True):
            channels = ["in_app"] + (["email"] if user.email else [])
            for channel in channels:
                Notice.objects.create(
                    cause_key=f"esc:{escalation.pk}", kind=kind_for_rung(rung),
                    recipient=user, channel=channel, escalation=escalation, clock=clock,
                    status="sent" if channel == "in_app" else "pending")
        clock.last_rung = rung
        clock.next_escalation_on = (clock.due_on if rung == 0 else clock.overdue_on
                                    if rung == 1 else clock.overdue_on
                                    + timedelta(days=(rung - 1) * clock.reminder_every))
        clock.save()
        fired += 1
    return fired


def measure(fn, repeat):
    """Time `fn` inside a transaction that is rolled back; returns (times, rows)."""
    from django.db import connection, transaction

    from notifications.models import Notice
    from workflows.models import Escalation

    times, result = [], None
    base_esc, base_notice = Escalation.objects.count(), Notice.objects.count()
    for _ in range(repeat):
        try:
            with transaction.atomic():
                start = time.perf_counter()
                fired = fn()
                elapsed = time.perf_counter() - start
                result = (fired, Escalation.objects.count() - base_esc,
                          Notice.objects.count() - base_notice)
                raise Rollback
        except Rollback:
            pass
        times.append(elapsed)
        connection.close()  # fresh connection: no warm statement caches between runs
    return times, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clocks", type=int, default=1_000_000)
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-per-row", action="store_true")
    args = parser.parse_args()

    create_database()
    setup_django()
    start = time.perf_counter()
    populate(args.clocks, args.open, args.due)
    print(f"Dữ liệu: {vn(args.clocks)} thời hạn, {vn(args.open)} đang tính, {vn(args.due)} "
          f"đến mốc hôm nay ({time.perf_counter() - start:.1f} s để tạo)")

    rows = {}
    results = {}
    for name, fn, repeat in [("(b) sàn SQL: INSERT … SELECT", run_floor, args.repeat),
                             ("(c) sweep của Casework", run_sweep, args.repeat),
                             ("(a) vòng lặp từng dòng (ORM)", run_per_row, 1)]:
        if fn is run_per_row and args.skip_per_row:
            continue
        times, result = measure(fn, repeat)
        results[name] = statistics.median(times)
        rows[name] = result
        print(f"{name:<34} trung vị {statistics.median(times):8.3f} s  "
              f"(lần chạy: {'; '.join(f'{t:.3f}' for t in times)})  "
              f"cảnh báo {vn(result[1])}, thông báo {vn(result[2])}")

    names = list(results)
    sweep_time = results["(c) sweep của Casework"]
    floor_time = results["(b) sàn SQL: INSERT … SELECT"]
    print()
    print(f"sweep / sàn SQL: {sweep_time / floor_time:.2f}× (mục tiêu ≤ 3×)")
    if "(a) vòng lặp từng dòng (ORM)" in results:
        loop_time = results["(a) vòng lặp từng dòng (ORM)"]
        print(f"vòng lặp / sweep: {loop_time / sweep_time:.0f}× (mục tiêu ≥ 50×)")
    outputs = {rows[n][1:] for n in names}
    print("Cùng số dòng ở mọi cách: " + ("có" if len(outputs) == 1 else f"KHÔNG {rows}"))


if __name__ == "__main__":
    main()

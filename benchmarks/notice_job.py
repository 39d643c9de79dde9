"""Benchmark: the whole deadline job at a province's scale, on PostgreSQL: the sweep, its
COMMIT, its after-commit work, and the delivery of every e-mail it wrote to a real local
SMTP server (aiosmtpd, benchmarks/smtp_sink.py: `--sinks` processes sharing one port, so
that the server is not what is measured).

    .venv/bin/python benchmarks/notice_job.py [--clocks 1000000] [--open 100000] [--due 10000]
        [--skip-per-email] [--no-check] [--sinks 2] [--profile PREFIX]

Builds bench_notices (dropped and recreated): a province of 40 communes with their
clerks, unit heads and leaders (half with an e-mail address); `--open` running clocks, each
belonging to a letter of its own or, one in ten, to an inspection or supervision case of
its own (with the case rules), `--due` of them reaching a rung today (40 % warnings, 30 %
due, 20 % overdue, 10 % reminders, among letters and cases alike), and `--clocks` −
`--open` stopped clocks of history on the same letters, with escalations and notices of
history. `--open 1000000` makes every clock running. Then it runs what yesterday's sweeps
would have: the windows of periods that ended before yesterday are started, those closed
lapsed (without that, this morning's sweep would start hundreds of windows months late,
which no real morning does).

Each variant starts from a fresh copy of that database (CREATE DATABASE … TEMPLATE), runs
`workflows.sweep.sweep` in autocommit as the beat does (so each pass commits and its
after-commit work runs: without a broker, the delivery itself), and is timed from the call
to the last message accepted by the SMTP server:

  (1) the per-e-mail path: one `deliver_notice` task per e-mail (one transaction, one SMTP
      connection each), as `dispatch_pending` enqueued them before batches;
  (2) batches (`notifications.delivery`), every escalation e-mail sent one by one
      (NOTICE_ESCALATION_EMAIL_LIMIT set out of reach: the same e-mails as (1));
  (3) batches with the shipped summary limit: leaders flooded get one summary each.

Each line also gives the CPU time of this process (sweep, rendering, sending) and of the
SMTP servers over the variant: on a shared machine wall time depends on the load, CPU
time much less. `--profile` writes a cProfile of each variant's timed part.

After each, the script checks against an independent computation (Python over the rows as
populated, not the product's SQL) that the escalations (clock, cycle, rung) and notices
(escalation, recipient, channel, and each summary's list) are exactly those expected, that
every e-mail notice is marked sent, and that the SMTP server received each Message-ID once.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import common  # noqa: E402 (needs the path above)
from benchmarks.common import PG_SERVER, admin, vn  # noqa: E402

DB_NAME = os.environ.get("BENCH_NOTICES_DB", "bench_notices")
RUN_DB = DB_NAME + "_run"
TODAY = date(2026, 11, 30)  # a Monday
NO_LIMIT = 10**9


def setup_django():
    common.setup_django(f"{PG_SERVER}/{DB_NAME}",
                        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend")


# One running clock in ten (the tens digit of its number 0) belongs to an inspection or
# supervision case, the others to letters: each to a case or a letter of its own.
IS_CASE = "(g / 10) %% 10 = 0"


def populate(n_clocks, n_open, n_due):
    from django.db import connection

    from benchmarks.sla_sweep import HISTORY, populate_people
    from workflows.models import DeadlineRule

    # Rules that lapse (windows of a right) are nobody's work and fire nothing.
    rules = DeadlineRule.objects.filter(lapses=False)
    case_procedures = ("inspection", "supervision")
    with connection.cursor() as cur:
        offices, clerks = populate_people(cur)
        params = {"today": TODAY, "offices": offices, "clerks": clerks,
                  "n_stopped": n_clocks - n_open, "n_open": n_open, "n_due": n_due,
                  "letter_rules": list(rules.exclude(procedure__in=case_procedures)
                                       .values_list("id", flat=True)),
                  "case_rules": list(rules.filter(procedure__in=case_procedures)
                                     .values_list("id", flat=True))}
        # Letters and cases numbered by their clock's g, at the clock's office.
        cur.execute(f"""
            INSERT INTO casework_petition
                (organisation_id, receipt_year, receipt_seq, received_on, channel,
                 forwarded_by, kind, sender_type, subject_name, summary, instance,
                 identity_confidential, status, competence, handled_by, decision_number,
                 filed_reason, result, summary_key, subject_key, handled_by_key,
                 created_at, updated_at)
            SELECT (%(offices)s::int[])[1 + g %% array_length(%(offices)s::int[], 1)],
                   2026, g, %(today)s::date - 30, 'direct', '', 'complaint', 'named', '',
                   '', 1, false, 'accepted', 'here', '', '', '', '', '', '', '', now(), now()
            FROM generate_series(1, %(n_open)s) g WHERE NOT {IS_CASE}
        """, params)
        cur.execute(f"""
            INSERT INTO casework_inspectioncase
                (organisation_id, body, kind, year, seq, title, decision_number,
                 decision_date, starts_on, ends_on, content, status, conclusion,
                 created_at, updated_at, created_by_id, team_leader_id,
                 subject_organisation_id)
            SELECT o.office, 'ubkt', 'violation_signs', 2026, g, 'Cuộc kiểm tra ' || g,
                   g || '-QĐ/UBKT', %(today)s::date - 30, %(today)s::date - 25,
                   %(today)s::date + 60, '', 'decided', '', now(), now(), o.clerk, o.clerk,
                   o.office
            FROM generate_series(1, %(n_open)s) g,
            LATERAL (SELECT
                (%(offices)s::int[])[1 + g %% array_length(%(offices)s::int[], 1)] AS office,
                (%(clerks)s::int[])[1 + g %% array_length(%(clerks)s::int[], 1)] AS clerk) o
            WHERE {IS_CASE}
        """, params)
        cur.execute("SELECT min(id), count(*) FROM casework_petition")
        params["first_petition"], params["n_letters"] = cur.fetchone()
        # History: stopped clocks on the same letters.
        cur.execute("""
            INSERT INTO workflows_deadlineclock
                (rule_id, organisation_id, assignee_id, petition_id, started_on, status,
                 due_on, warn_on, overdue_on, reminder_every, next_escalation_on, cycle,
                 last_rung, extensions_used, stopped_on, created_at)
            SELECT (%(letter_rules)s::int[])[1 + g %% array_length(%(letter_rules)s::int[], 1)],
                   (%(offices)s::int[])[1 + g %% array_length(%(offices)s::int[], 1)],
                   (%(clerks)s::int[])[1 + g %% array_length(%(clerks)s::int[], 1)],
                   %(first_petition)s + g %% %(n_letters)s,
                   %(today)s::date - 400 + g %% 380, 'stopped',
                   %(today)s::date - 380 + g %% 380, NULL, %(today)s::date - 376 + g %% 380,
                   7, NULL, 0, 1, 0, %(today)s::date - 390 + g %% 380, now()
            FROM generate_series(1, %(n_stopped)s) g
        """, params)
        # Running clocks: the clock's office is its letter's or case's (the same index
        # into the office list); `n_due` reach a rung today (40 % warnings, 30 % due,
        # 20 % overdue, 10 % reminders, among letters and cases alike).
        cur.execute(f"""
            INSERT INTO workflows_deadlineclock
                (rule_id, organisation_id, assignee_id, petition_id, inspection_id,
                 started_on, status, due_on, warn_on, overdue_on, reminder_every,
                 next_escalation_on, cycle, last_rung, extensions_used, created_at)
            SELECT CASE WHEN {IS_CASE}
                 THEN (%(case_rules)s::int[])[1 + g %% array_length(%(case_rules)s::int[], 1)]
                 ELSE (%(letter_rules)s::int[])[1 + g %% array_length(%(letter_rules)s::int[], 1)]
                   END,
                   (%(offices)s::int[])[1 + g %% array_length(%(offices)s::int[], 1)],
                   (%(clerks)s::int[])[1 + g %% array_length(%(clerks)s::int[], 1)],
                   p.id, ic.id,
                   d.due - 20, 'running', d.due, d.due - 2, d.due + 2, 5,
                   CASE WHEN g <= %(n_due)s THEN %(today)s::date
                        ELSE %(today)s::date + 1 + g %% 60 END,
                   0, d.last_rung, 0, now()
            FROM generate_series(1, %(n_open)s) g
            LEFT JOIN casework_petition p ON p.receipt_year = 2026 AND p.receipt_seq = g
                                          AND NOT {IS_CASE}
            LEFT JOIN casework_inspectioncase ic ON ic.year = 2026 AND ic.seq = g
                                                 AND {IS_CASE},
            LATERAL (SELECT
                CASE WHEN g > %(n_due)s THEN %(today)s::date + 3 + g %% 60
                     WHEN g %% 10 < 4 THEN %(today)s::date + 2
                     WHEN g %% 10 < 7 THEN %(today)s::date
                     WHEN g %% 10 < 9 THEN %(today)s::date - 2
                     ELSE %(today)s::date - 7 END AS due,
                CASE WHEN g > %(n_due)s THEN -1
                     WHEN g %% 10 < 4 THEN -1 WHEN g %% 10 < 7 THEN 0
                     WHEN g %% 10 < 9 THEN 1 ELSE 2 END AS last_rung) d
        """, params)
        cur.execute(HISTORY)
        cur.execute("ANALYZE")
    # What the sweeps of the days before left: the windows that periods ended before
    # yesterday open were started, and those closed were lapsed (a sweep runs every minute;
    # without this, this morning's would start hundreds of windows dated months back).
    from workflows.sweep import lapse, start_after_elapsed

    start_after_elapsed(TODAY - timedelta(days=1))
    lapse(TODAY - timedelta(days=1))
    with connection.cursor() as cur:
        cur.execute("ANALYZE")


def expected_rows(limit):
    """What the sweep must write, computed in Python from the rows as populated: the rung
    each due clock reaches, who hears of it (rules.audience_for_rung; handler, leaders of
    the clock's unit, leaders of the levels above short of the province), on which
    channels, and who gets a summary instead of e-mails."""
    from django.contrib.auth import get_user_model

    from casework.models import Organisation, RoleAssignment
    from workflows.models import DeadlineClock, DeadlineRule

    rules = {r.pk: r for r in DeadlineRule.objects.all()}
    orgs = {o.pk: o for o in Organisation.objects.all()}
    users = {u.pk: u for u in get_user_model().objects.filter(is_active=True)}
    leaders_at, deciders_at = defaultdict(set), defaultdict(set)
    for user_id, org_id, role in RoleAssignment.objects.values_list(
            "user_id", "organisation_id", "role"):
        if role == "leader":
            leaders_at[org_id].add(user_id)
        # The head of the unit that holds an inspection or supervision case: the deciding
        # body there (its leaders, UBKT members, branch secretary).
        if role in ("leader", "ubkt", "branch_secretary"):
            deciders_at[org_id].add(user_id)

    def above(org):  # the organisation and its ancestors, short of a province
        found = []
        while org is not None:
            if org.kind != "province":
                found.append(org.pk)
            org = orgs.get(org.parent_id)
        return found

    escalations, hears = set(), defaultdict(set)
    for clock in DeadlineClock.objects.filter(status="running", next_escalation_on__lte=TODAY):
        if clock.overdue_on <= TODAY:
            rung = 2 + (TODAY - clock.overdue_on).days // clock.reminder_every
        elif clock.due_on <= TODAY:
            rung = 1
        else:
            rung = 0
        escalations.add((clock.pk, clock.cycle, rung))
        audience = rules[clock.rule_id].audience_for_rung(rung)
        who = {clock.assignee_id}
        if audience >= 2:
            who |= (deciders_at if clock.inspection_id else leaders_at)[clock.organisation_id]
        if audience >= 3:
            for org_id in above(orgs[clock.organisation_id]):
                who |= leaders_at[org_id]
        for user_id in who:
            if user_id in users:
                hears[user_id].add((clock.pk, clock.cycle, rung))
    notices, summaries = set(), {}
    for user_id, items in hears.items():
        emailed = users[user_id].email and len(items) <= limit
        for item in items:
            notices.add((*item, user_id, "in_app"))
            if emailed:
                notices.add((*item, user_id, "email"))
        if users[user_id].email and len(items) > limit:
            summaries[user_id] = frozenset(items)
    return escalations, notices, summaries


def written_rows(since_id):
    from notifications.models import Notice
    from workflows.models import Escalation

    escalations = {e.pk: (e.clock_id, e.cycle, e.rung)
                   for e in Escalation.objects.filter(fired_on=TODAY)}
    notices, summaries = set(), {}
    for notice in Notice.objects.filter(pk__gt=since_id):
        if notice.kind == "summary":
            summaries[notice.recipient_id] = frozenset(
                escalations[pk] for pk in notice.payload["escalations"])
        else:
            notices.add((*escalations[notice.escalation_id], notice.recipient_id,
                         notice.channel))
    return set(escalations.values()), notices, summaries


class Counter:
    """Counts the statements sent to the database (execute_wrapper: no query log); with
    `keep`, also keeps the text of each (its first line), to print what the job ran."""

    def __init__(self, keep=False):
        self.n = 0
        self.statements = [] if keep else None

    def __call__(self, execute, sql, params, many, context):
        self.n += 1
        if self.statements is not None:
            self.statements.append(" ".join(sql.split())[:160])
        return execute(sql, params, many, context)


def per_email_dispatch():
    """`dispatch_pending` as it was before batches: one `deliver_notice` task per due
    e-mail, in id order (eager: each runs here, in its own transaction and connection)."""
    from notifications.models import Notice
    from notifications.tasks import deliver_notice

    ids = list(Notice.objects.filter(status="pending", channel="email")
               .order_by("pk").values_list("pk", flat=True))
    for notice_id in ids:
        deliver_notice.delay(notice_id)
    return len(ids)


def cpu_seconds(pid):
    """User + system CPU time of a process so far (Linux /proc): what the SMTP server
    spent, to tell whether it, rather than the job, is the bottleneck."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Sinks:
    """`n` aiosmtpd servers on one port (SO_REUSEPORT), each in its own process writing the
    Message-IDs it receives to its own file."""

    def __init__(self, n, port):
        self.port = port
        self.paths = [tempfile.mktemp(prefix=f"casework-bench-smtp-{i}-") for i in range(n)]
        self.processes = [
            subprocess.Popen([sys.executable, str(ROOT / "benchmarks" / "smtp_sink.py"),
                              str(port), path], stdout=subprocess.PIPE)
            for path in self.paths]
        for process in self.processes:
            assert process.stdout.readline().strip() == b"ready"

    def clear(self):
        for path in self.paths:
            Path(path).write_text("")

    def received(self):
        return [line for path in self.paths for line in Path(path).read_text().splitlines()
                if line]

    def cpu(self):
        return sum(cpu_seconds(process.pid) for process in self.processes)

    def stop(self):
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.wait(10)
        for path in self.paths:
            os.unlink(path)


def run_variant(name, *, per_email, limit, sinks, check, profile=None, show_sql=False):
    from django.conf import settings
    from django.db import connection, connections

    import notifications.tasks as tasks
    from notifications.mail import message_id
    from notifications.models import Notice
    from workflows.sweep import sweep

    connections.close_all()
    admin(f"DROP DATABASE IF EXISTS {RUN_DB}",
          f"CREATE DATABASE {RUN_DB} TEMPLATE {DB_NAME}")
    connection.settings_dict["NAME"] = RUN_DB
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sinks.port
    settings.NOTICE_ESCALATION_EMAIL_LIMIT = limit
    sinks.clear()
    expected = expected_rows(limit) if check else None
    since = Notice.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    connection.close()  # a fresh connection, as a worker's

    counter, marks = Counter(keep=show_sql), {}
    product_request = tasks.request_dispatch

    def request_dispatch():  # what the sweep's after-commit hook calls
        marks.setdefault("start", (time.perf_counter(), counter.n))
        try:
            return per_email_dispatch() if per_email else tasks.dispatch_pending()
        finally:
            marks["end"] = counter.n  # the sweep's own statements after it (heartbeat)

    tasks.request_dispatch = request_dispatch
    try:  # as a worker process that starts: nothing kept from the variant before
        from notifications import kept_rows
    except ImportError:  # the code before kept_rows (a before/after run)
        pass
    else:
        kept_rows.forget()
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
    sink_cpu = sinks.cpu()
    try:
        with connection.execute_wrapper(counter):
            if profiler:
                profiler.enable()
            start, cpu_start = time.perf_counter(), time.process_time()
            fired = sweep(today=TODAY)
            total = time.perf_counter() - start
            job_cpu = time.process_time() - cpu_start
            if profiler:
                profiler.disable()
    finally:
        tasks.request_dispatch = product_request
    sink_cpu = sinks.cpu() - sink_cpu
    if profiler:
        profiler.dump_stats(profile)
    dispatch_at, queries_before = marks.get("start", (start + total, counter.n))
    emails = Notice.objects.filter(pk__gt=since, channel="email")
    n_emails = emails.count()
    received = sinks.received()
    ok_mail = (len(received) == len(set(received)) == n_emails
               and set(received) == {message_id(n) for n in emails.only("pk", "cause_key")}
               and not emails.exclude(status="sent").exists())
    delivery_queries = marks.get("end", counter.n) - queries_before
    sweep_queries = counter.n - delivery_queries
    # Per e-mail, everything the timed job ran (the sweep's statements too), then the
    # delivery's share alone.
    line = (f"{name:<44} toàn bộ {total:7.2f} s | quét+commit {dispatch_at - start:5.2f} s | "
            f"gửi {start + total - dispatch_at:6.2f} s | {vn(fired)} cảnh báo, "
            f"{vn(n_emails)} thư, {counter.n / max(n_emails, 1):.3f} truy vấn/thư cả việc "
            f"({sweep_queries} quét + {delivery_queries} gửi; phần gửi "
            f"{delivery_queries / max(n_emails, 1):.3f}/thư) | "
            f"CPU: tiến trình này {job_cpu:.2f} s, máy chủ thư {sink_cpu:.2f} s | "
            f"máy chủ thư nhận đủ, không trùng: {'có' if ok_mail else 'KHÔNG'}")
    if expected is not None:
        same = written_rows(since) == expected
        line += f" | đúng từng dòng: {'có' if same else 'KHÔNG'}"
    print(line, flush=True)
    if show_sql:
        for number, statement in enumerate(counter.statements, 1):
            part = ("gửi" if queries_before < number <= marks.get("end", counter.n)
                    else "quét")
            print(f"    {number:3} {part}: {statement}")
    return total


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clocks", type=int, default=1_000_000)
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--skip-per-email", action="store_true")
    parser.add_argument("--no-check", action="store_true")
    parser.add_argument("--sinks", type=int, default=2,
                        help="SMTP server processes sharing the port (default 2)")
    parser.add_argument("--show-sql", action="store_true",
                        help="print each statement the timed job ran (first 160 characters)")
    parser.add_argument("--keep-db", action="store_true",
                        help="use the database an earlier run built (same options), "
                             "instead of building it again")
    parser.add_argument("--profile", metavar="PREFIX",
                        help="cProfile each variant's timed part into PREFIX-<n>.prof")
    args = parser.parse_args()

    if not args.keep_db:
        admin(f"DROP DATABASE IF EXISTS {RUN_DB}", f"DROP DATABASE IF EXISTS {DB_NAME}",
              f"CREATE DATABASE {DB_NAME}")
    setup_django()
    from django.conf import settings

    start = time.perf_counter()
    if not args.keep_db:
        populate(args.clocks, args.open, args.due)
    print(f"Dữ liệu: {vn(args.clocks)} thời hạn, {vn(args.open)} đang tính (mỗi thời hạn của một "
          f"đơn thư, cứ mười thời hạn có một của một cuộc kiểm tra, giám sát), "
          f"{vn(args.due)} đến mốc hôm nay ({time.perf_counter() - start:.1f} s để tạo)")

    sinks = Sinks(args.sinks, 20000 + os.getpid() % 20000)
    try:
        variants = [("(2) lô, mỗi cảnh báo một thư", False, NO_LIMIT),
                    (f"(3) lô, thư tổng hợp khi > {settings.NOTICE_ESCALATION_EMAIL_LIMIT}",
                     False, settings.NOTICE_ESCALATION_EMAIL_LIMIT)]
        if not args.skip_per_email:
            variants.insert(0, ("(1) từng thư (đường cũ)", True, NO_LIMIT))
        times = {}
        for number, (name, per_email, limit) in enumerate(variants, 1):
            times[name] = run_variant(
                name, per_email=per_email, limit=limit, sinks=sinks,
                check=not args.no_check,
                profile=args.profile and f"{args.profile}-{number}.prof",
                show_sql=args.show_sql)
        names = list(times)
        if not args.skip_per_email:
            print(f"\nđường cũ / lô (cùng số thư): {times[names[0]] / times[names[1]]:.1f}×")
    finally:
        sinks.stop()
        from django.db import connections

        connections.close_all()
        admin(f"DROP DATABASE IF EXISTS {RUN_DB}")


if __name__ == "__main__":
    main()

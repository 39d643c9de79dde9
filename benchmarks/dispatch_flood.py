"""Benchmark: no flood after an outage, at a province's scale (issue 20, item 5).

    .venv/bin/python benchmarks/dispatch_flood.py [--dispatches 100] [--workers 4]

The data of benchmarks/notice_job.py (bench_notices: 100,000 running clocks of letters and
cases, 10,000 reaching a rung today). The morning's sweep runs during an "outage": its
dispatch is not run, so its 13,000 e-mails wait in the outbox. Then `--dispatches`
dispatches run at once, shared among `--workers` threads with a database connection each
(as a worker's pool processes take queued tasks), delivering to the local SMTP servers of
benchmarks/smtp_sink.py. Checked: every e-mail marked sent and received once by
Message-ID; no task enqueued by any dispatch (tasks do not grow as dispatches × pending);
one dispatch sent everything (the others found the lock held or nothing due).
"""
import argparse
import os
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.notice_job import (  # noqa: E402 (sys.path insert above must come first)
    DB_NAME,
    NO_LIMIT,
    RUN_DB,
    TODAY,
    Sinks,
    admin,
    populate,
    setup_django,
    vn,
)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clocks", type=int, default=1_000_000)
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--dispatches", type=int, default=100)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()

    admin(f"DROP DATABASE IF EXISTS {RUN_DB}", f"DROP DATABASE IF EXISTS {DB_NAME}",
          f"CREATE DATABASE {DB_NAME}")
    setup_django()
    from django.conf import settings
    from django.db import connection, connections

    from notifications import tasks
    from notifications.mail import message_id
    from notifications.models import Notice
    from workflows.sweep import sweep

    populate(args.clocks, args.open, args.due)
    sinks = Sinks(2, 20000 + os.getpid() % 20000)
    try:
        connections.close_all()
        admin(f"CREATE DATABASE {RUN_DB} TEMPLATE {DB_NAME}")
        # The same settings dict every thread's connection is made from.
        connection.settings_dict["NAME"] = RUN_DB
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sinks.port
        settings.NOTICE_ESCALATION_EMAIL_LIMIT = NO_LIMIT
        sinks.clear()

        tasks.request_dispatch = lambda: None  # the outage: nothing runs the dispatch
        sweep(today=TODAY)
        emails = Notice.objects.filter(channel="email")
        pending = emails.filter(status="pending").count()

        spawned = []
        for task in (tasks.deliver_batch_task, tasks.deliver_notice, tasks.dispatch_pending):
            task.delay = lambda *a, **kw: spawned.append(a)
            task.apply_async = lambda *a, **kw: spawned.append(a)
        results, share = [], [args.dispatches // args.workers] * args.workers
        for i in range(args.dispatches % args.workers):
            share[i] += 1

        def worker(count):
            try:
                for _ in range(count):
                    results.append(tasks.dispatch_pending())
            finally:
                connections.close_all()

        threads = [threading.Thread(target=worker, args=(n,)) for n in share]
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        took = time.perf_counter() - start

        received = sinks.received()
        ok = (len(received) == len(set(received)) == pending
              and set(received) == {message_id(n) for n in emails.only("pk", "cause_key")}
              and not emails.exclude(status="sent").exists())
        senders = [due for due in results if due]
        print(f"{vn(args.dispatches)} lần phát cùng lúc ({args.workers} luồng), "
              f"{vn(pending)} thư chờ: {took:.2f} s | việc phát sinh thêm: {len(spawned)} | "
              f"số lần phát đã gửi: {len(senders)} ({vn(sum(senders))} thư) | "
              f"mỗi thư đúng một lần tại máy chủ thư: {'có' if ok else 'KHÔNG'}", flush=True)
    finally:
        sinks.stop()
        connections.close_all()
        admin(f"DROP DATABASE IF EXISTS {RUN_DB}")


if __name__ == "__main__":
    main()

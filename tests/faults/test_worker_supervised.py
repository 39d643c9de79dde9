"""A supervised Celery worker outlives its broker: a redis-server of the test's own is
killed (SIGKILL, nothing persisted) and started again 10 times while notices flow, and the
worker's main process is killed once. At the end a worker answers, and every notice was
e-mailed exactly once (one Message-ID each on the "mail server").

The worker runs under `manage.py serve --celery --no-web` (config/supervisor.py), which
restarts it whenever it exits; in production systemd does that (deploy/systemd/). Runs in
the PostgreSQL pass; never touches the shared Redis."""
import os
import signal
import sys
import time
import uuid

import pytest
from celery import Celery

from notifications.mail import message_id
from notifications.models import Channel, DeliveryStatus, Notice, NoticeKind
from tests.factories import receive_petition, user_with_role
from tests.faults.conftest import project_env, start_manage
from tests.faults.servers import ThrowAwayRedis, have_redis_server
from tests.notifications.test_celery_integration import database_url, message_ids_on_disk
from tests.processes import child_running, kill_tree, wait_for

pytestmark = [
    pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not have_redis_server(), reason="cần redis-server"),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux processes"),
]

RESTARTS = 10
PER_ROUND = 20  # notices written before each restart
WAIT = 60


def worker_pid(serve):
    return child_running(serve.pid, "celery -A config worker")


def test_ten_redis_crashes_under_a_supervised_worker_lose_and_repeat_nothing(
        tree, tmp_path, monkeypatch):
    # The notices of this test are sent by the workers, not in this process on commit.
    monkeypatch.setattr("notifications.outbox.enqueue_dispatch", lambda: None)
    clerk = user_with_role("clerk", tree.office)
    leader = user_with_role("leader", tree.commune, email="bithu@kesat.vn")
    petition = receive_petition(actor=clerk, organisation=tree.office, kind="complaint")
    event = petition.events.get()
    Notice.objects.filter(channel=Channel.EMAIL).delete()

    def write_notices(round_):
        Notice.objects.bulk_create([
            Notice(cause_key=f"fault:{round_}:{i}", kind=NoticeKind.EVENT, recipient=leader,
                   channel=Channel.EMAIL, event=event, petition=petition)
            for i in range(PER_ROUND)])

    redis = ThrowAwayRedis()
    queue = f"casework-faults-{uuid.uuid4().hex[:8]}"
    mail_dir = tmp_path / "mail"
    env = project_env(
        DJANGO_SETTINGS_MODULE="tests.notifications.worker_settings",
        CASEWORK_TEST_QUEUE=queue, DATABASE_URL=database_url(),
        CELERY_BROKER_URL=redis.url(), NOTICE_EMAIL_BATCH=5,
        EMAIL_BACKEND="tests.notifications.mail_gate.GatedFileBackend",
        EMAIL_FILE_PATH=mail_dir, MEDIA_ROOT=tmp_path / "media",
        CELERY_BEAT_SCHEDULE_FILENAME=tmp_path / "beat-schedule")
    output = open(tmp_path / "serve.out", "wb")
    serve = start_manage("serve", "--celery", "--no-web", "--check-every", "0",
                         "--restart-max", "2", "--log-file", str(tmp_path / "serve.log"),
                         env=env, output=output)
    sender = Celery("casework-faults", broker=redis.url(), set_as_current=False)

    def dispatch():
        sender.send_task("notifications.tasks.dispatch_pending", queue=queue)

    def log():
        return (tmp_path / "serve.out").read_text(errors="replace")[-6000:]

    def pending():
        return Notice.objects.filter(channel=Channel.EMAIL,
                                     status=DeliveryStatus.PENDING).count()

    try:
        started = time.monotonic()
        assert wait_for(lambda: "ready." in log(), WAIT), log()
        print(f"worker ready after {time.monotonic() - started:.1f} s")
        for round_ in range(RESTARTS):
            write_notices(round_)
            dispatch()
            # Let deliveries get under way, then crash the broker under them.
            wait_for(lambda: pending() < PER_ROUND, 1.5, interval=0.05)
            redis.kill()
            time.sleep(0.5)
            redis.start()
        print(f"{RESTARTS} restarts done at {time.monotonic() - started:.1f} s")
        first_pid = worker_pid(serve)
        assert first_pid, log()
        os.kill(first_pid, signal.SIGKILL)  # and a worker that dies outright
        write_notices("last")

        def all_sent():
            if pending():
                try:
                    dispatch()  # what beat does every minute
                except Exception:  # noqa: BLE001 (the broker may still be reconnecting)
                    pass
                return False
            return True

        assert wait_for(all_sent, 2 * WAIT, interval=2), log()
        print(f"all sent at {time.monotonic() - started:.1f} s")
        assert wait_for(lambda: (pid := worker_pid(serve)) and pid != first_pid, WAIT), log()
        replies = sender.control.ping(timeout=5)
        assert replies, "no worker answered a ping\n" + log()
    finally:
        sender.close()
        serve.send_signal(signal.SIGTERM)
        try:
            serve.wait(30)
        except Exception:  # noqa: BLE001
            kill_tree(serve.pid)
        output.close()
        redis.close()

    # Beat's sweep may add the letter's own deadline notices: every e-mail notice counts.
    emails = Notice.objects.filter(channel=Channel.EMAIL)
    total = emails.count()
    assert total >= (RESTARTS + 1) * PER_ROUND
    assert set(emails.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    on_disk = message_ids_on_disk(mail_dir)
    assert len(on_disk) == len(set(on_disk)) == total
    assert set(on_disk) == {message_id(n) for n in emails}
    supervisor_log = (tmp_path / "serve.log").read_text()
    starts = supervisor_log.count("[worker] đã khởi động")
    print("".join(line for line in supervisor_log.splitlines(True) if "[worker]" in line))
    print("".join(line for line in (tmp_path / "serve.out").read_text(errors="replace")
                  .splitlines(True) if "Unrecoverable" in line or "CRITICAL" in line))
    print(f"{RESTARTS} Redis crashes, {total} notices, each e-mailed once; "
          f"worker started {starts} times; repeats on disk: {len(on_disk) - len(set(on_disk))}")

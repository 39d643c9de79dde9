"""The outbox with the real services: PostgreSQL, Redis and `celery worker` processes.

- A worker killed (SIGKILL) with deliveries in flight loses nothing and repeats nothing:
  a second worker sends every notice, each exactly once.
- With Redis down, a transition still succeeds and its notice waits in the outbox; once
  Redis is back, the dispatch sends it, once.

Runs in the PostgreSQL pass of bin/test; skipped when Redis at 127.0.0.1:6379 does not
answer. Uses a Redis database of its own (CASEWORK_TEST_REDIS_URL, default db 14) and a
fresh queue name per test, so it cannot take or drop anybody else's tasks; it removes only
its own keys afterwards.
"""
import json
import logging
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from celery import Celery
from django.db import connection

from casework.services.petitions import petition_classify
from config.celery import app as celery_app
from notifications.mail import message_id
from notifications.models import Channel, DeliveryStatus, Notice, NoticeKind
from tests.factories import receive_petition, user_with_role

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("CASEWORK_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
DEAD_BROKER = "redis://127.0.0.1:6390/14"  # nothing listens there: Redis "stopped"
CONCURRENCY = 4
NOTICES = 200
LET_THROUGH = 50
WAIT = 120  # seconds; a timeout fails the test with the worker's log


@pytest.fixture
def redis_db():
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis không trả lời tại {REDIS_URL} ({exc}): cần Redis để chạy "
                    "kiểm thử tích hợp Celery")
    yield client
    client.close()


@pytest.fixture
def queue(redis_db):
    """A queue of this test's own. Afterwards its keys are removed, and so are the
    messages a killed worker left unacknowledged: the database is shared with other test
    runs (other checkouts, bin/test running meanwhile), so nothing else is flushed."""
    name = f"casework-test-{uuid.uuid4().hex[:12]}"
    yield name
    for tag, raw in list(redis_db.hscan_iter("unacked")):
        try:
            _message, _exchange, routing_key = json.loads(raw)
        except ValueError:
            continue
        if routing_key == name:
            redis_db.hdel("unacked", tag)
            redis_db.zrem("unacked_index", tag)
    for key in list(redis_db.scan_iter(match=f"*{name}*")):
        redis_db.delete(key)


@pytest.fixture
def sender(redis_db, queue):
    """Sends tasks by name to the test's queue on the live Redis, as beat would."""
    app = Celery("casework-tests", broker=REDIS_URL, set_as_current=False)

    def send(name, *args):
        app.send_task(name, args=args, queue=queue)

    yield send
    app.close()


@contextmanager
def broker(url):
    """Point this process's Celery app at `url` (not eager), then back to eager mode.
    The app caches its connection pools, bound to the URL they were made for: drop them
    on the way in and out (`_after_fork` does exactly that)."""
    conf = celery_app.conf
    before = conf.broker_url, conf.task_always_eager
    celery_app._after_fork()
    conf.update(broker_url=url, task_always_eager=False)
    try:
        yield
    finally:
        conf.update(broker_url=before[0], task_always_eager=before[1])
        celery_app._after_fork()


def database_url():
    """The test database (pytest-django's test_<name>), for the worker processes."""
    s = connection.settings_dict
    auth = quote(s["USER"] or "") + (f":{quote(s['PASSWORD'])}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Worker:
    """`celery -A config worker` in its own process group, so that SIGKILL takes the pool
    processes with it, as a crash or an OOM kill of the container would."""

    def __init__(self, tmp_path, queue, mail_dir, *, name, gate=None, pool="prefork",
                 broker=REDIS_URL, concurrency=CONCURRENCY, **extra_env):
        self.log_path = tmp_path / f"{name}.log"
        env = dict(os.environ, DJANGO_SETTINGS_MODULE="tests.notifications.worker_settings",
                   DATABASE_URL=database_url(), CELERY_BROKER_URL=broker,
                   EMAIL_BACKEND="tests.notifications.mail_gate.GatedFileBackend",
                   EMAIL_FILE_PATH=str(mail_dir), CASEWORK_TEST_QUEUE=queue)
        env.pop("CASEWORK_MAIL_GATE", None)
        env.update(extra_env)
        if gate is not None:
            env.update(CASEWORK_MAIL_GATE=str(gate), CASEWORK_MAIL_GATE_AFTER=str(LET_THROUGH))
        command = [str(Path(sys.executable).parent / "celery"), "-A", "config", "worker",
                   "-Q", queue, "-n", f"{name}-{queue}@%h", "-P", pool,
                   "-c", str(concurrency if pool == "prefork" else 1), "-l", "INFO",
                   "--without-gossip", "--without-mingle", "--without-heartbeat"]
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)

    def log_tail(self):
        return self.log_path.read_text(errors="replace")[-4000:]

    def kill(self):
        self._signal(signal.SIGKILL)
        self.process.wait(30)

    def stop(self):
        if self.process.poll() is None:
            self._signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()

    def _signal(self, sig):
        try:
            os.killpg(self.process.pid, sig)
        except ProcessLookupError:
            pass


@pytest.fixture
def workers(tmp_path, queue):
    started = []

    def start(mail_dir, **kwargs):
        worker = Worker(tmp_path, queue, mail_dir, **kwargs)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def wait_until(condition, what, worker, *, nudge=None, nudge_every=2.0):
    """Poll (no fixed sleeps) until `condition()`; `nudge()` is repeated meanwhile, as the
    beat repeats the dispatch every minute."""
    deadline = time.monotonic() + WAIT
    next_nudge = time.monotonic() + nudge_every
    while not condition():
        if worker.process.poll() is not None:
            pytest.fail(f"the worker exited while waiting for {what}:\n{worker.log_tail()}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}:\n{worker.log_tail()}")
        if nudge and time.monotonic() > next_nudge:
            nudge()
            next_nudge = time.monotonic() + nudge_every
        time.sleep(0.1)


def message_ids_on_disk(mail_dir):
    ids = []
    for path in sorted(mail_dir.glob("*.eml")):
        ids += re.findall(rb"^Message-ID: (<[^>]+>)", path.read_bytes(), flags=re.MULTILINE)
    return [i.decode() for i in ids]


def emails(**filters):
    return Notice.objects.filter(channel=Channel.EMAIL, **filters)


def test_a_worker_killed_mid_delivery_loses_and_repeats_nothing(
        tree, tmp_path, redis_db, sender, workers):
    clerk = user_with_role("clerk", tree.office)
    leader = user_with_role("leader", tree.commune, email="")
    petition = receive_petition(actor=clerk, organisation=tree.office, kind="complaint")
    event = petition.events.get()
    leader.email = "bithu@kesat.vn"
    leader.save()
    Notice.objects.bulk_create([
        Notice(cause_key=f"load:{i}", kind=NoticeKind.EVENT, recipient=leader,
               channel=Channel.EMAIL, event=event, petition=petition) for i in range(NOTICES)
    ])
    mail_dir, gate = tmp_path / "mail", tmp_path / "gate"
    mail_dir.mkdir()
    gate.mkdir()

    first = workers(mail_dir, name="first", gate=gate)
    sender("notifications.tasks.dispatch_pending")
    # The dispatch (one sends at a time) holds a batch: locked, its messages not accepted.
    wait_until(lambda: len(list(gate.glob("parked-*"))) >= 1,
               "the dispatch to hold a batch", first)
    sent_before = emails(status=DeliveryStatus.SENT).count()
    assert LET_THROUGH <= sent_before < NOTICES
    assert sent_before == len(message_ids_on_disk(mail_dir))
    first.kill()

    second = workers(mail_dir, name="second")
    sender("notifications.tasks.dispatch_pending")
    # Redelivery of what the dead worker held is the periodic dispatch's job (the broker
    # would only hand its unacked messages out again after its visibility timeout).
    wait_until(lambda: not emails(status=DeliveryStatus.PENDING).exists(),
               "every notice to be sent", second,
               nudge=lambda: sender("notifications.tasks.dispatch_pending"))
    second.stop()

    assert emails().count() == NOTICES
    assert set(emails().values_list("status", "attempts")) == {(DeliveryStatus.SENT, 1)}
    on_disk = message_ids_on_disk(mail_dir)
    assert len(on_disk) == len(set(on_disk)) == NOTICES
    assert set(on_disk) == {message_id(n) for n in emails()}


def test_redis_down_the_transition_succeeds_and_the_notice_is_sent_later_once(
        tree, tmp_path, redis_db, sender, workers, caplog):
    clerk = user_with_role("clerk", tree.office, email="vanphong@kesat.vn")
    member = user_with_role("ubkt", tree.office)
    petition = receive_petition(actor=clerk, organisation=tree.office)  # no notice
    assert not emails().exists()

    with broker(DEAD_BROKER), caplog.at_level(logging.WARNING, logger="notifications.outbox"):
        petition_classify(actor=member, petition_id=petition.pk, kind="complaint",
                          competence="here")
    petition.refresh_from_db()
    assert petition.status == "classified"
    notice = emails().get()
    assert (notice.recipient, notice.status) == (clerk, DeliveryStatus.PENDING)
    assert "6390" in caplog.text and "hộp thư đi" in caplog.text

    mail_dir = tmp_path / "mail"
    worker = workers(mail_dir, name="solo", pool="solo")
    # Two dispatches at once (two beats, or a beat and a sweep): each may enqueue the notice.
    sender("notifications.tasks.dispatch_pending")
    sender("notifications.tasks.dispatch_pending")
    wait_until(lambda: emails(status=DeliveryStatus.SENT).exists(), "the notice to be sent",
               worker)
    # The solo worker takes tasks one by one in queue order: once a delivery queued now is
    # done, every duplicate the two dispatches queued before it has run too.
    marker = Notice.objects.create(cause_key="marker", kind=NoticeKind.EVENT, recipient=clerk,
                                   channel=Channel.EMAIL, event=notice.event,
                                   petition=petition)
    sender("notifications.tasks.deliver_notice", marker.pk)
    wait_until(lambda: emails(pk=marker.pk, status=DeliveryStatus.SENT).exists(),
               "the marker delivery", worker)
    worker.stop()

    notice.refresh_from_db()
    assert (notice.status, notice.attempts) == (DeliveryStatus.SENT, 1)
    assert sorted(message_ids_on_disk(mail_dir)) == sorted([message_id(notice),
                                                            message_id(marker)])

"""A worker killed in the middle of a batch, against a real SMTP server and a real broker.

The mail server is aiosmtpd, run by this test on a free port; the broker a redis-server of
the test's own, on another free port (the shared Redis is never touched); the workers are
`celery worker` processes started against the test database. After a number of messages,
the server holds the first message of every new connection *after it has received it and
before it answers* "250": the worker holding it has claimed and locked its batch, rendered
it, connected, and put its first message on the wire, and nothing of that batch is
accepted. The worker is then killed (SIGKILL, its pool with it). A second worker must send
every notice, and the server must have received each Message-ID exactly once.

(A crash after the server *answered* part of a batch resends that part, with the same
Message-IDs; notifications/delivery.py says so, test_batch_delivery.py shows it.)
"""
import asyncio
import shutil
import socket
import subprocess
import threading
import time
from email import message_from_bytes

import pytest
import redis
from aiosmtpd.controller import Controller

from notifications.mail import message_id
from notifications.models import Channel, DeliveryStatus, Notice, NoticeKind
from tests.factories import receive_petition, user_with_role
from tests.notifications.test_celery_integration import Worker, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

NOTICES = 120
BATCH = 10
CONCURRENCY = 2
LET_THROUGH = 40


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def own_redis(tmp_path):
    """A throw-away redis-server on a port of its own, stopped afterwards."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server không có trên máy: cần để chạy kiểm thử này")
    port = free_port()
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1",
                                "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + 20
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                process.kill()
                pytest.fail("the test's redis-server did not start")
            time.sleep(0.05)
    yield url
    client.close()
    process.terminate()
    process.wait(10)


class HoldingServer:
    """aiosmtpd handler: records the Message-ID of every message it accepts (answers 250
    to); once `let_through` are accepted, holds the first message of each new connection
    unanswered until the client goes away or `release` is set."""

    def __init__(self, let_through):
        self.let_through = let_through
        self.accepted = []
        self.held = 0
        self.release = threading.Event()
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        first_of_connection = not getattr(session, "casework_seen", False)
        session.casework_seen = True
        if first_of_connection and len(self.accepted) >= self.let_through:
            with self.lock:
                self.held += 1
            while not self.release.is_set():
                await asyncio.sleep(0.05)  # cancelled when the client's connection is lost
        if server.transport is None or server.transport.is_closing():
            return "421 closing"
        parsed = message_from_bytes(envelope.original_content or envelope.content)
        with self.lock:
            self.accepted.append(parsed["Message-ID"])
        return "250 OK"


@pytest.fixture
def smtp_server():
    handler = HoldingServer(LET_THROUGH)
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield handler, controller.port
    handler.release.set()
    controller.stop()


def test_a_worker_killed_mid_batch_every_notice_sent_none_twice_at_the_smtp_server(
        tree, tmp_path, own_redis, smtp_server):
    handler, port = smtp_server
    queue = "casework-batch-crash"  # on the test's own redis-server
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
    from celery import Celery

    app = Celery("casework-tests", broker=own_redis, set_as_current=False)

    def dispatch():
        app.send_task("notifications.tasks.dispatch_pending", queue=queue)

    smtp = dict(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
                EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(port), NOTICE_EMAIL_BATCH=str(BATCH),
                # Longer than the hold: the held client must wait, not give up.
                EMAIL_TIMEOUT="300")
    started = []
    try:
        first = Worker(tmp_path, queue, tmp_path, name="first", broker=own_redis,
                       concurrency=CONCURRENCY, **smtp)
        started.append(first)
        dispatch()
        # One dispatch sends at a time (the dispatch's lock: notifications/delivery.py).
        wait_until(lambda: handler.held >= 1, "the dispatch to hold a batch", first)
        pending = Notice.objects.filter(channel=Channel.EMAIL, status=DeliveryStatus.PENDING)
        # The held batch is claimed and locked, its first message on the wire.
        assert len(handler.accepted) >= LET_THROUGH and pending.count() >= BATCH
        first.kill()

        second = Worker(tmp_path, queue, tmp_path, name="second", broker=own_redis,
                        concurrency=CONCURRENCY, **smtp)
        started.append(second)
        handler.let_through = NOTICES * 2  # the server holds nothing more
        dispatch()
        wait_until(lambda: not pending.exists(), "every notice to be sent", second,
                   nudge=dispatch)
    finally:
        for worker in started:
            worker.stop()
        app.close()

    emails = Notice.objects.filter(channel=Channel.EMAIL)
    assert set(emails.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    assert len(handler.accepted) == len(set(handler.accepted)) == NOTICES
    assert set(handler.accepted) == {message_id(n) for n in emails}

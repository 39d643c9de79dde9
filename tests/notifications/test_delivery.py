"""Delivery: at most once per notice, failures recorded and retried with backoff, given up
after the last retry; dispatch enqueues exactly what is pending and due."""
import datetime
import threading

import pytest
import time_machine
from celery.exceptions import Retry
from celery.schedules import crontab
from django.conf import settings
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection, connections, transaction
from django.utils import timezone

from notifications import delivery, tasks
from notifications.mail import message_id
from notifications.models import Channel, DeliveryStatus, Notice, NoticeKind
from notifications.tasks import MAX_ATTEMPTS, deliver_notice, dispatch_pending
from tests.factories import receive_petition

pytestmark = pytest.mark.django_db


class FailingBackend(EmailBackend):
    """A mail server that refuses every message."""

    def send_messages(self, messages):
        raise ConnectionRefusedError("máy chủ thư không trả lời")


class DyingBackend(EmailBackend):
    """Hands the message over, then the process dies before it can record that."""

    def send_messages(self, messages):
        super().send_messages(messages)
        raise SystemExit("worker killed")


@pytest.fixture
def email_notice(tree, mailed_clerk, mailed_leader):
    receive_petition(actor=mailed_clerk, organisation=tree.office, kind="complaint")
    return Notice.objects.get(channel=Channel.EMAIL)


@pytest.fixture
def retries(monkeypatch):
    """Record the retries the task asks Celery for instead of scheduling them."""
    asked = []

    def retry(**kwargs):
        asked.append(kwargs)
        return Retry("retry asked", when=kwargs.get("countdown"))

    monkeypatch.setattr(deliver_notice, "retry", retry)
    return asked


def test_delivering_twice_sends_one_email(email_notice):
    deliver_notice(email_notice.pk)
    deliver_notice(email_notice.pk)
    email_notice.refresh_from_db()
    assert (email_notice.status, email_notice.attempts) == (DeliveryStatus.SENT, 1)
    assert email_notice.sent_at is not None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["bithu@kesat.vn"]
    assert message.extra_headers["Message-ID"].startswith(f"<notice-{email_notice.pk}.evt-")


def test_a_failure_is_recorded_and_retried_with_backoff(email_notice, settings, retries):
    settings.EMAIL_BACKEND = "tests.notifications.test_delivery.FailingBackend"
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        with pytest.raises(Retry):
            deliver_notice(email_notice.pk)
    email_notice.refresh_from_db()
    assert email_notice.status == DeliveryStatus.PENDING
    assert email_notice.attempts == 1
    assert "ConnectionRefusedError: máy chủ thư không trả lời" in email_notice.last_error
    assert email_notice.next_attempt_at == start + datetime.timedelta(seconds=60)
    assert retries[0]["countdown"] == 60

    # The periodic dispatch does not start a second chain beside the scheduled retry,
    # and a duplicate that arrives early does not try either.
    with time_machine.travel(start + datetime.timedelta(seconds=30), tick=False):
        assert dispatch_pending() == 0
        assert deliver_notice(email_notice.pk) == "not_due"
    email_notice.refresh_from_db()
    assert email_notice.attempts == 1

    # The retry comes, the server is back: sent, on the second attempt.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(start + datetime.timedelta(seconds=61), tick=False):
        assert deliver_notice(email_notice.pk) == "sent"
    email_notice.refresh_from_db()
    assert (email_notice.status, email_notice.attempts) == (DeliveryStatus.SENT, 2)
    assert email_notice.next_attempt_at is None and email_notice.last_error == ""
    assert len(mail.outbox) == 1


def test_after_the_last_retry_the_notice_is_marked_failed(email_notice, settings, retries):
    settings.EMAIL_BACKEND = "tests.notifications.test_delivery.FailingBackend"
    moment = timezone.now()
    for _ in range(MAX_ATTEMPTS):
        with time_machine.travel(moment, tick=False):
            try:
                deliver_notice(email_notice.pk)
            except Retry:
                pass
        moment += datetime.timedelta(hours=1)
    email_notice.refresh_from_db()
    assert (email_notice.status, email_notice.attempts) == (DeliveryStatus.FAILED, MAX_ATTEMPTS)
    assert [r["countdown"] for r in retries] == [60, 120, 240, 480, 960, 1800, 1800, 1800]
    with time_machine.travel(moment, tick=False):
        assert deliver_notice(email_notice.pk) == "skipped"
        assert dispatch_pending() == 0
    assert mail.outbox == []


def test_a_user_without_an_address_is_not_retried(email_notice, retries):
    email_notice.recipient.email = ""
    email_notice.recipient.save()
    assert deliver_notice(email_notice.pk) == "failed"
    email_notice.refresh_from_db()
    assert email_notice.status == DeliveryStatus.FAILED and retries == []


def test_without_a_broker_a_failure_waits_for_the_next_dispatch(email_notice, settings):
    settings.EMAIL_BACKEND = "tests.notifications.test_delivery.FailingBackend"
    # Eager mode (the embedded install): nothing to schedule a retry on, nothing raised.
    result = deliver_notice.delay(email_notice.pk)
    assert result.get() == "retry"
    email_notice.refresh_from_db()
    assert email_notice.status == DeliveryStatus.PENDING and email_notice.attempts == 1


def test_dispatch_sends_every_due_email_in_batches_and_enqueues_no_task(
        tree, mailed_clerk, mailed_leader, monkeypatch, settings):
    for _ in range(5):
        receive_petition(actor=mailed_clerk, organisation=tree.office, kind="complaint")
    later = Notice.objects.filter(channel=Channel.EMAIL).order_by("pk").last()
    Notice.objects.filter(pk=later.pk).update(
        next_attempt_at=timezone.now() + datetime.timedelta(minutes=5))
    stray_in_app = Notice.objects.filter(channel=Channel.IN_APP).first()
    Notice.objects.filter(pk=stray_in_app.pk).update(status=DeliveryStatus.PENDING, sent_at=None)
    enqueued, batches = [], []
    settings.NOTICE_EMAIL_BATCH = 2
    # With a broker: no task is spawned, however much is pending.
    monkeypatch.setitem(tasks.deliver_batch_task.app.conf, "task_always_eager", False)
    for task in (tasks.deliver_batch_task, tasks.deliver_notice, dispatch_pending):
        monkeypatch.setattr(task, "delay", lambda *a, **kw: enqueued.append(a))
        monkeypatch.setattr(task, "apply_async", lambda *a, **kw: enqueued.append(a))
    real_batch = delivery.deliver_batch
    monkeypatch.setattr(delivery, "deliver_batch",
                        lambda *a, **kw: batches.append(1) or real_batch(*a, **kw))
    expected = list(Notice.objects.filter(channel=Channel.EMAIL).exclude(pk=later.pk)
                    .order_by("pk").values_list("pk", flat=True))

    assert dispatch_pending() == 4
    assert enqueued == []
    assert len(batches) == 3  # 4 due e-mails in batches of 2, then one that finds none
    sent = Notice.objects.filter(channel=Channel.EMAIL, status=DeliveryStatus.SENT)
    assert sorted(sent.values_list("pk", flat=True)) == expected  # the one not due waits
    assert [m.extra_headers["Message-ID"] for m in mail.outbox] == [
        message_id(n) for n in sent.order_by("pk")]
    stray_in_app.refresh_from_db()
    assert stray_in_app.status == DeliveryStatus.SENT and stray_in_app.sent_at is not None
    # 3 due: a full batch, then one of 1 that took all that was due, and no empty claim.
    Notice.objects.filter(pk=later.pk).update(next_attempt_at=None)
    for _ in range(2):
        receive_petition(actor=mailed_clerk, organisation=tree.office, kind="complaint")
    batches.clear()
    assert dispatch_pending() == 3
    assert len(batches) == 2
    assert not Notice.objects.filter(channel=Channel.EMAIL).exclude(
        status=DeliveryStatus.SENT).exists()


def test_a_dispatch_asked_for_after_commit_expires(tree, mailed_clerk, mailed_leader,
                                                   monkeypatch, settings,
                                                   django_capture_on_commit_callbacks):
    queued = []
    monkeypatch.setattr(dispatch_pending, "apply_async", lambda *a, **kw: queued.append(kw))
    with django_capture_on_commit_callbacks(execute=True):
        receive_petition(actor=mailed_clerk, organisation=tree.office, kind="complaint")
    assert queued == [{"expires": settings.NOTICE_DISPATCH_EXPIRES}]
    beat = settings.CELERY_BEAT_SCHEDULE["dispatch-notices"]
    assert beat["options"]["expires"] < beat["schedule"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_dispatch_that_finds_another_running_ends_and_sends_nothing(
        tree, mailed_clerk, mailed_leader):
    receive_petition(actor=mailed_clerk, organisation=tree.office, kind="complaint")
    pending = Notice.objects.filter(channel=Channel.EMAIL, status=DeliveryStatus.PENDING)
    mail.outbox.clear()
    Notice.objects.filter(channel=Channel.EMAIL).update(status=DeliveryStatus.PENDING)
    holding, release, done = threading.Event(), threading.Event(), threading.Event()

    def other_dispatch():
        try:
            # What another dispatch's claim holds while its batch is being sent.
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s)",
                               [delivery.DISPATCH_LOCK_KEY])
                assert cursor.fetchone()[0]
                holding.set()
                release.wait(30)
        finally:
            connections.close_all()
            done.set()

    thread = threading.Thread(target=other_dispatch)
    thread.start()
    assert holding.wait(30)
    try:
        assert dispatch_pending() == 0
        assert pending.count() == 1 and mail.outbox == []
    finally:
        release.set()
        thread.join(30)
    assert dispatch_pending() == 1  # the lock is free again
    assert not pending.exists() and len(mail.outbox) == 1


def test_dispatch_delivers_in_process_without_a_broker(tree, mailed_clerk, mailed_leader):
    for _ in range(3):
        receive_petition(actor=mailed_clerk, organisation=tree.office, kind="denunciation")
    assert dispatch_pending() == 3
    assert dispatch_pending() == 0
    assert len(mail.outbox) == 3
    assert len({m.extra_headers["Message-ID"] for m in mail.outbox}) == 3


def test_a_crash_after_the_server_accepted_repeats_the_same_message_id(email_notice, settings):
    """The one window no design closes (see notifications/tasks.py): the mail server has the
    message, the process dies before the commit. The row is still pending, so the message
    goes again, and the copy carries the same Message-ID, which marks it as a repeat."""
    settings.EMAIL_BACKEND = "tests.notifications.test_delivery.DyingBackend"
    with pytest.raises(SystemExit):
        deliver_notice(email_notice.pk)
    email_notice.refresh_from_db()
    assert (email_notice.status, email_notice.attempts) == (DeliveryStatus.PENDING, 0)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    deliver_notice(email_notice.pk)
    ids = [m.extra_headers["Message-ID"] for m in mail.outbox]
    assert len(ids) == 2 and ids[0] == ids[1]


def test_beat_schedule():
    schedule = settings.CELERY_BEAT_SCHEDULE
    tasks_by_name = {entry["task"]: entry["schedule"] for entry in schedule.values()}
    assert tasks_by_name["workflows.tasks.sweep_deadlines"] == 60.0
    assert tasks_by_name["notifications.tasks.dispatch_pending"] == 60.0
    assert tasks_by_name["notifications.tasks.send_daily_digests"] == crontab(hour=7, minute=0)
    assert settings.CELERY_TIMEZONE == "Asia/Ho_Chi_Minh"


class GatedBackend(EmailBackend):
    """Holds the first sender inside the mail server until the second has given up."""

    entered = threading.Event()
    release = threading.Event()

    def send_messages(self, messages):
        GatedBackend.entered.set()
        assert GatedBackend.release.wait(30)
        return super().send_messages(messages)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_on_one_notice_send_one_email(tree, mailed_clerk, leader, settings):
    # Committed for real here, so the after-commit dispatch runs (in-process): give the
    # leader an address only afterwards, and write the pending e-mail by hand.
    receive_petition(actor=mailed_clerk, organisation=tree.office, kind="complaint")
    leader.email = "bithu@kesat.vn"
    leader.save()
    model = Notice.objects.get(channel=Channel.IN_APP, kind=NoticeKind.EVENT)
    notice = Notice.objects.create(cause_key=model.cause_key, kind=model.kind, recipient=leader,
                                   channel=Channel.EMAIL, event=model.event,
                                   petition=model.petition)
    settings.EMAIL_BACKEND = "tests.notifications.test_delivery.GatedBackend"
    GatedBackend.entered.clear()
    GatedBackend.release.clear()
    outcomes = {}

    def work(name):
        try:
            outcomes[name] = tasks.attempt_delivery(notice.pk).outcome
        finally:
            connections.close_all()

    first = threading.Thread(target=work, args=("first",))
    first.start()
    assert GatedBackend.entered.wait(30)
    work("second")  # the row is locked by the first: skipped, not waited for
    GatedBackend.release.set()
    first.join(30)
    assert outcomes == {"first": "sent", "second": "skipped"}
    assert len(mail.outbox) == 1
    notice.refresh_from_db()
    assert (notice.status, notice.attempts) == (DeliveryStatus.SENT, 1)

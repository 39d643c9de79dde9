"""Delivery of the outbox, and the daily digest. Celery tasks, safe to run concurrently
and repeatedly.

The outbox is sent in batches (`dispatch_pending` → `deliver_batch`, see
notifications/delivery.py). `deliver_notice` is the path for a single notice (a notice
asked for by id, and the per-e-mail path the benchmark compares against).

At most once per notice, even if a notice is enqueued twice or two workers take it at the
same time: `deliver_notice` locks the row (skipping it if another worker holds it), checks
that it is still pending, sends, and marks it sent in the same transaction.

At least once, even if the broker or a worker dies: the row stays pending until that
transaction commits, and `dispatch_pending` (beat, every minute) sends whatever is still
pending. The one gap no design can close is a crash after the mail server accepted a
message and before our commit: the message is then sent again, with the same Message-ID
(see `notifications.mail.message_id`), which marks it as a repeat.
"""
import logging
from dataclasses import dataclass
from datetime import timedelta

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from notifications.mail import build_email
from notifications.models import Channel, DeliveryStatus, Notice

logger = logging.getLogger(__name__)

MAX_RETRIES = 8
MAX_ATTEMPTS = MAX_RETRIES + 1


def retry_delay(attempts):
    """Seconds before the next try: 1, 2, 4 … minutes, at most 30 (below the Redis
    transport's one-hour visibility timeout, past which a waiting retry would be handed
    out a second time)."""
    return min(60 * 2 ** (attempts - 1), 1800)


@dataclass
class Attempt:
    outcome: str  # "sent", "skipped", "not_due", "retry", "failed"
    retry_in: int | None = None
    error: Exception | None = None


@shared_task(bind=True, name="notifications.tasks.deliver_notice", max_retries=MAX_RETRIES,
             ignore_result=True)
def deliver_notice(self, notice_id):
    attempt = attempt_delivery(notice_id)
    if attempt.outcome == "retry" and not self.request.is_eager:
        # Without a broker (eager mode) there is nothing to schedule a retry on: the
        # notice waits, with its next_attempt_at, for the next dispatch.
        raise self.retry(exc=attempt.error, countdown=attempt.retry_in)
    return attempt.outcome


def attempt_delivery(notice_id):
    now = timezone.now()
    with transaction.atomic():
        notice = (Notice.objects.select_for_update(skip_locked=True, of=("self",))
                  .select_related("recipient")
                  .filter(pk=notice_id, channel=Channel.EMAIL).first())
        if notice is None or notice.status != DeliveryStatus.PENDING:
            return Attempt("skipped")  # sent, failed, or another worker is sending it
        if notice.next_attempt_at and notice.next_attempt_at > now:
            return Attempt("not_due")  # a retry is already scheduled for later
        notice.attempts += 1
        try:
            # A savepoint: a database error while rendering must not poison the
            # transaction in which the failure is recorded.
            with transaction.atomic():
                _send(notice)
        except Exception as exc:  # noqa: BLE001 - any failure is recorded and retried
            return _record_failure(notice, exc, now)
        notice.status = DeliveryStatus.SENT
        notice.sent_at = timezone.now()
        notice.last_error = ""
        notice.next_attempt_at = None
        notice.save(update_fields=["status", "sent_at", "attempts", "last_error",
                                   "next_attempt_at"])
    return Attempt("sent")


class Undeliverable(Exception):
    """Retrying cannot help."""


def _send(notice):
    recipient = notice.recipient
    if not recipient.is_active:
        raise Undeliverable("người nhận đã bị khóa tài khoản")
    if not recipient.email:
        raise Undeliverable("người nhận không có địa chỉ thư điện tử")
    build_email(notice).send(fail_silently=False)


def _record_failure(notice, exc, now):
    notice.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    final = isinstance(exc, Undeliverable) or notice.attempts >= MAX_ATTEMPTS
    if final:
        notice.status = DeliveryStatus.FAILED
        notice.next_attempt_at = None
        retry_in = None
    else:
        retry_in = retry_delay(notice.attempts)
        notice.next_attempt_at = now + timedelta(seconds=retry_in)
    notice.save(update_fields=["status", "attempts", "last_error", "next_attempt_at"])
    logger.warning("Gửi thông báo %s lần %s không được: %s", notice.pk, notice.attempts,
                   notice.last_error)
    return Attempt("failed" if final else "retry", retry_in=retry_in, error=exc)


@shared_task(name="notifications.tasks.deliver_batch", ignore_result=True)
def deliver_batch_task():
    """Send one batch of due e-mails (notifications/delivery.py). Dispatch no longer
    enqueues these; kept so that tasks an earlier version queued still run."""
    from notifications.delivery import deliver_batch

    return deliver_batch()


@shared_task(name="notifications.tasks.dispatch_pending", ignore_result=True)
def dispatch_pending():
    """Send every pending e-mail that is due, batch after batch, in this task; returns how
    many it claimed (0 when another dispatch holds the lock).

    No flood after an outage: a dispatch enqueues no other task, and at most one sends at
    a time (the dispatch's lock, taken by each claim: notifications/delivery.py); a
    dispatch that finds the lock held ends at once, since the one holding it goes on until
    nothing is due. However many dispatches were queued (one per committed action with an
    e-mail, one a minute from beat), each notice is claimed by one batch (SKIP LOCKED) and
    sent once, and the work is one claim per batch of pending e-mails, not dispatches ×
    pending. Queued dispatches also expire (NOTICE_DISPATCH_EXPIRES): after a long outage
    the stale ones are dropped unrun."""
    from notifications import delivery

    # Each batch claims only what is due and pending: a notice that fails gets a later
    # retry time, so this loop ends. A batch that claimed less than it could took all that
    # was due: no empty claim after it (what commits later asks for its own dispatch, and
    # beat runs one every minute).
    limit, claimed, first = delivery.batch_size(), 0, True
    while True:
        sent, failed = delivery.deliver_batch(limit, dispatch=True, in_app_too=first)
        if first and not sent + failed:
            delivery.mark_stray_in_app_sent()
        first = False
        claimed += sent + failed
        if sent + failed < limit:
            return claimed


def request_dispatch():
    """Queue a dispatch that expires if no worker takes it in time."""
    from django.conf import settings

    dispatch_pending.apply_async(expires=settings.NOTICE_DISPATCH_EXPIRES)


@shared_task(name="notifications.tasks.send_daily_digests", ignore_result=True)
def send_daily_digests():
    from notifications.digests import write_daily_digests

    return write_daily_digests()

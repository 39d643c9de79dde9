"""Delivery of the e-mail outbox in batches: the path that scales to a province's morning.

One batch is one transaction:

1. claim up to `NOTICE_EMAIL_BATCH` pending, due e-mail notices in one statement
   (UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING id on PostgreSQL, so
   concurrent workers take disjoint batches; on SQLite the UPDATE takes the database's one
   write lock, so a second worker waits and then claims what is still pending);
2. load them with their recipients, letters, cases, clocks and events in a fixed number of
   queries (one joined read, plus one per kind that needs more: digest clocks, summary
   escalations, ledger entries, the working calendar, and one each for the distinct rules
   and organisations they all name), however many notices there are;
3. render each message once per cause (escalation e-mails by template shape:
   notifications/shapes.py) (copies share one serialised text) and send the
   batch over one connection to the mail server, or over a few in parallel threads when
   the batch is large (notifications/sending.py), while the rest is still rendering;
4. mark every accepted notice sent in one UPDATE; a notice that failed is marked alone,
   with its error and its retry time (or as failed for good), then COMMIT.

The guarantees of the per-notice path (`tasks.attempt_delivery`, kept for a single notice)
hold: a notice stays pending until the transaction that marks it sent commits, so with
Redis or a worker down nothing is lost (the periodic dispatch claims it again), and two
workers never hold the same notice. Every e-mail carries a Message-ID derived from its
notice (`notifications.mail.message_id`).

What a crash mid-batch can resend: the messages of the batch in flight that the mail
server had already accepted when the process died (at most `NOTICE_EMAIL_BATCH`, whichever
of the batch's connections carried them; a dispatch has one batch in flight). Their marks
were not committed, so the next claim sends them again, with the same Message-IDs, which
marks them as repeats for the servers and readers that look. Messages of earlier batches were
committed; messages not yet accepted are simply sent once later. The per-notice path has
the same window for one message; the batch trades a wider window for one commit per batch.

Dispatch (`tasks.dispatch_pending`) runs batch after batch under `dispatch_lock`: at most
one dispatch sends at a time, and one that finds the lock held ends at once.

The transaction stays open while the batch is sent: on SQLite that holds the database's
write lock for as long, so the batch size bounds how long other writers wait
(EMAIL_TIMEOUT bounds a stuck server).
"""
import logging
from collections import defaultdict
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from notifications.mail import build_email
from notifications.models import Channel, DeliveryStatus, Notice
from notifications.rendering import RenderContext
from notifications.sending import send_all

logger = logging.getLogger(__name__)

# The rules and organisations these name are loaded once for the batch and shared
# (rendering.share_rules_and_units), not joined to every row.
SELECT_RELATED = (
    "recipient", "escalation", "clock__petition", "clock__inspection", "clock__assignee",
    "event__actor", "event__petition", "petition",
)

_CLAIM = """
UPDATE notifications_notice SET attempts = attempts + 1
WHERE id IN (
    SELECT id FROM notifications_notice
    WHERE status = 'pending' AND channel = 'email'
      AND (next_attempt_at IS NULL OR next_attempt_at <= %s)
    ORDER BY id LIMIT %s {lock}
)
RETURNING id
"""


def batch_size():
    return settings.NOTICE_EMAIL_BATCH


def deliver_batch(limit=None):
    """Claim, send and mark one batch; returns (sent, failed) counts. (0, 0): nothing was
    due (or every due notice is held by another worker)."""
    from notifications.tasks import MAX_ATTEMPTS, Undeliverable, retry_delay

    now = timezone.now()
    with transaction.atomic():
        ids = _claim(limit or batch_size(), now)
        if not ids:
            return 0, 0
        notices = list(Notice.objects.filter(pk__in=ids).select_related(*SELECT_RELATED)
                       .order_by("pk"))
        render = RenderContext.for_notices(notices)
        failures = {}  # notice -> exception
        sent = send_all(_prepared(notices, render, failures, Undeliverable), len(notices),
                        failures)
        if sent:
            Notice.objects.filter(pk__in=[n.pk for n in sent]).update(
                status=DeliveryStatus.SENT, sent_at=timezone.now(), last_error="",
                next_attempt_at=None)
        _record_failures(failures, now, MAX_ATTEMPTS, Undeliverable, retry_delay)
    return len(sent), len(failures)


def _claim(limit, now):
    lock = "FOR UPDATE SKIP LOCKED" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(_CLAIM.format(lock=lock), [now, limit])
        return [row[0] for row in cursor.fetchall()]


def _prepared(notices, render, failures, undeliverable):
    """(notice, e-mail) for each notice that can be sent, rendered as the connections
    take them; a notice that cannot is added to `failures`."""
    rendered = {}
    for notice in notices:
        try:
            if not notice.recipient.is_active:
                raise undeliverable("người nhận đã bị khóa tài khoản")
            if not notice.recipient.email:
                raise undeliverable("người nhận không có địa chỉ thư điện tử")
            message = build_email(notice, render=render, rendered_cache=rendered)
        except DatabaseError:
            raise  # the transaction is broken: the whole batch stays pending
        except Exception as exc:  # noqa: BLE001 - this notice alone is recorded
            failures[notice] = exc
        else:
            yield notice, message


def _record_failures(failures, now, max_attempts, undeliverable, retry_delay):
    """Group failed notices by what is written on them: a few statements, not one each."""
    groups = defaultdict(list)
    for notice, exc in failures.items():
        error = f"{type(exc).__name__}: {exc}"[:2000]
        final = isinstance(exc, undeliverable) or notice.attempts >= max_attempts
        retry_at = None if final else now + timedelta(seconds=retry_delay(notice.attempts))
        status = DeliveryStatus.FAILED if final else DeliveryStatus.PENDING
        groups[(status, retry_at, error)].append(notice.pk)
        logger.warning("Gửi thông báo %s lần %s không được: %s", notice.pk, notice.attempts,
                       error)
    for (status, retry_at, error), ids in groups.items():
        Notice.objects.filter(pk__in=ids).update(status=status, next_attempt_at=retry_at,
                                                 last_error=error)


# pg_try_advisory_lock key of the dispatch: "notices" in ASCII.
DISPATCH_LOCK_KEY = 0x6E6F7469636573


@contextmanager
def dispatch_lock():
    """Yields whether this process may dispatch: at most one dispatch at a time.

    PostgreSQL: a session advisory lock, released on exit or when the holder's connection
    dies (a worker killed mid-dispatch does not keep it). SQLite has no such lock and needs
    none for correctness: each batch's claim takes the database's one write lock, so two
    dispatches (possible only in the embedded install, inline after two requests) take
    disjoint batches."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [DISPATCH_LOCK_KEY])
        held = cursor.fetchone()[0]
    try:
        yield held
    finally:
        if held:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [DISPATCH_LOCK_KEY])


def due_email_count(now=None):
    from django.db.models import Q

    now = now or timezone.now()
    return (Notice.objects.filter(status=DeliveryStatus.PENDING, channel=Channel.EMAIL)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)).count())



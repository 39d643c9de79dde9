"""Delivery of the e-mail outbox in batches: the path that scales to a province's morning.

One batch is one transaction, and a few statements whatever it holds:

1. claim and read up to `NOTICE_EMAIL_BATCH` pending, due e-mail notices in one statement:
   SELECT … FOR UPDATE OF the notice SKIP LOCKED on PostgreSQL, joined with their
   recipients, letters, cases, clocks and events, so concurrent workers take disjoint
   batches; the same statement reads the versions of the calendar, the rules and the
   organisations (notifications/kept_rows.py) and, for a dispatch, takes the dispatch's
   lock (below). On SQLite a transaction begins IMMEDIATE (config/settings.py): it holds
   the database's one write lock from its start, so a second worker waits and then reads
   what is still pending;
2. read what only some batches need, one statement each: the escalations its summaries
   list, the clocks its digests list, the ledger lines of its moved-deadline notices; the
   rules and organisations only when they changed or are new to the process (PostgreSQL;
   on SQLite one statement each, every batch);
3. render each message once per cause (escalation e-mails by template shape:
   notifications/shapes.py) (copies share one serialised text) and send the
   batch over one connection to the mail server, or over a few in parallel threads when
   the batch is large (notifications/sending.py), while the rest is still rendering;
4. mark every accepted notice sent in one UPDATE (which counts the attempt); a notice that
   failed is marked alone, with its error and its retry time (or as failed for good),
   then COMMIT.

The guarantees of the per-notice path (`tasks.attempt_delivery`, kept for a single notice)
hold: a notice stays pending until the transaction that marks it sent commits, so with
Redis or a worker down nothing is lost (the periodic dispatch claims it again), and two
workers never hold the same notice. Every e-mail carries a Message-ID derived from its
notice (`notifications.mail.message_id`).

What a crash mid-batch can resend: the messages of the batch in flight that the mail
server had already accepted when the process died (at most `NOTICE_EMAIL_BATCH`, whichever
of the batch's connections carried them; a dispatch has one batch in flight). Their marks
were not committed, so the next claim sends them again, with the same Message-IDs, which
marks them as repeats for the servers and readers that look. Nothing else of the batch was
written either (its attempts are counted by the statements that mark it). Messages of
earlier batches were committed; messages not yet accepted are simply sent once later. The
per-notice path has the same window for one message; the batch trades a wider window for
one commit per batch.

Dispatch (`tasks.dispatch_pending`) runs batch after batch; at most one dispatch sends at
a time. On PostgreSQL each of its claims takes a transaction-level advisory lock
(`DISPATCH_LOCK_KEY`) in the claim's own statement: a dispatch whose claim finds it held
gets no rows and ends at once, since the one holding it goes on until nothing is due; the
lock goes with the batch's transaction (commit, rollback, or the connection of a killed
worker). A second dispatch may take over between two batches of the first, which then
ends: the work is still one claim per batch of pending e-mails.

The transaction stays open while the batch is sent: on SQLite that holds the database's
write lock for as long, so the batch size bounds how long other writers wait
(EMAIL_TIMEOUT bounds a stuck server).
"""
import logging
from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import BooleanField, Case, F, Q, Value, When
from django.db.models.expressions import RawSQL
from django.utils import timezone

from notifications import kept_rows
from notifications.mail import build_email
from notifications.models import Channel, DeliveryStatus, Notice
from notifications.rendering import RenderContext
from notifications.sending import send_all

logger = logging.getLogger(__name__)

# The rules and organisations these name are kept by the process or loaded once for the
# batch and shared (rendering.share_rules_and_units), not joined to every row.
SELECT_RELATED = (
    "recipient", "escalation", "clock__petition", "clock__inspection", "clock__assignee",
    "event__actor", "event__petition", "event__inspection", "petition",
)

# pg_try_advisory_xact_lock key of the dispatch: "notices" in ASCII.
DISPATCH_LOCK_KEY = 0x6E6F7469636573
# A scalar subquery: run once for the statement (before its rows), not once per row.
_DISPATCH_LOCK = RawSQL("SELECT pg_try_advisory_xact_lock(%s)", [DISPATCH_LOCK_KEY],
                        output_field=BooleanField())

# In-app notices are written as sent; one written pending by any other path is visible
# already, and only needs its status to say so. A dispatch's first batch marks them with
# its own e-mails (tasks.dispatch_pending).
STRAY_IN_APP = Q(status=DeliveryStatus.PENDING, channel=Channel.IN_APP)


def batch_size():
    return settings.NOTICE_EMAIL_BATCH


def deliver_batch(limit=None, *, dispatch=False, in_app_too=False):
    """Claim, send and mark one batch; returns (sent, failed) counts. (0, 0): nothing was
    due (or every due notice is held by another worker, or, with `dispatch`, another
    dispatch holds the dispatch's lock). `in_app_too`: the statement that marks the batch
    also marks stray pending in-app notices sent."""
    from notifications.tasks import MAX_ATTEMPTS, Undeliverable, retry_delay

    now = timezone.now()
    with transaction.atomic():
        notices = _claim(limit or batch_size(), now, dispatch)
        if not notices:
            return 0, 0
        for notice in notices:
            notice.attempts += 1  # as the statement marking it writes it
        versions = (kept_rows.versions_of(notices[0])
                    if connection.vendor == "postgresql" else None)
        render = RenderContext.for_notices(notices, versions)
        failures = {}  # notice -> exception
        sent = send_all(_prepared(notices, render, failures, Undeliverable), len(notices),
                        failures)
        _mark_sent(sent, in_app_too)
        _record_failures(failures, now, MAX_ATTEMPTS, Undeliverable, retry_delay)
    return len(sent), len(failures)


def _claim(limit, now, dispatch):
    """The batch's notices with what rendering them reads, locked for this transaction:
    one statement."""
    claim = (Notice.objects.select_related(*SELECT_RELATED)
             .filter(status=DeliveryStatus.PENDING, channel=Channel.EMAIL)
             .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
             .order_by("pk"))
    if connection.vendor == "postgresql":
        claim = (claim.select_for_update(skip_locked=True, of=("self",))
                 .annotate(**kept_rows.version_columns()))
        if dispatch:
            claim = claim.filter(_DISPATCH_LOCK)
    return list(claim[:limit])


def _mark_sent(sent, in_app_too):
    if not sent:
        if in_app_too:
            mark_stray_in_app_sent()
        return
    accepted = Q(pk__in=[n.pk for n in sent])
    attempts = F("attempts") + 1
    if in_app_too:
        attempts = F("attempts") + Case(When(accepted, then=Value(1)), default=Value(0))
        accepted |= STRAY_IN_APP
    Notice.objects.filter(accepted).update(
        status=DeliveryStatus.SENT, sent_at=timezone.now(), last_error="",
        next_attempt_at=None, attempts=attempts)


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
                                                 last_error=error,
                                                 attempts=F("attempts") + 1)


def mark_stray_in_app_sent(now=None):
    """What a dispatch's first batch does beside its e-mails, when it has none."""
    Notice.objects.filter(STRAY_IN_APP).update(status=DeliveryStatus.SENT,
                                               sent_at=now or timezone.now())

"""Writing notices into the outbox, and asking for their delivery after commit.

Every notice goes to each recipient in-app and, when the user has an address, by e-mail.
The in-app copy needs no delivery (it is visible once its transaction commits), so it is
written as sent; the e-mail copy waits as pending until a worker sends it. Rows are
inserted with ON CONFLICT DO NOTHING on (cause_key, recipient, channel): a repeated signal,
a retried task or a second run of the digest cannot notify anyone twice.
"""
import logging

from django.db import transaction
from django.utils import timezone

from notifications.models import Channel, DeliveryStatus, Notice

logger = logging.getLogger(__name__)


def write_notices(*, cause_key, kind, recipients, enqueue=True, **fields):
    """Write one notice per recipient and channel. `recipients` are (user id, e-mail)
    pairs; `fields` are the cause's foreign keys and payload. Returns how many e-mail
    notices were asked for (some may already have existed); with `enqueue`, asks for
    their delivery once the transaction commits."""
    now = timezone.now()
    rows, emails = [], 0
    for user_id, email in recipients:
        rows.append(Notice(cause_key=cause_key, kind=kind, recipient_id=user_id,
                           channel=Channel.IN_APP, status=DeliveryStatus.SENT, sent_at=now,
                           **fields))
        if email:
            emails += 1
            rows.append(Notice(cause_key=cause_key, kind=kind, recipient_id=user_id,
                               channel=Channel.EMAIL, status=DeliveryStatus.PENDING, **fields))
    Notice.objects.bulk_create(rows, ignore_conflicts=True)
    if emails and enqueue:
        transaction.on_commit(enqueue_dispatch)
    return emails


def enqueue_dispatch():
    """Ask a worker to send what is pending. Runs after commit, so the cause is already
    saved: a broker that is down must not turn a saved action into an error page. The
    notices stay pending and the periodic dispatch sends them once the broker is back."""
    from notifications.tasks import request_dispatch

    try:
        request_dispatch()
    except Exception:  # noqa: BLE001 - any broker error; the outbox keeps the notices
        logger.warning("Không gửi được yêu cầu phát thông báo tới hàng đợi; "
                       "thông báo vẫn chờ trong hộp thư đi.", exc_info=True)

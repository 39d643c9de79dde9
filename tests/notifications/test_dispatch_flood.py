"""No flood after an outage (issue 20, item 5), with a real broker and a real worker.

While the worker is down, 100 dispatches are queued (and 50 more that have expired) with
2,000 e-mails pending; then a `celery worker` with 4 pool processes starts. Every e-mail
must be sent exactly once (one file per accepted message, counted by Message-ID), no
other task may be spawned (tasks grow with the dispatches queued, not dispatches ×
pending), the expired dispatches must not run, and one dispatch at a time sends: each
batch is claimed once, by whichever dispatch holds the lock (the lock goes with a batch's
transaction, so another dispatch may take over between two batches; the one it took over
from then finds the lock held and ends), and the others find the lock held, or nothing due.

The broker is a redis-server of the test's own (never the shared one).
"""
import re
from datetime import timedelta

import pytest
from celery import Celery
from django.utils import timezone

from notifications.mail import message_id
from notifications.models import Channel, DeliveryStatus, Notice, NoticeKind
from tests.factories import receive_petition, user_with_role
from tests.notifications.test_batch_crash import own_redis  # noqa: F401 - a fixture
from tests.notifications.test_celery_integration import Worker, message_ids_on_disk, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PENDING = 2000
DISPATCHES = 100
EXPIRED = 50
BATCH = 200
DISPATCH = "notifications.tasks.dispatch_pending"


def test_dispatches_queued_in_an_outage_send_each_notice_once_and_spawn_nothing(
        tree, tmp_path, own_redis):  # noqa: F811 - the fixture imported above
    queue = "casework-dispatch-flood"  # on the test's own redis-server
    clerk = user_with_role("clerk", tree.office)
    leader = user_with_role("leader", tree.commune, email="")
    petition = receive_petition(actor=clerk, organisation=tree.office, kind="complaint")
    event = petition.events.get()
    leader.email = "bithu@kesat.vn"
    leader.save()
    Notice.objects.bulk_create([
        Notice(cause_key=f"load:{i}", kind=NoticeKind.EVENT, recipient=leader,
               channel=Channel.EMAIL, event=event, petition=petition) for i in range(PENDING)
    ])
    app = Celery("casework-tests", broker=own_redis, set_as_current=False)
    try:
        # The outage: no worker; dispatches pile up in the queue.
        for _ in range(EXPIRED):
            app.send_task(DISPATCH, queue=queue,
                          expires=timezone.now() - timedelta(minutes=1))
        for _ in range(DISPATCHES):
            app.send_task(DISPATCH, queue=queue)
    finally:
        app.close()

    mail_dir = tmp_path / "mail"
    worker = Worker(tmp_path, queue, mail_dir, name="after-outage", broker=own_redis,
                    concurrency=4, NOTICE_EMAIL_BATCH=str(BATCH))
    pending = Notice.objects.filter(channel=Channel.EMAIL, status=DeliveryStatus.PENDING)
    succeeded = re.compile(r"Task (\S+)\[[^\]]+\] succeeded in [\d.e-]+s: (\d+)")
    try:
        wait_until(lambda: not pending.exists()
                   and len(succeeded.findall(worker.log_path.read_text())) >= DISPATCHES,
                   "every notice sent and every live dispatch run", worker)
    finally:
        worker.stop()

    log = worker.log_path.read_text()
    ran = succeeded.findall(log)
    received = re.findall(r"Task (\S+)\[[^\]]+\] received", log)
    # Nothing but the queued dispatches ran: no task per batch, none per e-mail.
    assert {name for name, _due in ran} | set(received) == {DISPATCH}
    assert len(ran) == DISPATCHES  # the expired ones were dropped unrun
    # Each notice claimed once, a whole batch at a time (the others found the lock held,
    # or nothing left): no more dispatches did any work than there were batches.
    claimed = [int(due) for _name, due in ran if due != "0"]
    assert sum(claimed) == PENDING and len(claimed) <= PENDING // BATCH
    assert all(n % BATCH == 0 for n in claimed)
    on_disk = message_ids_on_disk(mail_dir)
    assert len(on_disk) == len(set(on_disk)) == PENDING
    emails = Notice.objects.filter(channel=Channel.EMAIL)
    assert set(on_disk) == {message_id(n) for n in emails}
    assert set(emails.values_list("status", "attempts")) == {(DeliveryStatus.SENT, 1)}

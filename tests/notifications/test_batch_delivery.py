"""Delivery in batches (notifications/delivery.py): a bounded number of queries whatever
the batch holds, one connection to the mail server per batch, one statement marks the
batch sent, a failure marks only the notices that failed, and a crash before the commit
resends the batch's accepted messages with the same Message-IDs."""
import datetime
import threading

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications.delivery import deliver_batch
from notifications.mail import message_id
from notifications.models import Channel, DeliveryStatus, Notice, NoticeKind
from tests.factories import receive_petition, user_with_role
from tests.notifications.conftest import (
    make_clock,
    make_escalation,
    make_rule,
    stop_all_clocks,
)

pytestmark = pytest.mark.django_db


class CountingBackend(EmailBackend):
    """Counts the connections opened to the "server"."""

    opened = 0

    def open(self):
        CountingBackend.opened += 1
        return True


class RefusingBackend(EmailBackend):
    """Refuses the messages to one address, accepts the others on the same connection."""

    def send_messages(self, messages):
        for message in messages:
            if "tuchoi@" in message.to[0]:
                raise OSError("550 hộp thư không tồn tại")
        return super().send_messages(messages)


class DyingBackend(EmailBackend):
    """Accepts three messages, then the process dies before the batch commits."""

    def send_messages(self, messages):
        if len(mail.outbox) >= 3:
            raise SystemExit("worker killed")
        return super().send_messages(messages)


def outbox_of(n, tree, clerk, leaders):
    """`n` e-mail notices of every kind that reads more than its own row: escalations
    (clock, rule, letter, organisation, assignee), events (letter, actor), digests (the
    clocks they list) and summaries (the escalations they list)."""
    stop_all_clocks()
    today = timezone.localdate()
    rows = []
    for i in range(n):
        petition = receive_petition(actor=clerk, organisation=tree.office, kind="complaint")
        clock = make_clock(petition, due_on=today - datetime.timedelta(days=2),
                           assignee=leaders[i % len(leaders)])
        escalation = make_escalation(clock, rung=2, fired_on=today)
        kind = [NoticeKind.OVERDUE, NoticeKind.DIGEST, NoticeKind.SUMMARY][i % 3]
        fields = dict(escalation=escalation, clock=clock, petition=petition)
        cause = f"esc:{escalation.pk}"
        if kind == NoticeKind.DIGEST:
            cause = f"digest:{today - datetime.timedelta(days=i)}"
            fields = dict(payload={"overdue": [clock.pk], "due_soon": []})
        elif kind == NoticeKind.SUMMARY:
            cause = f"escsum:{escalation.pk}"
            fields = dict(payload={"escalations": [escalation.pk]})
        rows.append(Notice(cause_key=cause, kind=kind, channel=Channel.EMAIL,
                           recipient=leaders[i % len(leaders)], **fields))
    Notice.objects.filter(channel=Channel.EMAIL).delete()  # the receipts' own
    Notice.objects.bulk_create(rows)
    return list(Notice.objects.filter(channel=Channel.EMAIL).order_by("pk"))


@pytest.fixture
def leaders(tree):
    return [user_with_role("leader", tree.office, username=f"lanhdao{i}",
                           email=f"lanhdao{i}@kesat.vn") for i in range(3)]


def queries_to_deliver():
    with CaptureQueriesContext(connection) as queries:
        sent, failed = deliver_batch()
    return sent, failed, len(queries)


def test_a_batch_runs_the_same_few_queries_however_many_notices(tree, mailed_clerk, leaders):
    outbox_of(3, tree, mailed_clerk, leaders)
    sent, failed, few = queries_to_deliver()
    assert (sent, failed) == (3, 0)
    outbox_of(30, tree, mailed_clerk, leaders)
    sent, failed, many = queries_to_deliver()
    assert (sent, failed) == (30, 0)
    assert many == few <= 10


def test_a_batch_goes_over_one_connection_and_is_marked_sent_once(
        tree, mailed_clerk, leaders, settings):
    notices = outbox_of(12, tree, mailed_clerk, leaders)
    settings.EMAIL_BACKEND = "tests.notifications.test_batch_delivery.CountingBackend"
    settings.NOTICE_EMAIL_BATCH = 5
    CountingBackend.opened = 0
    with CaptureQueriesContext(connection) as queries:
        assert deliver_batch() == (5, 0)
    assert CountingBackend.opened == 1
    updates = [q["sql"] for q in queries if q["sql"].lstrip().startswith("UPDATE")]
    # The one statement that marks them sent (the claim is a SELECT: FOR UPDATE SKIP
    # LOCKED on PostgreSQL, in an IMMEDIATE transaction on SQLite), counting the attempt.
    assert len(updates) == 1
    assert deliver_batch() == (5, 0) and deliver_batch() == (2, 0) and deliver_batch() == (0, 0)
    assert [m.extra_headers["Message-ID"] for m in mail.outbox] == [message_id(n)
                                                                   for n in notices]
    assert set(Notice.objects.filter(channel=Channel.EMAIL).values_list(
        "status", "attempts", "last_error")) == {(DeliveryStatus.SENT, 1, "")}


def test_a_refused_message_marks_that_notice_alone_with_its_retry_time(
        tree, mailed_clerk, leaders, settings):
    leaders[1].email = "tuchoi@kesat.vn"
    leaders[1].save()
    notices = outbox_of(6, tree, mailed_clerk, leaders)
    settings.EMAIL_BACKEND = "tests.notifications.test_batch_delivery.RefusingBackend"
    before = timezone.now()
    assert deliver_batch() == (4, 2)
    refused = {n.pk for n in notices if n.recipient_id == leaders[1].pk}
    for notice in Notice.objects.filter(channel=Channel.EMAIL):
        if notice.pk in refused:
            assert (notice.status, notice.attempts) == (DeliveryStatus.PENDING, 1)
            assert "550" in notice.last_error
            # The first retry waits a minute (tasks.retry_delay).
            assert notice.next_attempt_at >= before + datetime.timedelta(seconds=60)
        else:
            assert (notice.status, notice.attempts) == (DeliveryStatus.SENT, 1)
    assert deliver_batch() == (0, 0)  # the refused ones are not due yet


def test_an_inactive_recipient_fails_for_good_without_stopping_the_batch(
        tree, mailed_clerk, leaders):
    leaders[0].is_active = False
    leaders[0].save()
    outbox_of(3, tree, mailed_clerk, leaders)
    assert deliver_batch() == (2, 1)
    failed = Notice.objects.get(status=DeliveryStatus.FAILED)
    assert failed.recipient == leaders[0] and failed.next_attempt_at is None


def test_a_crash_mid_batch_resends_the_accepted_messages_with_their_message_ids(
        tree, mailed_clerk, leaders, settings):
    notices = outbox_of(5, tree, mailed_clerk, leaders)
    settings.EMAIL_BACKEND = "tests.notifications.test_batch_delivery.DyingBackend"
    with pytest.raises(SystemExit):
        deliver_batch()
    # Nothing of the batch was committed: every notice is still pending, untried.
    assert set(Notice.objects.filter(channel=Channel.EMAIL).values_list(
        "status", "attempts")) == {(DeliveryStatus.PENDING, 0)}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert deliver_batch() == (5, 0)
    ids = [m.extra_headers["Message-ID"] for m in mail.outbox]
    expected = [message_id(n) for n in notices]
    # The three the server had accepted come again, with the same Message-IDs.
    assert ids == expected[:3] + expected


class HoldingBackend(EmailBackend):
    """Holds the first connection (its batch claimed, locked, not yet sent) until told."""

    entered = threading.Event()
    release = threading.Event()

    def open(self):
        if not HoldingBackend.entered.is_set():
            HoldingBackend.entered.set()
            assert HoldingBackend.release.wait(30)
        return True


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_claim_disjoint_batches(tree, mailed_clerk, leaders, settings):
    notices = outbox_of(6, tree, mailed_clerk, leaders)
    mail.outbox.clear()  # committed receipts sent their own notices meanwhile
    settings.NOTICE_EMAIL_BATCH = 4
    settings.EMAIL_BACKEND = "tests.notifications.test_batch_delivery.HoldingBackend"
    HoldingBackend.entered.clear()
    HoldingBackend.release.clear()
    outcomes = {}

    def work(name):
        try:
            outcomes[name] = deliver_batch()
        finally:
            connections.close_all()

    first = threading.Thread(target=work, args=("first",))
    first.start()
    assert HoldingBackend.entered.wait(30)
    work("second")  # skips the first's locked rows instead of waiting for them
    HoldingBackend.release.set()
    first.join(30)
    assert outcomes == {"first": (4, 0), "second": (2, 0)}
    assert sorted(m.extra_headers["Message-ID"] for m in mail.outbox) == sorted(
        message_id(n) for n in notices)


def test_a_cause_emailed_to_several_people_is_rendered_once(
        tree, mailed_clerk, leaders, monkeypatch):
    from notifications import mail as mail_module

    first = outbox_of(1, tree, mailed_clerk, leaders)[0]
    assert first.kind == NoticeKind.OVERDUE
    Notice.objects.bulk_create([
        Notice(cause_key=first.cause_key, kind=first.kind, channel=Channel.EMAIL,
               recipient=leader, escalation=first.escalation, clock=first.clock,
               petition=first.petition) for leader in leaders[1:]])
    renders = []
    real = mail_module.render_notice
    monkeypatch.setattr(mail_module, "render_notice",
                        lambda notice, **kw: renders.append(notice.pk) or real(notice, **kw))
    assert deliver_batch() == (3, 0)
    assert len(renders) == 1
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in leaders)
    assert len({(m.subject, m.body) for m in mail.outbox}) == 1
    assert len({m.extra_headers["Message-ID"] for m in mail.outbox}) == 3


class UnreachableBackend(EmailBackend):
    """A mail server that cannot be reached: every connection attempt fails."""

    tries = 0

    def open(self):
        UnreachableBackend.tries += 1
        raise ConnectionRefusedError("máy chủ thư không trả lời")


def test_an_unreachable_server_is_tried_once_per_batch_and_the_batch_retried_later(
        tree, mailed_clerk, leaders, settings):
    outbox_of(4, tree, mailed_clerk, leaders)
    settings.EMAIL_BACKEND = "tests.notifications.test_batch_delivery.UnreachableBackend"
    UnreachableBackend.tries = 0
    assert deliver_batch() == (0, 4)
    assert UnreachableBackend.tries == 1
    rows = set(Notice.objects.filter(channel=Channel.EMAIL).values_list("status", "attempts"))
    assert rows == {(DeliveryStatus.PENDING, 1)}
    assert not Notice.objects.filter(channel=Channel.EMAIL, next_attempt_at=None).exists()


def test_a_summary_loads_and_lists_only_its_first_items_and_counts_the_rest(
        tree, mailed_clerk, leaders):
    """A province-wide morning gives a head a summary of hundreds of escalations: the batch
    loads the DIGEST_LIMIT it lists, not all of them."""
    from notifications.rendering import DIGEST_LIMIT, RenderContext

    stop_all_clocks()
    today = timezone.localdate()
    petition = receive_petition(actor=mailed_clerk, organisation=tree.office, kind="complaint")
    escalations = [make_escalation(make_clock(petition, due_on=today), rung=1, fired_on=today)
                   for _ in range(DIGEST_LIMIT + 3)]
    Notice.objects.filter(channel=Channel.EMAIL).delete()
    Notice.objects.create(cause_key="escsum:test", kind=NoticeKind.SUMMARY,
                          channel=Channel.EMAIL, recipient=leaders[0],
                          payload={"escalations": [e.pk for e in escalations]})
    loaded = []
    real = RenderContext.for_notices.__func__

    def spy(cls, notices, versions=None):
        context = real(cls, notices, versions)
        loaded.append(set(context.escalations))
        return context

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(RenderContext, "for_notices", classmethod(spy))
        assert deliver_batch() == (1, 0)
    assert loaded == [{e.pk for e in escalations[:DIGEST_LIMIT]}]
    body = mail.outbox[-1].body
    assert body.count(f"Đơn số {petition.receipt_number}") == DIGEST_LIMIT
    assert "… và 03 hồ sơ khác." in body


class PairedBackend(EmailBackend):
    """Sends nothing until two connections are open at once: a batch that used one
    connection would break the barrier (its wait times out)."""

    both_open = None

    def open(self):
        PairedBackend.both_open.wait()
        return True


def test_a_large_batch_goes_over_several_connections_each_message_once(
        tree, mailed_clerk, leaders, settings, monkeypatch):
    from notifications import sending

    notices = outbox_of(6, tree, mailed_clerk, leaders)
    settings.NOTICE_EMAIL_CONNECTIONS = 2
    monkeypatch.setattr(sending, "MIN_PER_CONNECTION", 3)
    settings.EMAIL_BACKEND = "tests.notifications.test_batch_delivery.PairedBackend"
    PairedBackend.both_open = threading.Barrier(2, timeout=30)
    assert deliver_batch() == (6, 0)
    assert PairedBackend.both_open.n_waiting == 0 and not PairedBackend.both_open.broken
    assert sorted(m.extra_headers["Message-ID"] for m in mail.outbox) == sorted(
        message_id(n) for n in notices)
    assert set(Notice.objects.filter(channel=Channel.EMAIL).values_list("status", flat=True)
               ) == {DeliveryStatus.SENT}


def test_a_crash_in_one_of_several_connections_commits_nothing_of_the_batch(
        tree, mailed_clerk, leaders, settings, monkeypatch):
    from notifications import sending

    outbox_of(6, tree, mailed_clerk, leaders)
    settings.NOTICE_EMAIL_CONNECTIONS = 2
    monkeypatch.setattr(sending, "MIN_PER_CONNECTION", 3)
    settings.EMAIL_BACKEND = "tests.notifications.test_batch_delivery.DyingBackend"
    with pytest.raises(SystemExit):
        deliver_batch()
    assert set(Notice.objects.filter(channel=Channel.EMAIL).values_list(
        "status", "attempts")) == {(DeliveryStatus.PENDING, 0)}


def test_a_batch_reaches_a_real_smtp_server_with_its_envelope_and_headers(
        tree, mailed_clerk, leaders, settings):
    """Over Django's SMTP backend, a batch's messages go straight to the connection
    (sending._send): the server gets the same envelope and text Django would send,
    and a message it refuses fails that notice alone."""
    import email
    import email.policy
    import socket

    from aiosmtpd.controller import Controller

    class Handler:
        def __init__(self):
            self.received = []

        async def handle_RCPT(self, server, session, envelope, address, options):
            if address.startswith("tuchoi@"):
                return "550 hộp thư không tồn tại"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            self.received.append((envelope.mail_from, envelope.rcpt_tos,
                                  envelope.original_content))
            return "250 OK"

    leaders[2].email = "tuchoi@kesat.vn"
    leaders[2].save()
    notices = outbox_of(6, tree, mailed_clerk, leaders)
    handler = Handler()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = Controller(handler, hostname="127.0.0.1", port=port)
    server.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = port
        settings.DEFAULT_FROM_EMAIL = "Văn phòng Đảng ủy <vanphong@kesat.vn>"
        assert deliver_batch() == (4, 2)
    finally:
        server.stop()
    sent = {n.pk: n for n in notices if n.recipient_id != leaders[2].pk}
    assert len(handler.received) == len(sent) == 4
    for mail_from, rcpt_tos, raw in handler.received:
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        notice = next(n for n in sent.values() if message_id(n) == parsed["Message-ID"])
        assert mail_from == "vanphong@kesat.vn"
        assert rcpt_tos == [notice.recipient.email] == [parsed["To"]]
        assert str(parsed["From"]) == "Văn phòng Đảng ủy <vanphong@kesat.vn>"
        assert parsed["Date"] and str(parsed["Subject"]).strip()
    assert set(Notice.objects.filter(channel=Channel.EMAIL, status=DeliveryStatus.SENT)
               .values_list("pk", flat=True)) == set(sent)
    refused = Notice.objects.filter(channel=Channel.EMAIL, recipient=leaders[2])
    assert {(n.status, "550" in n.last_error) for n in refused} == {
        (DeliveryStatus.PENDING, True)}


def _statements(queries):
    return [q["sql"] for q in queries
            if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]


def summaries_for(leaders, petition, n, rule):
    today = timezone.localdate()
    Notice.objects.filter(channel=Channel.EMAIL).delete()
    rows = []
    for i in range(n):
        escalation = make_escalation(make_clock(petition, due_on=today, rule=rule), rung=1,
                                     fired_on=today)
        rows.append(Notice(cause_key=f"escsum:{escalation.pk}", kind=NoticeKind.SUMMARY,
                           channel=Channel.EMAIL, recipient=leaders[i % len(leaders)],
                           payload={"escalations": [escalation.pk]}))
    Notice.objects.bulk_create(rows)


@pytest.mark.postgres
def test_a_batch_of_summaries_is_three_statements_once_rules_and_organisations_are_kept(
        tree, mailed_clerk, leaders):
    """Claim and read (with the tables' versions), the escalations listed, the mark: the
    rules and organisations are loaded by the process's first batch only."""
    from notifications import kept_rows

    stop_all_clocks()
    petition = receive_petition(actor=mailed_clerk, organisation=tree.office, kind="complaint")
    rule = make_rule()  # one rule: a new one would be a change the next batch must see
    kept_rows.forget()
    summaries_for(leaders, petition, 4, rule)
    with CaptureQueriesContext(connection) as first:
        assert deliver_batch() == (4, 0)
    summaries_for(leaders, petition, 9, rule)
    with CaptureQueriesContext(connection) as second:
        assert deliver_batch() == (9, 0)
    assert len(_statements(first)) == 5  # and the rules, and the organisations
    claim, escalations, mark = _statements(second)
    assert claim.startswith("SELECT") and "FOR UPDATE" in claim and "SKIP LOCKED" in claim
    assert "workflows_escalation" in escalations and mark.startswith("UPDATE")
    assert len(mail.outbox) == 4 + 9


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_organisation_renamed_between_batches_is_named_anew(tree, mailed_clerk, leaders):
    """What the process keeps follows any committed change of the tables (here an UPDATE
    that bypasses the models' save, as a data migration would)."""
    from casework.models import Organisation

    outbox_of(3, tree, mailed_clerk, leaders)
    assert deliver_batch() == (3, 0)
    assert any(tree.office.name in m.body for m in mail.outbox)
    Organisation.objects.filter(pk=tree.office.pk).update(name="Ban Tiếp Dân Mới Đổi Tên")
    mail.outbox.clear()
    outbox_of(3, tree, mailed_clerk, leaders)
    assert deliver_batch() == (3, 0)
    overdue = [m.body for m in mail.outbox if "Ban Tiếp Dân Mới Đổi Tên" in m.body]
    assert overdue and not any(f"{tree.office.name}\n" in m.body for m in mail.outbox)

"""Event notices are part of the event's transaction: written with it, rolled back with
it, never twice, never for transcribed history, and never naming a denouncer."""
import datetime
import email
import email.policy
import logging

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from casework.models import CaseEvent, EventType
from casework.search_keys import search_key
from casework.services.petitions import petition_accept, petition_classify
from casework.signals import case_event_written
from notifications.digests import write_daily_digests
from notifications.models import Channel, DeliveryStatus, Notice, NoticeKind
from notifications.rendering import render_notice
from notifications.tasks import dispatch_pending
from tests.factories import receive_petition, user_with_role
from tests.notifications.conftest import (
    make_clock,
    make_escalation,
    secret_denunciation,
    secret_fragments,
)

pytestmark = pytest.mark.django_db


def notices(**filters):
    return list(Notice.objects.filter(**filters).order_by("recipient_id", "channel")
                .values_list("recipient__username", "channel", "status", "kind", "cause_key"))


@pytest.mark.parametrize("kind", ["denunciation", "complaint"])
def test_a_new_denunciation_or_complaint_is_reported_to_the_leaders_up_to_the_province(
        tree, mailed_clerk, mailed_leader, city_leader, kind):
    branch_leader = user_with_role("leader", tree.branch_a, username="bithu-chibo")
    petition = receive_petition(actor=mailed_clerk, organisation=tree.office, kind=kind)
    event = petition.events.get()
    key = f"evt:{event.pk}"
    # The commune's leader, in-app (visible at once) and by e-mail (waiting for delivery);
    # not the province's leader, not a branch's leader, not the clerk who logged it.
    assert notices() == [
        ("lanhdao", "email", "pending", "event", key),
        ("lanhdao", "in_app", "sent", "event", key),
    ]
    assert not Notice.objects.filter(recipient__in=[city_leader, branch_leader]).exists()
    notice = Notice.objects.get(channel=Channel.EMAIL)
    assert (notice.event_id, notice.petition_id) == (event.pk, petition.pk)


def test_other_kinds_of_letter_are_not_reported_to_leaders(tree, clerk, mailed_leader):
    receive_petition(actor=clerk, organisation=tree.office, kind="recommendation")
    receive_petition(actor=clerk, organisation=tree.office, kind="feedback")
    assert notices() == []


def test_a_leader_without_an_address_is_told_in_app_only(tree, clerk, leader):
    receive_petition(actor=clerk, organisation=tree.office, kind="complaint")
    assert [(u, ch) for u, ch, *_ in notices()] == [("lanhdao", "in_app")]


def test_what_others_do_to_a_letter_is_reported_to_the_clerk_who_logged_it(
        tree, mailed_clerk, mailed_leader):
    petition = receive_petition(actor=mailed_clerk, organisation=tree.office)
    petition_classify(actor=mailed_clerk, petition_id=petition.pk, kind="complaint",
                      competence="here")
    assert notices() == []  # the clerk's own action
    petition_accept(actor=mailed_leader, petition_id=petition.pk, doc_number="01/TB",
                    doc_date=datetime.date(2025, 9, 5))
    accepted = petition.events.get(event_type=EventType.ACCEPTED)
    assert notices() == [
        ("vanphong", "email", "pending", "event", f"evt:{accepted.pk}"),
        ("vanphong", "in_app", "sent", "event", f"evt:{accepted.pk}"),
    ]


def _mailed_ubkt(tree):
    user = user_with_role("ubkt", tree.office, username="ubkt", email="ubkt@kesat.vn")
    return user


def test_notices_commit_and_roll_back_with_the_transition(tree, clerk):
    member = _mailed_ubkt(tree)
    petition = receive_petition(actor=member, organisation=tree.office)

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        petition_classify(actor=clerk, petition_id=petition.pk, kind="complaint",
                          competence="here")
        # Written in the transition's own transaction …
        assert Notice.objects.filter(recipient=member).count() == 2
        raise Abort  # … and gone with it when anything later fails.
    assert Notice.objects.count() == 0
    assert not CaseEvent.objects.filter(event_type=EventType.CLASSIFIED).exists()


def test_no_notice_for_a_back_filled_event(tree, mailed_clerk, mailed_leader):
    at = timezone.make_aware(datetime.datetime(2025, 9, 3, 9, 0))
    petition = receive_petition(actor=mailed_clerk, organisation=tree.office,
                                kind="complaint", at=at)
    petition_classify(actor=_mailed_ubkt(tree), petition_id=petition.pk, kind="complaint",
                      competence="here", at=at + datetime.timedelta(hours=2))
    assert CaseEvent.objects.count() == 2
    assert Notice.objects.count() == 0


def test_a_repeated_signal_writes_no_second_notice(tree, clerk, mailed_leader):
    petition = receive_petition(actor=clerk, organisation=tree.office, kind="denunciation")
    event = petition.events.get()
    assert Notice.objects.count() == 2
    case_event_written.send(sender=CaseEvent, event=event)
    case_event_written.send(sender=CaseEvent, event=event)
    assert Notice.objects.count() == 2


def test_delivery_is_asked_for_after_commit_and_sends_the_email(
        tree, clerk, mailed_leader, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        receive_petition(actor=clerk, organisation=tree.office, kind="complaint")
    # Without a broker (embedded mode) the dispatch runs in-process.
    assert Notice.objects.get(channel=Channel.EMAIL).status == DeliveryStatus.SENT
    assert [m.to for m in mail.outbox] == [["bithu@kesat.vn"]]


def test_broker_down_the_transition_still_succeeds_and_the_notice_waits(
        tree, clerk, mailed_leader, monkeypatch, caplog, django_capture_on_commit_callbacks):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6390. Connection refused.")

    monkeypatch.setattr(dispatch_pending, "apply_async", broker_down)
    with caplog.at_level(logging.WARNING, logger="notifications.outbox"), \
            django_capture_on_commit_callbacks(execute=True):
        petition = receive_petition(actor=clerk, organisation=tree.office, kind="complaint")
    assert petition.pk and petition.events.count() == 1
    assert Notice.objects.get(channel=Channel.EMAIL).status == DeliveryStatus.PENDING
    assert "hộp thư đi" in caplog.text and "Connection refused" in caplog.text
    assert mail.outbox == []


# ---- privacy ---------------------------------------------------------------------------

def _decoded(message):
    """Every form a reader could see: the raw bytes, and the decoded subject and body."""
    raw = message.message().as_bytes()
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    return [raw.decode("utf-8", "replace"), str(parsed["Subject"]),
            parsed.get_body().get_content()]


def _assert_no_identity(texts):
    fragments = secret_fragments()
    for text in texts:
        plain = search_key(text)
        leaked = [f for f in fragments if f in text or f in plain]
        assert leaked == [], f"{leaked} in:\n{text}"


def test_no_notice_or_email_about_a_denunciation_names_its_sender(
        tree, mailed_clerk, mailed_leader, client, django_capture_on_commit_callbacks):
    tz = timezone.get_current_timezone()
    with time_machine.travel(datetime.datetime(2025, 9, 4, 8, 0, tzinfo=tz), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            petition = secret_denunciation(mailed_clerk, tree.office,
                                           received_on=datetime.date(2025, 9, 3))
            # Free-text reasons may quote the sender: they are never rendered.
            petition_classify(actor=_mailed_ubkt(tree), petition_id=petition.pk,
                              kind="denunciation", competence="here",
                              reason=f"Đơn của bà {petition.senders.get().full_name}.")
            petition_accept(actor=mailed_leader, petition_id=petition.pk, doc_number="01/TB",
                            doc_date=datetime.date(2025, 9, 4),
                            reason=f"Thụ lý đơn tố cáo của {petition.senders.get().full_name}")
        clock = make_clock(petition, due_on=datetime.date(2025, 9, 3), assignee=mailed_clerk)
        escalation = make_escalation(clock, rung=2, fired_on=datetime.date(2025, 9, 4))
        for channel, status in (("in_app", "sent"), ("email", "pending")):
            Notice.objects.create(cause_key=f"esc:{escalation.pk}", kind=NoticeKind.OVERDUE,
                                  recipient=mailed_leader, channel=channel, status=status,
                                  clock=clock, escalation=escalation, petition=petition)
        with django_capture_on_commit_callbacks(execute=True):
            write_daily_digests()
        dispatch_pending()

    kinds = set(Notice.objects.values_list("kind", flat=True))
    assert kinds == {"event", "overdue", "digest"}
    assert Notice.objects.filter(channel="email").exclude(status="sent").count() == 0
    texts = []
    for notice in Notice.objects.all():
        rendered = render_notice(notice)
        texts += [rendered.subject, rendered.text] + [label for label, _ in rendered.links]
    for message in mail.outbox:
        texts += _decoded(message)
    assert len(mail.outbox) == Notice.objects.filter(channel="email").count() >= 4
    assert any("Đơn số 001/2025" in t for t in texts)
    for user in (mailed_clerk, mailed_leader):
        client.force_login(user)
        page = client.get(reverse("notifications:inbox"))
        assert page.status_code == 200 and "001/2025" in page.content.decode()
        texts.append(page.content.decode())
    _assert_no_identity(texts)

"""Digests instead of floods: whoever would get more than NOTICE_ESCALATION_EMAIL_LIMIT
escalation e-mails from one sweep gets one summary e-mail listing them; in-app notices stay
one per escalation. Tested at the boundary: the limit itself, and one more."""
import uuid

import pytest
from django.core import mail
from django.utils import timezone

from notifications.escalations import write_escalation_notices
from notifications.models import Channel, Notice, NoticeKind
from notifications.tasks import dispatch_pending
from tests.factories import receive_petition, user_with_role
from tests.notifications.conftest import make_clock, make_rule, stop_all_clocks
from workflows.models import Escalation

pytestmark = pytest.mark.django_db

LIMIT = 3


def fire(count, tree, assignee):
    """`count` letters whose "due" rung fires in one sweep run (handler and head of unit)."""
    stop_all_clocks()
    today, run = timezone.localdate(), uuid.uuid4()
    rule = make_rule()
    escalations, petitions = [], []
    for _ in range(count):
        petition = receive_petition(actor=assignee, organisation=tree.office, kind="complaint")
        clock = make_clock(petition, due_on=today, rule=rule, assignee=assignee)
        escalations.append(Escalation.objects.create(
            clock=clock, cycle=0, rung=1, due_on=today, fired_on=today,
            fired_at=timezone.now(), run=run))
        petitions.append(petition)
    Notice.objects.all().delete()  # the receipts' own notices
    mail.outbox.clear()
    write_escalation_notices(None, run=run, today=today)
    return run, escalations, petitions


@pytest.fixture
def head(tree):
    return user_with_role("leader", tree.office, username="truongvp", email="truong@kesat.vn")


@pytest.mark.parametrize("count", [LIMIT, LIMIT + 1])
def test_the_limit_gets_one_email_each_one_more_gets_a_summary(
        tree, mailed_clerk, head, settings, count):
    settings.NOTICE_ESCALATION_EMAIL_LIMIT = LIMIT
    run, escalations, petitions = fire(count, tree, mailed_clerk)
    for user in (mailed_clerk, head):
        in_app = Notice.objects.filter(recipient=user, channel=Channel.IN_APP)
        assert sorted(in_app.values_list("escalation_id", flat=True)) == [
            e.pk for e in escalations]
        emails = Notice.objects.filter(recipient=user, channel=Channel.EMAIL)
        if count <= LIMIT:
            assert sorted(emails.values_list("kind", "escalation_id")) == [
                (NoticeKind.DUE, e.pk) for e in escalations]
        else:
            summary = emails.get()
            assert (summary.kind, summary.cause_key) == (NoticeKind.SUMMARY,
                                                        f"escsum:{run.hex}")
            assert summary.payload == {"escalations": [e.pk for e in escalations]}

    dispatch_pending()
    expected = count if count <= LIMIT else 1
    for user in (mailed_clerk, head):
        received = [m for m in mail.outbox if m.to == [user.email]]
        assert len(received) == expected
        if count > LIMIT:
            body = received[0].body
            for petition in petitions:
                assert petition.receipt_number in body
            assert f"{count:02d} hồ sơ" in received[0].subject


def test_a_second_write_of_the_same_run_sends_no_second_summary(
        tree, mailed_clerk, head, settings):
    settings.NOTICE_ESCALATION_EMAIL_LIMIT = LIMIT
    run, escalations, _ = fire(LIMIT + 2, tree, mailed_clerk)
    before = Notice.objects.count()
    assert write_escalation_notices(None, run=run, today=timezone.localdate()) == 0
    assert Notice.objects.count() == before
    assert Notice.objects.filter(kind=NoticeKind.SUMMARY).count() == 2

"""The daily digest: per leader and day, the running clocks of their subtree that are
overdue or fall due within 7 days; nothing when there is nothing to say; once a day."""
import datetime

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from notifications.digests import write_daily_digests
from notifications.models import Channel, Notice, NoticeKind
from notifications.rendering import render_notice
from notifications.tasks import dispatch_pending, send_daily_digests
from tests.factories import OrganisationFactory, receive_petition, user_with_role
from tests.notifications.conftest import make_clock, stop_all_clocks
from workflows.models import ClockStatus

pytestmark = pytest.mark.django_db

D = datetime.date
TZ = timezone.get_current_timezone()


def morning(day):
    return time_machine.travel(datetime.datetime(day.year, day.month, day.day, 7, 0, tzinfo=TZ),
                               tick=False)


@pytest.fixture
def clocks(tree, clerk):
    """Wednesday 10/09/2025 in Kè Sắt: one clock overdue, two due this week, one next
    week, one overdue but stopped, one overdue but paused; one overdue in another commune."""
    other = OrganisationFactory(name="Đảng bộ xã Vĩnh Hồng", code="vinh-hong",
                                kind="commune", parent=tree.city)
    other_clerk = user_with_role("clerk", other)
    with morning(D(2025, 9, 10)):
        letters = [receive_petition(actor=clerk, organisation=tree.office,
                                    received_on=D(2025, 9, 1)) for _ in range(6)]
        elsewhere = receive_petition(actor=other_clerk, organisation=other,
                                     received_on=D(2025, 9, 1))
    stop_all_clocks()
    made = {
        "overdue": make_clock(letters[0], due_on=D(2025, 9, 5)),
        "today": make_clock(letters[1], due_on=D(2025, 9, 10)),
        "friday": make_clock(letters[2], due_on=D(2025, 9, 12)),
        "next_week": make_clock(letters[3], due_on=D(2025, 9, 18)),
        "stopped": make_clock(letters[4], due_on=D(2025, 9, 1), status=ClockStatus.STOPPED),
        "paused": make_clock(letters[5], due_on=D(2025, 9, 2), status=ClockStatus.PAUSED),
        "elsewhere": make_clock(elsewhere, due_on=D(2025, 9, 3)),
    }
    return {name: clock.pk for name, clock in made.items()}


def digests():
    return Notice.objects.filter(kind=NoticeKind.DIGEST)


def test_each_leader_gets_the_clocks_of_their_subtree(tree, clocks, mailed_leader,
                                                      city_leader):
    branch_leader = user_with_role("leader", tree.branch_b, username="bithu-thon-lai")
    with morning(D(2025, 9, 10)):
        assert send_daily_digests() == 2
    commune = digests().get(recipient=mailed_leader, channel=Channel.EMAIL)
    assert commune.cause_key == "digest:2025-09-10"
    assert commune.payload == {"overdue": [clocks["overdue"]],
                               "due_soon": [clocks["today"], clocks["friday"]]}
    assert digests().get(recipient=mailed_leader, channel=Channel.IN_APP).status == "sent"
    # The province's leaders see every commune under them.
    province = digests().get(recipient=city_leader, channel=Channel.EMAIL)
    assert province.payload["overdue"] == [clocks["elsewhere"], clocks["overdue"]]
    # A branch with nothing due: no digest at all.
    assert not digests().filter(recipient=branch_leader).exists()


def test_digest_text_groups_overdue_and_due_this_week(tree, clocks, mailed_leader):
    with morning(D(2025, 9, 10)):
        write_daily_digests()
        notice = digests().get(recipient=mailed_leader, channel=Channel.IN_APP)
        r = render_notice(notice)
    assert r.subject == ("Tổng hợp thời hạn ngày 10/09/2025: 01 quá hạn, "
                         "02 đến hạn trong tuần")
    overdue, soon = r.text.split("Quá hạn (01):")[1].split("Đến hạn trong tuần (02):")
    assert "Đơn số 001/2025/VPĐU – Giải quyết – hạn 05/09/2025 – quá hạn 05 ngày" in overdue
    assert "Đơn số 002/2025/VPĐU – Giải quyết – hạn 10/09/2025 – đến hạn" in soon
    assert "Đơn số 003/2025/VPĐU – Giải quyết – hạn 12/09/2025 – còn 02 ngày" in soon
    assert "004/2025" not in r.text and "005/2025" not in r.text
    assert [label for label, _ in r.links] == [
        "Đơn số 001/2025/VPĐU", "Đơn số 002/2025/VPĐU", "Đơn số 003/2025/VPĐU"]
    assert r.links[0][1] == reverse("casework:petition-detail",
                                    args=[_petition_of(clocks["overdue"])])


def _petition_of(clock_id):
    from workflows.models import DeadlineClock

    return DeadlineClock.objects.values_list("petition_id", flat=True).get(pk=clock_id)


def test_once_a_day_and_again_the_next_day(tree, clocks, mailed_leader):
    with morning(D(2025, 9, 10)):
        write_daily_digests()
        write_daily_digests()
    assert digests().count() == 2  # in-app and e-mail, once
    with morning(D(2025, 9, 11)):
        write_daily_digests()
    assert sorted(set(digests().values_list("cause_key", flat=True))) == [
        "digest:2025-09-10", "digest:2025-09-11"]


def test_digest_email_is_sent_once(tree, clocks, mailed_leader,
                                   django_capture_on_commit_callbacks):
    with morning(D(2025, 9, 10)):
        with django_capture_on_commit_callbacks(execute=True):
            send_daily_digests()
            send_daily_digests()
        dispatch_pending()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject.startswith("Tổng hợp thời hạn ngày 10/09/2025")
    assert "Quá hạn (01):" in message.body and "http://127.0.0.1:8000/don-thu/" in message.body
    assert "Xem thông báo: http://127.0.0.1:8000/thong-bao/#n" in message.body


def test_nothing_to_report_means_no_digest(tree, mailed_leader):
    with morning(D(2025, 9, 10)):
        assert write_daily_digests() == 0
    assert not digests().exists()


def test_an_inactive_leader_gets_none(tree, clocks, mailed_leader):
    mailed_leader.is_active = False
    mailed_leader.save()
    with morning(D(2025, 9, 10)):
        assert write_daily_digests() == 0

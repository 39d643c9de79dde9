"""The inbox: one's own in-app notices only, newest first, unread in bold, the unread
count in the menu, and marking read one by one, all at once, or by opening."""
import pytest
from django.test import RequestFactory
from django.urls import reverse

from notifications.context_processors import unread_notices
from notifications.models import Channel, Notice
from tests.factories import receive_petition

pytestmark = pytest.mark.django_db

INBOX = reverse("notifications:inbox")


@pytest.fixture
def letters(tree, mailed_clerk, mailed_leader):
    """Three complaints: three event notices for the leader (in-app and e-mail each)."""
    return [receive_petition(actor=mailed_clerk, organisation=tree.office, kind="complaint")
            for _ in range(3)]


def own(user):
    return Notice.objects.filter(recipient=user, channel=Channel.IN_APP)


def test_inbox_lists_own_in_app_notices_newest_first(client, letters, mailed_leader):
    client.force_login(mailed_leader)
    page = client.get(INBOX)
    html = page.content.decode()
    assert page.status_code == 200
    rows = [n for n, _ in page.context["rows"]]
    assert [n.channel for n in rows] == ["in_app"] * 3
    assert [n.petition_id for n in rows] == [p.pk for p in reversed(letters)]
    assert html.index("003/2025") < html.index("002/2025") < html.index("001/2025")
    assert html.count('class="notice unread') == 3
    assert 'nav-count' in html and ">3</span>" in html


def test_nobody_sees_or_touches_another_users_notice(client, letters, mailed_clerk,
                                                     mailed_leader):
    theirs = own(mailed_leader).first()
    client.force_login(mailed_clerk)
    assert client.get(INBOX).context["rows"] == []
    assert client.get(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("notifications:mark-read", args=[theirs.pk])).status_code == 404
    client.post(reverse("notifications:mark-all-read"))
    theirs.refresh_from_db()
    assert theirs.read_at is None
    # E-mail copies are not inbox entries, even for their recipient.
    client.force_login(mailed_leader)
    email_copy = Notice.objects.filter(recipient=mailed_leader, channel=Channel.EMAIL).first()
    assert client.get(reverse("notifications:open", args=[email_copy.pk])).status_code == 404


def test_opening_a_notice_marks_it_read_and_goes_to_the_case(client, letters, mailed_leader):
    client.force_login(mailed_leader)
    notice = own(mailed_leader).get(petition=letters[0])
    response = client.get(reverse("notifications:open", args=[notice.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("casework:petition-detail", args=[letters[0].pk])
    notice.refresh_from_db()
    assert notice.read_at is not None
    assert own(mailed_leader).filter(read_at__isnull=True).count() == 2
    # The leader may see the case the link leads to.
    assert client.get(response["Location"]).status_code == 200


def test_mark_one_and_mark_all_read(client, letters, mailed_leader):
    client.force_login(mailed_leader)
    first = own(mailed_leader).order_by("pk").first()
    response = client.post(reverse("notifications:mark-read", args=[first.pk]), {"trang": "1"})
    assert response["Location"] == INBOX + "?trang=1"
    assert client.get(INBOX).context["unread_notice_count"] == 2
    assert client.get(reverse("notifications:mark-read", args=[first.pk])).status_code == 405
    response = client.post(reverse("notifications:mark-all-read"), follow=True)
    assert response.context["unread_notice_count"] == 0
    assert "Đã đánh dấu 02 thông báo là đã đọc." in response.content.decode()
    assert 'class="notice unread' not in response.content.decode()


def test_marking_read_needs_the_csrf_token(letters, mailed_leader):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(mailed_leader)
    assert client.post(reverse("notifications:mark-all-read")).status_code == 403
    assert own(mailed_leader).filter(read_at__isnull=True).count() == 3


def test_inbox_is_paginated_by_fifty(client, letters, mailed_leader):
    model = own(mailed_leader).first()
    Notice.objects.bulk_create([
        Notice(cause_key=f"copy:{i}", kind="event", recipient=mailed_leader, channel="in_app",
               status="sent", event_id=model.event_id, petition_id=model.petition_id)
        for i in range(48)
    ])
    client.force_login(mailed_leader)
    first, second = client.get(INBOX), client.get(INBOX + "?trang=2")
    assert len(first.context["rows"]) == 50 and len(second.context["rows"]) == 1
    assert "Trang 2/2" in second.content.decode()


def test_unread_count_is_one_query_and_none_when_logged_out(letters, mailed_leader,
                                                            django_assert_num_queries):
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/")
    request.user = mailed_leader
    with django_assert_num_queries(1):
        assert unread_notices(request) == {"unread_notice_count": 3}
    request.user = AnonymousUser()
    with django_assert_num_queries(0):
        assert unread_notices(request) == {}


def test_login_required(client):
    response = client.get(INBOX)
    assert response.status_code == 302 and reverse("login") in response["Location"]

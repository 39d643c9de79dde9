"""The leaders' overview (/tong-quan/): its figures equal the lists they link to, a
provincial leader sees one row per commune and drills down, nobody sees outside their
scope, and the page's query count does not grow with letters, units or communes."""
import datetime
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casework.models import OrgKind
from casework.services import petitions as services
from tests.factories import OrganisationFactory, receive_petition, user_with_role
from workflows.default_rules import install_default_rules
from workflows.models import (
    DeadlineClock,
    DeadlineRule,
)

pytestmark = pytest.mark.django_db
D = datetime.date
URL = "/tong-quan/"
TODAY = D(2026, 11, 18)


@pytest.fixture(autouse=True)
def deadline_rules(db):
    """The shipped deadline rules: a transactional test before this one may have flushed
    them, and without them no letter has a deadline."""
    install_default_rules(DeadlineRule)



@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(timezone.make_aware(datetime.datetime(2026, 11, 18, 10)),
                             tick=False):
        yield TODAY


def letters(actor, organisation, n, *, kind="complaint", received_on=None):
    received_on = received_on or D(2026, 9, 1)
    return [receive_petition(actor=actor, organisation=organisation, kind=kind,
                             sender=f"Người gửi {i}", received_on=received_on)
            for i in range(n)]


def links(page, prefix):
    """(href, number shown) of every link on the page into `prefix` with a number as text."""
    return [(href.replace("&amp;", "&"), int(text.replace(".", "")))
            for href, text in re.findall(r'<a href="(' + re.escape(prefix)
                                         + r'[^"]*)">([\d.]+)</a>', page)]


def test_every_number_equals_the_list_it_opens(tree, client):
    boss = user_with_role("clerk", tree.commune, username="vanphong")
    letters(boss, tree.office, 3)  # classification clocks overdue by now
    letters(boss, tree.ubkt, 2, kind="denunciation", received_on=D(2026, 11, 13))  # due soon
    resolved = letters(boss, tree.branch_a, 1, received_on=D(2026, 11, 2))[0]
    services.petition_classify(actor=boss, petition_id=resolved.pk, kind="recommendation",
                               competence="here")
    services.petition_guide(actor=boss, petition_id=resolved.pk,
                            reason="Hướng dẫn gửi đơn đến UBND xã.")
    leader = user_with_role("leader", tree.commune, username="lanhdao")
    client.force_login(leader)
    response = client.get(URL)
    assert response.status_code == 200
    total = response.context["total"]
    running = DeadlineClock.objects.filter(status="running", lapses=False)
    assert total.overdue_total == total.overdue_letters == running.filter(
        due_on__lt=TODAY).count() > 0
    assert total.soon_total == running.filter(due_on__gte=TODAY).count() > 0
    assert total.received == 6 and total.closed == 1
    page = response.content.decode()
    clock_links = links(page, "/thoi-han/")
    register_links = links(page, "/don-thu/")
    assert clock_links and register_links
    for href, shown in clock_links:
        tables = client.get(href).context["tables"]
        table = tables[0] if href.endswith("#qua-han") else tables[1]
        assert table["total"] == shown, href
    for href, shown in register_links:
        assert client.get(href).context["total"] == shown, href
    # The handler-less deadlines too, and the kinds.
    assert any("nguoi-xu-ly=" in href for href, _n in clock_links)
    assert any("loai=denunciation" in href for href, _n in clock_links)


def test_a_leader_lands_on_the_overview_and_a_clerk_on_the_register(tree, client):
    client.force_login(user_with_role("leader", tree.commune, username="lanhdao"))
    assert client.get("/").url == URL
    client.force_login(user_with_role("clerk", tree.office, username="vanphong"))
    assert client.get("/").url == reverse("casework:petition-list")


def provincial_world(tree, n_communes):
    boss = user_with_role("clerk", tree.city, username="tinh.vp")
    communes = []
    for i in range(n_communes):
        commune = OrganisationFactory(name=f"Đảng bộ xã Mẫu {i}", code=f"xa-mau-{i}",
                                      kind=OrgKind.COMMUNE, parent=tree.city)
        office = OrganisationFactory(name=f"Văn phòng xã Mẫu {i}", code=f"vp-mau-{i}",
                                     kind=OrgKind.AGENCY, parent=commune)
        letters(boss, office, 1)
        communes.append(commune)
    return communes


def test_a_provincial_leader_sees_one_row_per_commune_and_drills_down(tree, client):
    communes = provincial_world(tree, 3)
    letters(user_with_role("clerk", tree.office, username="vp"), tree.office, 2)
    client.force_login(user_with_role("leader", tree.city, username="lanhdao.tinh"))
    response = client.get(URL)
    rows = response.context["units"]
    assert [r.organisation.code for r in rows] == ["ke-sat", "xa-mau-0", "xa-mau-1", "xa-mau-2"]
    # Two letters in Kè Sắt, one in each other commune: a complaint has two clocks.
    per_letter = rows[1].overdue_total
    assert per_letter and [r.overdue_total for r in rows] == [2 * per_letter] + [per_letter] * 3
    assert response.context["total"].overdue_total == 5 * per_letter
    drilled = client.get(URL, {"don-vi": communes[1].code})
    assert drilled.context["focus"] == communes[1]
    assert [r.organisation.code for r in drilled.context["units"]] == ["vp-mau-1"]
    assert drilled.context["breadcrumb"] == [tree.city]


def test_a_commune_leader_cannot_open_another_commune(tree, client):
    other = provincial_world(tree, 1)[0]
    client.force_login(user_with_role("leader", tree.commune, username="lanhdao"))
    response = client.get(URL, {"don-vi": other.code})
    assert response.context["focus"] == tree.commune
    assert response.context["total"].overdue_total == 0
    assert "không có hoặc bạn không được xem" in response.content.decode()
    assert other.name not in response.content.decode()


def test_the_chart_data_is_json_and_the_table_is_its_fallback(tree, client):
    boss = user_with_role("clerk", tree.commune, username="vanphong")
    letters(boss, tree.office, 2, received_on=D(2026, 3, 5))
    letters(boss, tree.office, 1, received_on=D(2025, 10, 5))  # 14 months back: not shown
    client.force_login(user_with_role("leader", tree.commune, username="lanhdao"))
    response = client.get(URL)
    page = response.content.decode()
    assert '<script id="ov-chart-data" type="application/json">' in page
    chart = response.context["chart"]
    assert len(chart["labels"]) == 12 and chart["labels"][0] == "12/2025"
    assert sum(chart["received"]) == 2 and chart["received"][3] == 2
    assert "vendor/chartjs/chart.umd.min.js" in page
    assert "<script>" not in page  # no inline script


def count_queries(client, params=None):
    client.get(URL, params or {})  # warm
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL, params or {})
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_queries_do_not_grow_with_letters_and_units(tree, client):
    boss = user_with_role("clerk", tree.commune, username="vanphong")
    client.force_login(user_with_role("leader", tree.commune, username="lanhdao"))
    counts = []
    for n in (5, 50):
        while len(list(tree.commune.children.all())) < n:
            i = tree.commune.children.count()
            branch = OrganisationFactory(name=f"Chi bộ {i}", code=f"cb-{i}", parent=tree.commune)
            handler = user_with_role("branch_secretary", branch, username=f"bt-{i}")
            letters(handler, branch, 1)
        letters(boss, tree.office, n)
        counts.append(count_queries(client))
    assert counts[0] == counts[1], counts


def test_provincial_queries_do_not_grow_with_communes(tree, client):
    client.force_login(user_with_role("leader", tree.city, username="lanhdao.tinh"))
    counts = []
    made = 0
    for n in (5, 50):
        extra = provincial_world_more(tree, made, n)
        made = n
        assert extra
        counts.append(count_queries(client))
    assert counts[0] == counts[1], counts


def provincial_world_more(tree, start, end):
    from django.contrib.auth import get_user_model

    boss = (get_user_model().objects.filter(username="tinh.vp").first()
            or user_with_role("clerk", tree.city, username="tinh.vp"))
    made = []
    for i in range(start, end):
        commune = OrganisationFactory(name=f"Đảng bộ xã Mẫu {i}", code=f"xa-mau-{i}",
                                      kind=OrgKind.COMMUNE, parent=tree.city)
        office = OrganisationFactory(name=f"Văn phòng xã Mẫu {i}", code=f"vp-mau-{i}",
                                     kind=OrgKind.AGENCY, parent=commune)
        letters(boss, office, 1)
        made.append(commune)
    return made


def test_the_deadlines_page_says_how_it_is_filtered(tree, client):
    boss = user_with_role("clerk", tree.commune, username="vanphong")
    letters(boss, tree.office, 2)
    letters(boss, tree.ubkt, 1, kind="denunciation")
    client.force_login(user_with_role("leader", tree.commune, username="lanhdao"))
    page = client.get("/thoi-han/", {"don-vi": "ubkt", "loai": "denunciation"})
    text = page.content.decode()
    assert "Đang lọc" in text and "Ủy ban Kiểm tra Đảng ủy" in text and "Tố cáo" in text
    assert {c.petition.organisation.code for c in page.context["tables"][0]["rows"]} == {"ubkt"}
    handler = DeadlineClock.objects.filter(organisation=tree.office).first().assignee
    page = client.get("/thoi-han/", {"nguoi-xu-ly": handler.pk if handler else "chua-giao"})
    assert page.context["tables"][0]["total"] == DeadlineClock.objects.filter(
        assignee=handler, status="running", due_on__lt=TODAY).count()
    bad = client.get("/thoi-han/", {"nguoi-xu-ly": "abc", "don-vi": "khong-co"})
    assert "Điều kiện lọc chưa hợp lệ" in bad.content.decode()
    assert "không phải mã người dùng" in bad.content.decode()
    # Another commune's unit is not a choice: refused, not shown.
    other = provincial_world(tree, 1)[0]
    assert "Điều kiện lọc chưa hợp lệ" in client.get(
        "/thoi-han/", {"don-vi": other.code}).content.decode()

"""Việc của tôi: each user sees the next steps their roles allow, on letters of their own
organisations and on their case tasks, most urgent first; nobody sees another commune's
work, and a protected letter never shows its sender."""
import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from casework.models import OrgKind
from casework.services.inspections import case_open, case_step
from casework.services.petitions import petition_accept, petition_classify
from tests.factories import (
    MemberFactory,
    OrganisationFactory,
    UserFactory,
    receive_petition,
    user_with_role,
)
from workflows.calendar import get_calendar
from workflows.case_processes import sync_case_process
from workflows.my_work import case_items, letter_items, letters_to_act_on

pytestmark = pytest.mark.django_db
D = dt.date
TODAY = D(2026, 3, 20)  # a Friday


def at(day):
    return dt.datetime.combine(day, dt.time(9), tzinfo=dt.timezone(dt.timedelta(hours=7)))


@pytest.fixture
def ubkt_member(tree):
    return user_with_role("ubkt", tree.ubkt, username="uv-ubkt")


@pytest.fixture
def letters(tree, clerk, ubkt_member):
    """Three kiến nghị received on different days (classify: 10 working days), and a tố cáo
    classified as the commune's to handle, waiting for the thụ lý decision."""
    with time_machine.travel(at(D(2026, 3, 2)), tick=False):
        late = receive_petition(actor=clerk, organisation=tree.office, received_on=D(2026, 3, 2))
        also_late = receive_petition(actor=clerk, organisation=tree.office,
                                     received_on=D(2026, 3, 2))
    with time_machine.travel(at(D(2026, 3, 18)), tick=False):
        fresh = receive_petition(actor=clerk, organisation=tree.office,
                                 received_on=D(2026, 3, 18))
        denunciation = receive_petition(actor=clerk, organisation=tree.office,
                                        kind="denunciation", sender="Trần Thị Tố Giác",
                                        received_on=D(2026, 3, 18))
        petition_classify(actor=clerk, petition_id=denunciation.pk, kind="denunciation",
                          competence="here")
    return type("Letters", (), dict(late=late, also_late=also_late, fresh=fresh,
                                    denunciation=denunciation))


def items_for(user, day=TODAY):
    with time_machine.travel(at(day), tick=False):
        return letter_items(user, day, get_calendar())


def test_the_clerk_sees_letters_to_classify_overdue_first(letters, clerk):
    items, total = items_for(clerk)
    # The tố cáo waits for thụ lý, a decision the clerk's role does not take.
    assert total == 3
    assert [i.what for i in items] == ["Phân loại đơn"] * 3
    assert [i.number for i in items][-1] == letters.fresh.receipt_number
    assert [i.due_on for i in items] == [D(2026, 3, 16), D(2026, 3, 16), D(2026, 4, 1)]
    assert items[0].state.text == "quá hạn 04 ngày làm việc"
    assert items[-1].state.text == "còn 08 ngày làm việc"
    assert items[0].url == reverse("casework:petition-transition",
                                   args=[letters.late.pk, "classify"])


def test_the_decision_is_on_the_deciders_list_not_the_clerks(tree, letters, clerk, leader,
                                                             ubkt_member):
    commune_ubkt = user_with_role("ubkt", tree.commune, username="uv-ubkt-xa")
    assert [(i.number, i.what) for i in items_for(leader)[0]] == [
        (letters.denunciation.receipt_number, "Thụ lý giải quyết")]
    # A UBKT member both decides and handles: the thụ lý and the classifications.
    assert sorted(i.what for i in items_for(commune_ubkt)[0]) == [
        "Phân loại đơn", "Phân loại đơn", "Phân loại đơn", "Thụ lý giải quyết"]
    assert letters.denunciation not in letters_to_act_on(clerk)
    # A role held at the UBKT agency covers its own subtree, not the office's letters.
    assert items_for(ubkt_member) == ([], 0)
    # Once accepted, resolving is everybody's handling work (the leader's too).
    with time_machine.travel(at(TODAY), tick=False):
        petition_accept(actor=leader, petition_id=letters.denunciation.pk,
                        doc_number="01/TB", doc_date=TODAY)
    assert [i.what for i in items_for(leader)[0]] == ["Ghi nhận kết quả giải quyết"]
    assert "Ghi nhận kết quả giải quyết" in [i.what for i in items_for(clerk)[0]]


def test_another_commune_sees_nothing_and_a_viewer_has_nothing_to_do(client, tree, letters):
    other = OrganisationFactory(name="Đảng bộ xã Hồng Phong", code="hong-phong",
                                kind=OrgKind.COMMUNE, parent=tree.city)
    outsider = user_with_role("leader", other, username="hongphong")
    viewer = user_with_role("viewer", tree.commune, username="xem")
    for user in (outsider, viewer):
        assert items_for(user) == ([], 0)
        client.force_login(user)
        with time_machine.travel(at(TODAY), tick=False):
            response = client.get(reverse("workflows:my-work"))
        assert response.status_code == 200
        html = response.content.decode()
        assert letters.late.receipt_number not in html
        assert "Đơn thư <span class=\"count\">(00)</span>" in html


def test_the_page_lists_both_sections_and_never_a_protected_sender(client, tree, leader,
                                                                   letters):
    client.force_login(leader)
    with time_machine.travel(at(TODAY), tick=False):
        response = client.get(reverse("workflows:my-work"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Việc của tôi" in html and reverse("workflows:my-work") in html  # nav link
    assert letters.denunciation.receipt_number in html
    assert "Tố Giác" not in html and "Tố cáo" in html
    assert "Kiểm tra, giám sát <span class=\"count\">(00)</span>" in html


def test_login_is_required(client):
    response = client.get(reverse("workflows:my-work"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


# ---- cases --------------------------------------------------------------------------------

def open_case(tree, decider, team_leader, *, title, day, ends_on, team=()):
    with time_machine.travel(at(day), tick=False):
        return case_open(
            actor=decider, organisation=tree.ubkt, body="ubkt", kind="violation_signs",
            title=title, decision_number="05-QĐ/UBKT", decision_date=day, starts_on=day,
            ends_on=ends_on, team_leader=team_leader, team=team,
            subject_member=MemberFactory(organisation=tree.branch_a))


def test_case_tasks_mine_and_claimable_most_urgent_first(client, tree, ubkt_member):
    team_leader = UserFactory(username="truong-doan")
    member = UserFactory(username="thanh-vien")
    # Opened 02/03: announce due 16/03 (10 working days), overdue on 20/03.
    old = open_case(tree, ubkt_member, team_leader, title="Cuộc cũ", day=D(2026, 3, 2),
                    ends_on=D(2026, 5, 29), team=[member])
    # Opened 18/03: announce due 01/04.
    new = open_case(tree, ubkt_member, team_leader, title="Cuộc mới", day=D(2026, 3, 18),
                    ends_on=D(2026, 5, 29))
    with time_machine.travel(at(TODAY), tick=False):
        items, total = case_items(team_leader, TODAY, get_calendar())
    assert total == 2
    assert [(i.number, i.what, i.note) for i in items] == [
        (old.number, "Công bố quyết định", "Giao cho bạn"),
        (new.number, "Công bố quyết định", "Giao cho bạn")]
    assert [i.due_on for i in items] == [D(2026, 3, 16), D(2026, 4, 1)]
    assert items[0].state.level == "overdue"
    assert items[0].title == "Kiểm tra khi có dấu hiệu vi phạm: Cuộc cũ"
    client.force_login(team_leader)
    with time_machine.travel(at(TODAY), tick=False):
        html = client.get(reverse("workflows:my-work")).content.decode()
    assert html.index(old.number) < html.index(new.number)
    assert "quá hạn 04 ngày làm việc" in html
    assert "Kiểm tra, giám sát <span class=\"count\">(02)" in html
    # The other team member may take over the field work of the case they are on only.
    with time_machine.travel(at(TODAY), tick=False):
        member_items, _ = case_items(member, TODAY, get_calendar())
    assert [(i.number, i.note) for i in member_items] == [(old.number, "Có thể nhận")]
    # The decision steps wait in the deciding body's queue.
    with time_machine.travel(at(TODAY), tick=False):
        for action in ("announce", "explain", "verify", "report", "meet"):
            case_step(actor=team_leader, case_id=old.pk, action=action)
        sync_case_process(old)  # steps taken outside the task pages, as the demo loader does
        decider_items, _ = case_items(ubkt_member, TODAY, get_calendar())
    assert [(i.number, i.what, i.note) for i in decider_items] == [
        (old.number, "Kết luận", "Có thể nhận")]
    # An outsider has no case work here.
    outsider = user_with_role("leader", OrganisationFactory(code="khac", kind=OrgKind.COMMUNE,
                                                            parent=tree.city), username="khac")
    with time_machine.travel(at(TODAY), tick=False):
        assert case_items(outsider, TODAY, get_calendar()) == ([], 0)


@pytest.mark.parametrize("limit", [1, 5, 12, 40])
def test_urgent_letters_read_from_the_clocks_equal_the_grouped_order(tree, clerk, limit):
    """`urgent_letters` walks the running clocks in due order; the simple query groups
    every letter with its clocks and sorts on the earliest due date (nulls last), then
    received date, then id. Same rows, same order, on 30 letters with ties, a second
    clock on some, a lapsing window on some and no running clock on others."""
    from django.db.models import F, Min, Q

    from workflows.models import ClockStatus, DeadlineClock
    from workflows.my_work import urgent_letters

    made = [receive_petition(actor=clerk, organisation=tree.office,
                             received_on=D(2026, 3, 1 + i % 4)) for i in range(30)]
    for i, letter in enumerate(made):
        clock = DeadlineClock.objects.filter(petition=letter).first()
        DeadlineClock.objects.filter(pk=clock.pk).update(
            due_on=D(2026, 4, 1 + (i * 7) % 9),
            status=ClockStatus.STOPPED if i % 6 == 0 else ClockStatus.RUNNING)
        if i % 4 == 1:  # a second running clock, due earlier or later than the first
            clock.pk = None
            clock.due_on = D(2026, 4, 1 + (i * 5) % 11)
            clock.lapses = i % 8 == 1  # a window of a right: not a deadline to meet
            clock.save()
    letters = letters_to_act_on(clerk)
    running = Q(clocks__status=ClockStatus.RUNNING, clocks__lapses=False)
    plain = list(letters.annotate(due=Min("clocks__due_on", filter=running))
                 .order_by(F("due").asc(nulls_last=True), "received_on", "pk")[:limit])
    found = urgent_letters(letters, limit)
    assert [p.pk for p in found] == [p.pk for p in plain]
    assert [p.due for p in found] == [p.due for p in plain]
    assert letters.count() == 30


def test_a_province_sees_its_communes_then_drills_down(client, tree, clerk):
    """A leader over several communes: one line per commune with its count and a link,
    the most urgent letters across them; ?don-vi= lists one commune's; a unit outside the
    scope or a misspelt parameter is said."""
    other = OrganisationFactory(name="Đảng bộ xã Lại Sơn", code="lai-son", kind=OrgKind.COMMUNE,
                                parent=tree.city)
    other_office = OrganisationFactory(name="Văn phòng Lại Sơn", code="vp-ls", parent=other,
                                       kind=OrgKind.AGENCY, symbol="VPLS")
    boss = UserFactory(username="quantri", is_superuser=True, is_staff=True)
    received = [receive_petition(actor=boss, organisation=unit, kind="denunciation",
                                 received_on=D(2026, 3, 2 + i))
                for i, unit in enumerate([tree.office] * 3 + [other_office])]
    for letter in received:  # classified: the decision to accept is a leader's
        petition_classify(actor=boss, petition_id=letter.pk, kind="denunciation",
                          competence="here")
    province = user_with_role("leader", tree.city, username="lanhdao-tinh")
    client.force_login(province)
    url = reverse("workflows:my-work")
    response = client.get(url)
    section = response.context["sections"][0]
    assert {g.organisation: g.letters for g in section["groups"]} == {tree.commune: 3, other: 1}
    assert section["total"] == 4 and len(section["rows"]) == 4
    assert f'href="?don-vi={other.pk}"' in response.content.decode()
    inside = client.get(url, {"don-vi": other.pk}).context["sections"][0]
    assert inside["groups"] is None and inside["unit"] == other and inside["total"] == 1
    assert [i.organisation for i in inside["rows"]] == [other_office.name]
    lost = client.get(url, {"don-vi": "999999", "donvi": "1"})
    page = lost.content.decode()
    assert "Không có đơn vị “999999” trong phạm vi của bạn" in page
    assert "Không hiểu tham số lọc “donvi”" in page
    assert lost.context["sections"][0]["total"] == 4

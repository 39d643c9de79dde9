"""Deadline clocks on the pages, driven over HTTP as a browser would: the case page's
"Thời hạn xử lý" panel, the pause / resume / extend pages, and the overview. Due dates are
the hand computations of tests/workflows/test_clocks.py."""
import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from casework.models import OrgKind
from casework.services.petitions import petition_accept, petition_classify
from tests.factories import OrganisationFactory, receive_petition, user_with_role
from workflows.models import ClockEntryKind, ClockStatus, DeadlineClock
from workflows.services.clocks import compute

D = dt.date


def at(day, hour=9):
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.timezone(dt.timedelta(hours=7)))


def text(response):
    """The page as a person reads it: tags dropped, whitespace collapsed."""
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def case_url(petition):
    return reverse("casework:petition-detail", args=[petition.pk])


def action_url(name, clock):
    return reverse(f"workflows:clock-{name}", args=[clock.pk])


@pytest.fixture
def ubkt_member(tree):
    return user_with_role("ubkt", tree.commune, username="ubkt")


@pytest.fixture
def denunciation(tree, clerk, ubkt_member):
    """A tố cáo received Mon 02/03/2026, accepted (thụ lý) Thu 05/03/2026: resolve within
    30 days -> Sat 04/04/2026 -> rolled to Mon 06/04/2026."""
    with time_machine.travel(at(D(2026, 3, 2)), tick=False):
        letter = receive_petition(actor=clerk, organisation=tree.office, kind="denunciation",
                                  received_on=D(2026, 3, 2))
    with time_machine.travel(at(D(2026, 3, 5)), tick=False):
        petition_classify(actor=clerk, petition_id=letter.pk, kind="denunciation",
                          competence="here")
        petition_accept(actor=ubkt_member, petition_id=letter.pk, doc_number="01/TB-UBKT",
                        doc_date=D(2026, 3, 5))
    clock = DeadlineClock.objects.get(petition=letter, rule__step="resolve")
    assert clock.due_on == D(2026, 4, 6)
    return letter, clock


def post_and_follow(client, url, data):
    response = client.post(url, data)
    assert response.status_code == 302, text(response)[:3000]
    return response, client.get(response["Location"])


def test_case_page_shows_the_clock_its_due_date_and_how_it_was_computed(client, clerk,
                                                                        denunciation):
    letter, clock = denunciation
    client.force_login(clerk)
    with time_machine.travel(at(D(2026, 3, 5)), tick=False):
        response = client.get(case_url(letter))
    page, html = text(response), response.content.decode()
    assert "Thời hạn xử lý" in page
    assert "Giải quyết" in page
    assert "Hạn: Thứ Hai, 06/04/2026 – còn 32 ngày" in page
    assert "Căn cứ: Luật Tố cáo 2018, Điều 30" in page
    # The explanation: the rule, the calendar's reasoning, the ledger.
    assert "Cách tính hạn" in page
    assert "30 ngày kể từ ngày sau ngày 05/03/2026" in page
    # The calendar's own sentences (their wording belongs to the calendar), among them
    # the roll from Sat 04/04/2026 to Mon 06/04/2026.
    sentences = compute(clock).calendar_explanation.lines()
    assert sentences
    for sentence, items in sentences:
        assert escape(sentence) in html
        assert all(escape(item) in html for item in items)
    assert "04/04/2026" in page
    assert "05/03/2026 · Bắt đầu tính" in page
    # The stopped classify clock is listed after it, met on time.
    assert page.index("Hạn: Thứ Hai, 06/04/2026") < page.index("Phân loại, xử lý đơn")
    assert "kết thúc ngày 05/03/2026: đúng hạn" in page
    # The clerk may pause (follow-up work) but not extend (a leader's decision).
    assert action_url("pause", clock) in html
    assert action_url("extend", clock) not in html
    assert action_url("resume", clock) not in html


def test_pause_resume_and_two_extensions_through_the_pages(client, clerk, leader, ubkt_member,
                                                           denunciation):
    letter, clock = denunciation
    client.force_login(clerk)
    with time_machine.travel(at(D(2026, 3, 10)), tick=False):
        form = text(client.get(action_url("pause", clock)))
        assert "Ngày tạm dừng" in form and "Thứ Hai, 06/04/2026" in form
        _, page = post_and_follow(client, action_url("pause", clock),
                                  {"on": "10/03/2026", "reason": "Chờ bổ sung tài liệu."})
        page = text(page)
    assert "Đã ghi: tạm dừng thời hạn “Giải quyết” từ ngày 10/03/2026." in page
    assert "tạm dừng từ 10/03/2026" in page
    assert "Chờ bổ sung tài liệu." in page
    html = page_html(client, letter, D(2026, 3, 10))
    assert action_url("resume", clock) in html and action_url("pause", clock) not in html

    with time_machine.travel(at(D(2026, 3, 20)), tick=False):
        _, page = post_and_follow(client, action_url("resume", clock),
                                  {"on": "20/03/2026", "reason": ""})
        page = text(page)
    # Paused 10/03 -> 20/03: 10 days not counted, 30 + 10 = 40 days -> Tue 14/04/2026.
    assert "hạn mới: Thứ Ba, 14/04/2026" in page
    assert "Hạn: Thứ Ba, 14/04/2026 – còn 25 ngày" in page
    assert "Tạm dừng từ 10/03/2026 đến 20/03/2026: không tính 10 ngày." in page

    client.force_login(leader)
    with time_machine.travel(at(D(2026, 4, 1)), tick=False):
        form = text(client.get(action_url("extend", clock)))
        assert "Gia hạn tối đa 2 lần, mỗi lần không quá 30 ngày; đã gia hạn 0 lần." in form
        _, page = post_and_follow(client, action_url("extend", clock), {
            "days": "30", "decision_number": "15/QĐ-UBKT", "decision_date": "01/04/2026",
            "reason": "Vụ việc phức tạp"})
        page = text(page)
    # 40 + 30 = 70 days from 05/03/2026 -> Thu 14/05/2026.
    assert ("Đã ghi: gia hạn thời hạn “Giải quyết” thêm 30 ngày theo quyết định số "
            "15/QĐ-UBKT; hạn mới: Thứ Năm, 14/05/2026.") in page
    assert "Hạn: Thứ Năm, 14/05/2026" in page
    assert "quyết định số 15/QĐ-UBKT ngày 01/04/2026" in page
    assert "Hạn 14/04/2026 → 14/05/2026" in page

    client.force_login(ubkt_member)
    with time_machine.travel(at(D(2026, 5, 8)), tick=False):
        form = text(client.get(action_url("extend", clock)))
        assert "đã gia hạn 1 lần" in form
        _, page = post_and_follow(client, action_url("extend", clock), {
            "days": "30", "decision_number": "22/QĐ-UBKT", "decision_date": "08/05/2026",
            "reason": "Vụ việc đặc biệt phức tạp"})
        page = text(page)
        # 100 days -> Sat 13/06/2026 -> rolled to Mon 15/06/2026.
        assert "Hạn: Thứ Hai, 15/06/2026 – còn 38 ngày" in page
        html = page_html(client, letter, D(2026, 5, 8))
        assert action_url("extend", clock) not in html  # both extensions used

        # A third extension is refused, by the page and by the service behind it.
        client.force_login(leader)
        response = client.get(action_url("extend", clock))
        assert response.status_code == 302 and response["Location"] == case_url(letter)
        assert "chỉ cho phép gia hạn tối đa 2 lần" in text(client.get(case_url(letter)))
        _, page = post_and_follow(client, action_url("extend", clock), {
            "days": "10", "decision_number": "30/QĐ", "decision_date": "08/05/2026",
            "reason": "Lần ba"})
        assert ("Quy tắc “Tố cáo – Giải quyết” chỉ cho phép gia hạn tối đa 2 lần; thời hạn "
                "này đã gia hạn 2 lần.") in text(page)
    clock.refresh_from_db()
    assert clock.due_on == D(2026, 6, 15) and clock.extensions_used == 2
    assert list(clock.entries.values_list("kind", flat=True)) == [
        "start", "pause", "resume", "extend", "extend"]


def page_html(client, petition, day):
    with time_machine.travel(at(day), tick=False):
        return client.get(case_url(petition)).content.decode()


def test_a_viewer_sees_no_buttons_and_is_refused_when_posting(client, tree, denunciation):
    letter, clock = denunciation
    viewer = user_with_role("viewer", tree.commune, username="xem")
    client.force_login(viewer)
    with time_machine.travel(at(D(2026, 3, 10)), tick=False):
        response = client.get(case_url(letter))
        html = response.content.decode()
        assert "Thứ Hai, 06/04/2026" in html
        for name in ("pause", "resume", "extend"):
            assert action_url(name, clock) not in html
        response = client.post(action_url("pause", clock), {"on": "10/03/2026", "reason": "Thử"})
    assert response.status_code == 403
    assert "Vai trò của bạn không được phép thực hiện thao tác này" in text(response)
    clock.refresh_from_db()
    assert clock.status == ClockStatus.RUNNING
    assert not clock.entries.filter(kind=ClockEntryKind.PAUSE).exists()


def test_another_commune_gets_404_and_sees_nothing_on_the_overview(client, tree, denunciation):
    letter, clock = denunciation
    other = OrganisationFactory(name="Đảng bộ xã Hồng Phong", code="hong-phong",
                                kind=OrgKind.COMMUNE, parent=tree.city)
    outsider = user_with_role("leader", other, username="hongphong")
    client.force_login(outsider)
    with time_machine.travel(at(D(2026, 4, 3)), tick=False):
        for name in ("pause", "resume", "extend"):
            assert client.get(action_url(name, clock)).status_code == 404
            assert client.post(action_url(name, clock), {"on": "03/04/2026", "reason": "x",
                                                         "days": "5"}).status_code == 404
        response = client.get(reverse("workflows:clock-overview"))
    assert response.status_code == 200
    html = response.content.decode()
    assert case_url(letter) not in html and letter.receipt_number not in html
    assert all(not t["rows"] and t["total"] == 0 for t in response.context["tables"])
    assert "0 thời hạn đến hạn sau ngày" in text(response)
    clock.refresh_from_db()
    assert clock.status == ClockStatus.RUNNING and clock.entries.count() == 1


def test_bad_input_is_named_on_its_field(client, clerk, leader, denunciation):
    letter, clock = denunciation
    client.force_login(clerk)
    with time_machine.travel(at(D(2026, 3, 10)), tick=False):
        response = client.post(action_url("pause", clock), {"on": "31/02/2026", "reason": ""})
        assert response.status_code == 200
        assert "dd/mm/yyyy" in " ".join(response.context["form"].errors["on"])
        response = client.post(action_url("pause", clock), {"on": "10/03/2026", "reason": " "})
        assert response.context["form"].errors["reason"] == ["Chưa nhập lý do tạm dừng."]
        assert "Chưa nhập lý do tạm dừng." in text(response)
        response = client.post(action_url("pause", clock), {"on": "11/03/2026", "reason": "x"})
        assert "không được sau ngày hôm nay" in " ".join(response.context["form"].errors["on"])
        client.force_login(leader)
        response = client.post(action_url("extend", clock), {
            "days": "31", "decision_number": "", "decision_date": "", "reason": "Phức tạp"})
        errors = response.context["form"].errors
        assert errors["days"] == ["Mỗi lần gia hạn không quá 30 ngày."]
        assert errors["decision_number"] == ["Chưa nhập số quyết định gia hạn."]
        assert "Mỗi lần gia hạn không quá 30 ngày." in text(response)
        response = client.post(action_url("extend", clock), {
            "days": "mười", "decision_number": "1/QĐ", "decision_date": "10/03/2026",
            "reason": "x"})
        assert "days" in response.context["form"].errors
    clock.refresh_from_db()
    assert clock.status == ClockStatus.RUNNING and clock.entries.count() == 1


def overview_queries(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("workflows:clock-overview"))
    assert response.status_code == 200
    return response, len(queries)


def test_overview_lists_overdue_and_soon_in_few_queries(client, tree, clerk,
                                                        django_assert_max_num_queries):
    leader = user_with_role("leader", tree.commune, username="lanhdao2")
    # Each kiến nghị starts two clocks: classify (10 working days) and answer (15 days).
    with time_machine.travel(at(D(2026, 3, 20)), tick=False):
        first = receive_petition(actor=clerk, organisation=tree.office,
                                 received_on=D(2026, 3, 2))
        client.force_login(leader)
        client.get(reverse("workflows:clock-overview"))  # warm the calendar and session
        _response, with_two = overview_queries(client)
        for i in range(14):
            receive_petition(actor=clerk, organisation=tree.office, sender=f"Người gửi {i}",
                             received_on=D(2026, 2, 20) + dt.timedelta(days=2 * i))
        assert DeadlineClock.objects.filter(status="running").count() == 30
        with django_assert_max_num_queries(with_two) as captured:
            response = client.get(reverse("workflows:clock-overview"))
    # The same number of queries for 2 clocks and for 30; four of them read the clocks:
    # the counts, the first rows of each table (clock table and scope only), those rows.
    assert sum("workflows_deadlineclock" in q["sql"] for q in captured.captured_queries) == 4
    overdue, soon = response.context["tables"]
    assert overdue["total"] == len(overdue["rows"]) > 0
    assert soon["total"] == len(soon["rows"]) > 0
    # Most urgent first, every row overdue in the first table, none in the second.
    assert [c.due_on for c in overdue["rows"]] == sorted(c.due_on for c in overdue["rows"])
    assert all(c.due_on < D(2026, 3, 20) for c in overdue["rows"])
    assert all(D(2026, 3, 20) <= c.due_on <= D(2026, 3, 27) for c in soon["rows"])
    rest = response.context["later"]
    assert overdue["total"] + soon["total"] + rest == 30
    # The first letter: classify due Mon 16/03/2026, 4 working days late on Fri 20/03.
    page = text(response)
    assert f"{first.receipt_number} Kiến nghị Phân loại, xử lý đơn vanphong 16/03/2026 " \
           "quá hạn 04 ngày làm việc" in page

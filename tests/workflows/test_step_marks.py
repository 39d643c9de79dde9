"""The process tells the truth (issue 11, item 5): a case whose history was transcribed
before its process started shows its earlier steps as done, from its events, with who and
when, on its page and on its flow chart; never "Đã thay thế". Both mark the current step
and the next; steps of the way not taken read "Không thực hiện"."""
import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from casework.case_steps import Mark, step_marks
from casework.models import CaseStatus, InspectionCase
from casework.services.inspections import case_open, case_step
from tests.casework.test_inspections import open_case, run
from tests.factories import MemberFactory, user_with_role
from workflows.case_processes import open_task, sync_case_process

pytestmark = pytest.mark.django_db
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
D = datetime.date


def at(day, hour=8):
    return datetime.datetime(2026, 3, day, hour, 0, tzinfo=ZONE)


@pytest.fixture
def ubkt_member(tree):
    return user_with_role("ubkt", tree.commune, username="uv-ubkt", last_name="Trần",
                          first_name="Thị Kiểm")


def backfilled_case(tree, actor):
    """A case transcribed from paper: decided 02/03, announced 03/03, explained 05/03,
    verified 09/03, all recorded today; its process started afterwards (as the demo
    loader does)."""
    member = MemberFactory(organisation=tree.branch_a, full_name="Đảng viên Được Kiểm Tra")
    case = case_open(
        actor=actor, organisation=tree.ubkt, body="ubkt", kind="violation_signs",
        title="Kiểm tra khi có dấu hiệu vi phạm", decision_number="05-QĐ/UBKT",
        decision_date=D(2026, 3, 2), starts_on=D(2026, 3, 3), ends_on=D(2026, 5, 5),
        team_leader=actor, subject_member=member, at=at(2))
    for action, day in [("announce", 3), ("explain", 5), ("verify", 9)]:
        case = case_step(actor=actor, case_id=case.pk, action=action, at=at(day))
    assert open_task(case) is None  # a back-filled opening starts no process
    sync_case_process(case)
    return InspectionCase.objects.get(pk=case.pk)


def marks_in(html):
    """{step label: (mark class, text)} of the steps list on a page."""
    items = re.findall(r'<li class="step-(\w+)"><span class="step-label">([^<]+)</span>(.*?)</li>',
                       html, re.DOTALL)
    return {label: (mark, re.sub(r"<[^>]+>", "", rest)) for mark, label, rest in items}


def svg_classes(svg):
    return dict(re.findall(r'<g id="(\w+)" transform="[^"]*" class="(\w+)"', svg))


def test_a_backfilled_case_shows_its_earlier_steps_done_on_its_page_and_chart(
        client, tree, ubkt_member):
    case = backfilled_case(tree, ubkt_member)
    assert open_task(case).flow_task.action == "report"
    client.force_login(ubkt_member)

    page = client.get(case.get_absolute_url()).content.decode()
    marks = marks_in(page)
    assert marks["Công bố quyết định"] == ("done", " Đã xongTrần Thị Kiểm, 08:00 03/03/2026")
    assert marks["Ghi nhận giải trình, báo cáo của đối tượng"][0] == "done"
    assert marks["Thẩm tra, xác minh"] == ("done", " Đã xongTrần Thị Kiểm, 08:00 09/03/2026")
    assert marks["Đoàn báo cáo kết quả"][0] == "current"
    assert marks["Họp với đối tượng"][0] == "next"
    assert marks["Kết luận"][0] == "later"

    chart = client.get(reverse("workflows:case-chart", args=[case.pk])).content.decode()
    assert "Đã thay thế" not in chart
    marks = marks_in(chart)
    assert marks["Công bố quyết định"][0] == "done"
    # The chart page names who holds the current step.
    assert marks["Đoàn báo cáo kết quả"] == (
        "current", " Đang thực hiện" + "đang giao cho Trần Thị Kiểm từ "
        + open_task(case).created.astimezone(ZONE).strftime("%H:%M %d/%m/%Y"))
    assert "kéo thanh cuộn ngang" in chart  # the chart is wider than the page: it says so

    svg = client.get(reverse("workflows:case-chart-svg", args=[case.pk])).content.decode()
    classes = svg_classes(svg)
    assert {name: classes.get(name) for name in (
        "start", "announce", "explain", "verify", "report", "meet", "conclude", "end")} == {
        "start": "done", "announce": "done", "explain": "done", "verify": "done",
        "report": "current", "meet": "next", "conclude": "later", "end": "later"}
    assert "Thẩm tra, xác minh – Đã xong – Trần Thị Kiểm, 08:00 09/03/2026" in svg
    assert "canceled" not in svg


def test_marks_follow_the_way_the_conclusion_takes(tree, ubkt_member):
    case = open_case(tree, ubkt_member)
    before = {m.action: m.mark for m in step_marks(case)}
    assert before["announce"] == Mark.CURRENT and before["explain"] == Mark.NEXT
    # Not concluded yet: both ways after the notice are still ahead.
    assert {before[a] for a in ("open_discipline", "discipline", "remediate")} == {Mark.LATER}

    found = run(case, ubkt_member, "announce", "explain", "verify", "report", "meet",
                "conclude", "notify", "open_discipline")
    assert found.status == CaseStatus.DISCIPLINE
    marks = {m.action: m.mark for m in step_marks(found)}
    assert marks["open_discipline"] == Mark.DONE and marks["discipline"] == Mark.CURRENT
    assert marks["remediate"] == Mark.SKIPPED and marks["archive"] == Mark.NEXT

    none_found = open_case(tree, ubkt_member)
    none_found = run(none_found, ubkt_member, "announce", "explain", "verify", "report", "meet",
                     "conclude", "notify", "archive", violation=False)
    marks = {m.action: m.mark for m in step_marks(none_found)}
    assert marks["archive"] == Mark.DONE
    assert {marks[a] for a in ("open_discipline", "discipline", "remediate")} == {Mark.SKIPPED}

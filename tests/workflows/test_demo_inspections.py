"""`load_demo_inspections` reproduces the 2025 report's inspection and supervision figures
exactly, builds the current year's programme under way (one late case, items not started,
open cases with their process), keeps every event chain intact, and creates nothing when
run again."""
import datetime
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count, F
from viewflow.workflow.models import Task

from casework.models import (
    CaseEvent,
    CaseStatus,
    InspectionCase,
    InspectionProgramme,
    Member,
    ProgrammeItem,
)
from casework.models.inspections import OPEN_CASE_STATUSES
from casework.selectors.programme import CONCLUDED_STATUSES, programmes_progress
from casework.services import audit
from workflows.models import CaseProcess

pytestmark = pytest.mark.django_db(transaction=False)
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")

# The report's footnotes ¹ and ², typed here again rather than read from the demo tables.
INSPECTED = {"thcs-ke-sat": 3, "th-ke-sat": 10, "mn-ke-sat": 3, "hoa-che": 3,
             "th-vinh-hong": 4, "th-vinh-hung": 1, "thcs-vinh-hong": 4, "thpt-ke-sat": 1,
             "me-vang": 2}
SUPERVISED = {"thcs-ke-sat": 2, "th-ke-sat": 9, "mn-ke-sat": 4, "hoa-che": 3,
              "mn-vinh-hung": 1, "vinh-lai": 1, "th-vinh-hong": 3, "thon-lai": 10,
              "me-vang": 1, "thcs-vinh-hong": 4, "co-quan-dang": 1}


def load(day):
    out = io.StringIO()
    with time_machine.travel(datetime.datetime.combine(day, datetime.time(9, 0), ZONE),
                             tick=False):
        call_command("load_demo", stdout=io.StringIO())
        call_command("load_demo_inspections", stdout=out)
    return out.getvalue()


def per_branch(kind):
    rows = (InspectionCase.objects.filter(year=2025, body="branch", kind=kind)
            .values_list("organisation__code").annotate(n=Count("pk")).order_by())
    return dict(rows)


def snapshot():
    return {m.__name__: m.objects.count() for m in (
        InspectionProgramme, ProgrammeItem, InspectionCase, CaseEvent, Member, CaseProcess,
        Task, get_user_model())}


def test_the_demo_reproduces_the_report_and_loads_once():
    today = datetime.date(2026, 11, 27)
    output = load(today)
    assert per_branch("member_compliance") == INSPECTED
    assert per_branch("thematic_supervision") == SUPERVISED
    assert sum(INSPECTED.values()) == 31 and sum(SUPERVISED.values()) == 39
    # One case per member, each about a member of the branch that runs it.
    branch = InspectionCase.objects.filter(year=2025, body="branch")
    assert branch.count() == 70
    assert not branch.exclude(subject_member__organisation=F("organisation")).exists()
    assert branch.values("subject_member").distinct().count() == 70

    ubkt = InspectionCase.objects.filter(year=2025, body="ubkt", organisation__code="ubkt")
    assert dict(ubkt.values_list("kind").annotate(n=Count("pk")).order_by()) == {
        "lower_org_duty": 2, "discipline_enforcement": 2, "party_finance": 1,
        "thematic_supervision": 1}
    assert ubkt.filter(subject_member__isnull=False).count() == 1  # giám sát 01 đảng viên
    # The Ban Chấp hành's supervision of 04 branches: one case with four subjects (issue 14;
    # until then four cases of one branch each, so 2025 had 80 cases, now 77).
    executive = InspectionCase.objects.filter(year=2025, body="executive")
    assert executive.count() == 1
    assert [s.organisation.code for s in executive.get().subject_rows.all()] == [
        "ho-lieu", "ly-dong", "hoa-che", "thon-3"]

    # 2025: every case archived, each from an item of its body's programme: 100%.
    year_2025 = InspectionCase.objects.filter(year=2025)
    assert year_2025.count() == 77
    assert not year_2025.exclude(status=CaseStatus.ARCHIVED).exists()
    assert not year_2025.filter(programme_item__isnull=True).exists()
    progress = programmes_progress(InspectionProgramme.objects.filter(year=2025), today=today)
    assert all(p.total.rate == 100 for p in progress.values())
    assert sum(p.total.planned for p in progress.values()) == 77
    for p in progress.values():  # the programme's figures equal the cases behind it
        cases = InspectionCase.objects.filter(programme_item__programme=p.programme)
        assert (p.total.started, p.total.concluded) == (
            cases.count(), cases.filter(status__in=CONCLUDED_STATUSES).count())
    assert "Các chi bộ kiểm tra 31 đảng viên" in output
    assert "giám sát chuyên đề 39 đảng viên" in output
    assert "Chi bộ Trường Tiểu học Kè Sắt 10" in output

    # The current year: cases under way, exactly one past its decision's end date, items
    # not started, and one case opened ad hoc.
    current = InspectionCase.objects.filter(year=2026)
    open_cases = current.filter(status__in=OPEN_CASE_STATUSES)
    late = open_cases.exclude(status__in=CONCLUDED_STATUSES).filter(ends_on__lt=today)
    assert late.count() == 1 and late.get().kind == "party_finance"
    assert open_cases.count() >= 6
    assert len(set(open_cases.values_list("status", flat=True))) >= 5
    assert current.filter(programme_item__isnull=True).count() == 1
    assert ProgrammeItem.objects.filter(programme__year=2026, cases__isnull=True).count() >= 3
    progress = programmes_progress(InspectionProgramme.objects.filter(year=2026), today=today)
    assert sum(p.total.late_cases for p in progress.values()) == 1
    assert sum(p.total.unstarted_overdue for p in progress.values()) >= 1
    # Every open case has its process waiting on one open task.
    for case in open_cases:
        assert CaseProcess.objects.filter(case=case).exists(), case
        assert Task.objects.filter(process__caseprocess__case=case, flow_task_type="HUMAN",
                                   status__in=["NEW", "ASSIGNED", "STARTED"]).count() == 1

    assert audit.verify().breaks == []

    before = snapshot()
    again = load(today)
    assert snapshot() == before
    assert "không tạo thêm" in again


def test_early_in_the_year_the_current_timeline_shrinks_but_still_loads():
    day = datetime.date(2026, 2, 3)
    output = load(day)
    current = InspectionCase.objects.filter(year=2026)
    assert current.exists()
    assert not current.filter(decision_date__gt=day).exists()
    assert not current.filter(decision_date__lt=datetime.date(2026, 1, 1)).exists()
    assert "rút ngắn" in output
    assert audit.verify().breaks == []
    assert per_branch("member_compliance") == INSPECTED


def test_only_open_demo_cases_have_open_tasks_and_each_waits_on_its_next_step():
    """The demo writes history through the services: no task may be left behind on an
    early step of a case that has since moved on or been archived."""
    from workflows.case_processes import next_action, open_task

    load(datetime.date(2026, 11, 27))
    open_tasks = Task.objects.filter(status__in=["NEW", "ASSIGNED"],
                                     process__caseprocess__isnull=False)
    assert not open_tasks.filter(process__caseprocess__case__status=CaseStatus.ARCHIVED).exists()
    open_cases = InspectionCase.objects.filter(status__in=OPEN_CASE_STATUSES)
    assert open_cases.exists()
    for case in open_cases:
        assert open_task(case).flow_task.action == next_action(case), case.number
    assert open_tasks.count() == open_cases.count()


def test_the_backfilled_demo_case_marks_its_done_steps_on_its_page_and_chart(client):
    """The demo's case transcribed up to its proposal of discipline: its process starts on
    the discipline decision, and its page and chart show the eight steps before as done,
    with who took each and when (from its events), never "Đã thay thế"."""
    import re

    from django.urls import reverse

    from casework.demo_inspections import BACKFILLED_CASE_TITLE
    from workflows.case_processes import open_task

    load(datetime.date(2026, 11, 27))
    case = InspectionCase.objects.get(title=BACKFILLED_CASE_TITLE)
    assert case.status == CaseStatus.DISCIPLINE and case.violation_found is True
    assert all(e.is_backfilled for e in case.events.all())
    assert open_task(case).flow_task.action == "discipline"
    secretary = get_user_model().objects.get(username="bithu.thkesat")
    client.force_login(secretary)
    done_steps = ["announce", "explain", "verify", "report", "meet", "conclude", "notify",
                  "open_discipline"]
    when = {e.event_type: e.occurred_at for e in case.events.all()}

    page = client.get(case.get_absolute_url()).content.decode()
    done = re.findall(r'<li class="step-done"><span class="step-label">([^<]+)</span>'
                      r'.*?<span class="step-who">([^<]+), <time', page, re.DOTALL)
    assert len(done) == 8 and {who for _, who in done} == {"Phạm Thị Thu Hiền"}
    assert page.count('class="step-current"') == 1 and 'class="step-skipped"' in page
    assert timezone_text(when["met"]) in page  # when each step was taken

    chart = client.get(reverse("workflows:case-chart", args=[case.pk])).content.decode()
    assert "Đã thay thế" not in chart and chart.count('class="step-done"') == 8
    svg = client.get(reverse("workflows:case-chart-svg", args=[case.pk])).content.decode()
    classes = dict(re.findall(r'<g id="(\w+)" transform="[^"]*" class="(\w+)"', svg))
    assert [classes[s] for s in done_steps] == ["done"] * 8
    assert (classes["violation"], classes["discipline"], classes["remediate"],
            classes["archive"]) == ("done", "current", "skipped", "next")


def timezone_text(moment):
    return moment.astimezone(ZONE).strftime("%H:%M %d/%m/%Y")

"""Inspection and supervision cases driven through their HTTP pages, as members would: the
UBKT member opens the case, the team does the field work from its task pages, the deciding
body concludes, disciplines and archives; wrong roles are refused; the process mirrors the
case; `sync_case_process` keeps it so when steps are recorded some other way."""
import datetime

import pytest
from django.urls import reverse
from viewflow.workflow.status import PROCESS, STATUS

from casework.models import CaseEvent, CaseStatus, InspectionCase, MemberStatus
from casework.services import audit
from tests.casework.test_inspections import open_case, run
from tests.factories import MemberFactory, user_with_role
from workflows.case_processes import (
    active_process,
    open_case_tasks,
    open_task,
    queue_tasks,
    sync_case_process,
)

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def ubkt_member(tree):
    return user_with_role("ubkt", tree.commune, username="uv-ubkt", last_name="Trần",
                          first_name="Thị Kiểm")


@pytest.fixture
def team(tree):
    """Two members of the commune who sit on teams but decide nothing."""
    lead = user_with_role("viewer", tree.commune, username="truong-doan", last_name="Lê",
                          first_name="Văn Đoàn")
    other = user_with_role("viewer", tree.commune, username="thanh-vien", last_name="Phạm",
                           first_name="Thị Viên")
    return lead, other


def client_for(client_factory, user):
    c = client_factory()
    c.force_login(user)
    return c


@pytest.fixture
def as_user():
    from django.test import Client

    def make(user):
        c = Client()
        c.force_login(user)
        return c
    return make


def open_through_page(as_user, tree, ubkt_member, team, *, kind, member=None, organisation=None):
    lead, other = team
    response = as_user(ubkt_member).post(reverse("casework:case-create"), {
        "organisation": tree.commune.pk, "body": "ubkt", "kind": kind,
        "title": "Kiểm tra đồng chí Bí thư chi bộ", "decision_number": "05-QĐ/UBKT",
        "decision_date": "02/03/2026", "starts_on": "05/03/2026", "ends_on": "05/05/2026",
        "team_leader": lead.pk, "team": [lead.pk, other.pk],
        "subject_members": [member.pk] if member else [],
        "subject_organisations": [organisation.pk] if organisation else [],
    })
    case = InspectionCase.objects.get()
    assert response.status_code == 302 and response.url == case.get_absolute_url()
    return case


def step(client, case, action, data=None, *, expect="done"):
    """Open the case's task page for `action` and submit it."""
    task = open_task(case)
    assert task is not None and task.flow_task.action == action
    url = reverse("workflows:case-task", args=[task.pk])
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    form_status = page.context["form"].initial["expected_status"]
    response = client.post(url, {"expected_status": form_status, **(data or {})})
    if expect == "done":
        assert response.status_code == 302, response.context["form"].errors
        before = case.status
        case.refresh_from_db()
        assert case.status != before, "the step was not taken"
    return response


CONCLUDE = {"conclusion": "Có vi phạm trong quản lý đất đai.", "violation_found": "yes",
            "doc_number": "10-KL/UBKT", "doc_date": "20/04/2026"}
NOTIFY = {"doc_number": "11-TB/UBKT", "doc_date": "22/04/2026"}


def test_an_inspection_runs_to_the_end_through_its_pages(tree, ubkt_member, team, as_user):
    lead, other = team
    member = MemberFactory(organisation=tree.branch_a, full_name="Nguyễn Văn Bị")
    case = open_through_page(as_user, tree, ubkt_member, team, kind="violation_signs",
                             member=member)
    process = active_process(case)
    assert process is not None and open_task(case).owner == lead

    # The team leader finds the first step in their inbox and does the field work.
    leader_client = as_user(lead)
    inbox = leader_client.get(reverse("workflows:task-inbox"))
    assert inbox.status_code == 200 and "Công bố quyết định" in inbox.content.decode()
    step(leader_client, case, "announce", {"doc_date": "06/03/2026", "reason": "Đã công bố."})
    step(leader_client, case, "explain", {"reason": "Đối tượng nộp bản giải trình."})
    # Another team member takes over a step the leader holds.
    step(as_user(other), case, "verify", {"reason": "Đã xác minh tại thôn."})
    step(leader_client, case, "report", {"doc_number": "02-BC/ĐKT"})
    step(leader_client, case, "meet")
    assert case.status == CaseStatus.MET

    # Conclusion is the deciding body's: refused to the team, queued for the UBKT.
    task = open_task(case)
    assert task.status == STATUS.NEW
    refused = leader_client.post(reverse("workflows:case-task", args=[task.pk]), CONCLUDE)
    assert refused.status_code == 403
    case.refresh_from_db()
    assert case.status == CaseStatus.MET
    ubkt = as_user(ubkt_member)
    queue = ubkt.get(reverse("workflows:task-queue"))
    assert "Kết luận" in queue.content.decode()
    claim = ubkt.post(reverse("workflows:task-claim", args=[task.pk]))
    assert claim.status_code == 302
    assert open_task(case).owner == ubkt_member

    # Missing fields: Vietnamese messages naming them, nothing written.
    bad = step(ubkt, case, "conclude", {"doc_date": "20/04/2026"}, expect="form")
    assert bad.status_code == 200
    errors = bad.context["form"].errors
    assert "Chưa nhập nội dung kết luận." in errors["conclusion"]
    assert "Chưa chọn có hay không có vi phạm." in errors["violation_found"]
    assert "Chưa nhập số văn bản." in errors["doc_number"]
    case.refresh_from_db()
    assert case.status == CaseStatus.MET and open_task(case).status == STATUS.ASSIGNED

    step(ubkt, case, "conclude", CONCLUDE)
    step(ubkt, case, "notify", NOTIFY)
    assert open_task(case).flow_task.action == "open_discipline"  # violation found
    step(ubkt, case, "open_discipline", {"reason": "Đề nghị xem xét kỷ luật."})

    # Discipline: only the forms allowed for a full member and the UBKT are offered.
    task = open_task(case)
    page = ubkt.get(reverse("workflows:case-task", args=[task.pk]))
    offered = [value for value, _label in page.context["form"].fields["form"].choices]
    assert offered == ["", "reprimand", "warning", "dismissal", "expulsion"]
    forbidden = step(ubkt, case, "discipline", {"form": "dissolution", "decision_number": "1",
                                                 "decision_date": "25/04/2026"}, expect="form")
    assert forbidden.status_code == 200 and forbidden.context["form"].errors["form"]
    step(ubkt, case, "discipline", {"form": "warning", "decision_number": "12-QĐ/UBKT",
                                    "decision_date": "25/04/2026", "notified_on": "26/04/2026"})
    assert case.discipline_decisions.get().form == "warning"
    assert case.status == CaseStatus.REMEDIATION

    step(ubkt, case, "archive", {"on": "04/05/2026"})

    assert case.status == CaseStatus.ARCHIVED and case.closed_on == D(2026, 5, 4)
    process.refresh_from_db()
    assert process.status == PROCESS.DONE and process.finished is not None
    assert open_task(case) is None
    assert list(case.events.values_list("event_type", flat=True)) == [
        "case_opened", "announced", "explained", "verified", "reported", "met", "concluded",
        "case_notified", "discipline_opened", "disciplined", "archived"]
    assert case.events.get(event_type="verified").actor == other
    assert audit.verify().breaks == []

    detail = ubkt.get(case.get_absolute_url())
    assert detail.status_code == 200
    assert "Đã lưu hồ sơ; quy trình đã kết thúc." in detail.content.decode()
    chart = ubkt.get(reverse("workflows:case-chart-svg", args=[case.pk]))
    assert chart.status_code == 200 and chart["Content-Type"].startswith("image/svg+xml")
    assert b"Quy\xe1\xba\xbft \xc4\x91\xe1\xbb\x8bnh k\xe1\xbb\xb7 lu\xe1\xba\xadt" in chart.content


def test_an_inspection_without_violation_skips_discipline(tree, ubkt_member, team, as_user):
    lead, _other = team
    case = open_through_page(as_user, tree, ubkt_member, team, kind="lower_org_duty",
                             organisation=tree.branch_b)
    leader_client, ubkt = as_user(lead), as_user(ubkt_member)
    for action in ("announce", "explain", "verify", "report", "meet"):
        step(leader_client, case, action)
    step(ubkt, case, "conclude", {**CONCLUDE, "violation_found": "no"})
    step(ubkt, case, "notify", NOTIFY)
    assert open_task(case).flow_task.action == "remediate"
    step(leader_client, case, "remediate")
    step(ubkt, case, "archive", {"on": "04/05/2026"})
    assert case.status == CaseStatus.ARCHIVED
    assert not CaseEvent.objects.filter(inspection=case, event_type="disciplined").exists()
    assert active_process(case).status == PROCESS.DONE


def test_a_supervision_runs_to_the_end_through_its_pages(tree, ubkt_member, team, as_user):
    lead, _other = team
    case = open_through_page(as_user, tree, ubkt_member, team, kind="thematic_supervision",
                             organisation=tree.branch_a)
    assert active_process(case).flow_class.__name__ == "SupervisionFlow"
    leader_client, ubkt = as_user(lead), as_user(ubkt_member)
    for action in ("announce", "explain", "review"):
        step(leader_client, case, action)
    # Notifying the result is the body's decision.
    task = open_task(case)
    assert leader_client.get(reverse("workflows:case-task", args=[task.pk])).status_code == 403
    step(ubkt, case, "notify", NOTIFY)
    step(leader_client, case, "remediate")
    step(ubkt, case, "archive", {"on": "30/04/2026"})
    assert case.status == CaseStatus.ARCHIVED
    assert list(case.events.values_list("event_type", flat=True)) == [
        "case_opened", "announced", "explained", "reviewed", "case_notified", "remediation",
        "archived"]
    assert active_process(case).status == PROCESS.DONE
    assert audit.verify().breaks == []


def test_outsiders_and_wrong_roles_are_refused(tree, ubkt_member, team, as_user, clerk):
    lead, _other = team
    case = open_through_page(as_user, tree, ubkt_member, team, kind="party_finance",
                             organisation=tree.branch_a)
    task = open_task(case)
    url = reverse("workflows:case-task", args=[task.pk])
    # A branch secretary of another branch cannot see the commune's case at all.
    outsider = user_with_role("branch_secretary", tree.branch_b, username="bt-thon-lai")
    assert as_user(outsider).get(url).status_code == 404
    assert as_user(outsider).post(url, {"reason": "x"}).status_code == 404
    assert as_user(outsider).get(case.get_absolute_url()).status_code == 404
    assert as_user(clerk).post(reverse("workflows:task-claim", args=[task.pk])).status_code == 404
    # Someone who sees the case but is neither on the team nor deciding: 403.
    watcher = user_with_role("viewer", tree.commune, username="chi-xem")
    assert as_user(watcher).get(url).status_code == 403
    assert as_user(watcher).post(url, {"reason": "x"}).status_code == 403
    assert as_user(watcher).get(reverse("casework:case-create")).status_code == 403
    case.refresh_from_db()
    assert case.status == CaseStatus.DECIDED and case.events.count() == 1
    assert open_task(case).pk == task.pk and open_task(case).status == STATUS.ASSIGNED


def test_two_members_completing_the_same_step_one_wins(tree, ubkt_member, team, as_user):
    """Interleaved (runs on SQLite): both open the form, both submit; the second is told
    who completed it, and one event is written."""
    lead, other = team
    case = open_through_page(as_user, tree, ubkt_member, team, kind="violation_signs",
                             member=MemberFactory(organisation=tree.branch_a))
    first, second = as_user(lead), as_user(other)
    task = open_task(case)
    url = reverse("workflows:case-task", args=[task.pk])
    assert first.get(url).status_code == 200 and second.get(url).status_code == 200
    data = {"expected_status": "decided", "reason": "Đã công bố."}
    assert first.post(url, data).status_code == 302
    late = second.post(url, data, follow=True)
    text = late.content.decode()
    assert "vừa được Lê Văn Đoàn hoàn thành" in text and "chưa được ghi" in text
    case.refresh_from_db()
    assert case.status == CaseStatus.ANNOUNCED
    assert case.events.filter(event_type="announced").count() == 1
    assert open_task(case).flow_task.action == "explain"


def test_sync_starts_a_process_and_follows_back_filled_steps(tree, ubkt_member):
    case = open_case(tree, ubkt_member)
    process = active_process(case)  # started when the case was opened
    task = open_task(case)
    assert task.flow_task.name == "announce" and task.owner == ubkt_member
    assert task.status == STATUS.ASSIGNED
    assert sync_case_process(case) == process and open_task(case).pk == task.pk
    run(case, ubkt_member, "announce", "explain", "verify", "report", "meet", "conclude",
        "notify")
    sync_case_process(case)
    task = open_task(case)
    assert task.flow_task.name == "open_discipline" and task.status == STATUS.NEW
    assert process.task_set.filter(status=STATUS.CANCELED).count() == 1
    run(case, ubkt_member, "open_discipline")
    sync_case_process(case)
    items = open_case_tasks(ubkt_member)
    assert [(i.action, i.claimable, i.case) for i in items] == [("discipline", True, case)]
    assert items[0].url == reverse("workflows:case-task", args=[items[0].task.pk])


def test_sync_of_an_archived_case_finishes_its_process(tree, ubkt_member):
    case = open_case(tree, ubkt_member, kind="thematic_supervision")
    run(case, ubkt_member, "announce", "explain", "review", "notify", "archive")
    process = sync_case_process(case)
    assert open_task(case) is None
    assert process.status == PROCESS.DONE and process.finished is not None
    assert sync_case_process(case) == process


def test_queue_is_scoped_to_the_deciding_body_and_the_team(tree, ubkt_member, team):
    lead, other = team
    case = open_case(tree, ubkt_member, team=[lead, other])
    # The opener leads this case's team, so field work sits in their inbox; the other
    # members see it in their queue, a branch secretary elsewhere sees nothing.
    assert queue_tasks(lead).count() == 1 and queue_tasks(other).count() == 1
    elsewhere = user_with_role("branch_secretary", tree.branch_b, username="bt-b",
                               )
    assert queue_tasks(elsewhere).count() == 0
    run(case, ubkt_member, "announce", "explain", "verify", "report", "meet")
    sync_case_process(case)
    assert queue_tasks(ubkt_member).count() == 1  # the conclusion waits for the UBKT
    assert queue_tasks(lead).count() == 0 and queue_tasks(elsewhere).count() == 0
    probationary = MemberFactory(organisation=tree.branch_a, status=MemberStatus.PROBATIONARY)
    assert probationary.pk

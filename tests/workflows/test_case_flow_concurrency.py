"""Two team members complete the same case task at the same moment, on PostgreSQL with a
connection each (threads, each with its own test client): exactly one step is taken, the
other member is told who took it, one event is written, and the process moves on once."""
import threading

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse
from viewflow.workflow.status import STATUS

from casework.models import CaseStatus
from tests.casework.test_inspections import open_case
from tests.factories import MemberFactory, user_with_role
from workflows.case_processes import active_process, open_task

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 3


def test_two_members_submit_the_same_task_at_once_one_wins(tree):
    ubkt = user_with_role("ubkt", tree.commune, username="uv-ubkt")
    lead = user_with_role("viewer", tree.commune, username="truong-doan", last_name="Lê",
                          first_name="Văn Đoàn")
    other = user_with_role("viewer", tree.commune, username="thanh-vien", last_name="Phạm",
                           first_name="Thị Viên")
    names = {lead.pk: "Lê Văn Đoàn", other.pk: "Phạm Thị Viên"}
    for round_ in range(ROUNDS):
        case = open_case(tree, ubkt, member=MemberFactory(organisation=tree.branch_a),
                         team=[lead, other])
        task = open_task(case)
        task.owner = lead  # the opener leads by default; make the team the contenders
        task.save(update_fields=["owner"])
        url = reverse("workflows:case-task", args=[task.pk])
        clients = {}
        for user in (lead, other):
            c = Client()
            c.force_login(user)
            assert c.get(url).status_code == 200  # both have the form open
            clients[user.pk] = c
        start = threading.Barrier(2)
        outcomes = {}

        def submit(user_pk, start=start, clients=clients, url=url, outcomes=outcomes):
            try:
                start.wait()
                response = clients[user_pk].post(
                    url, {"expected_status": "decided", "reason": "Đã công bố."}, follow=True)
                outcomes[user_pk] = response.content.decode()
            finally:
                connections.close_all()

        threads = [threading.Thread(target=submit, args=(pk,)) for pk in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert len(outcomes) == 2, f"round {round_}: a request did not finish"
        won = [pk for pk, text in outcomes.items() if "Đã ghi: Công bố quyết định" in text]
        lost = [pk for pk, text in outcomes.items() if "chưa được ghi" in text]
        assert len(won) == 1 and len(lost) == 1, (round_, outcomes)
        assert f"vừa được {names[won[0]]} hoàn thành" in outcomes[lost[0]]
        case.refresh_from_db()
        assert case.status == CaseStatus.ANNOUNCED
        assert case.events.filter(event_type="announced").count() == 1
        assert case.events.get(event_type="announced").actor_id == won[0]
        process = active_process(case)
        assert process.task_set.filter(flow_task_type="HUMAN", status=STATUS.DONE).count() == 1
        assert [t.flow_task.name for t in process.task_set.filter(
            status__in=[STATUS.NEW, STATUS.ASSIGNED])] == ["explain"]


def test_one_member_posting_the_same_task_form_twice_at_once_takes_the_step_once(tree):
    """A double click that reaches two workers: both posts carry the page's token; the
    second waits for the flow lock, fails to claim the token and is shown the first
    result instead of "already completed by you"."""
    import re

    ubkt = user_with_role("ubkt", tree.commune, username="uv-ubkt")
    lead = user_with_role("viewer", tree.commune, username="truong-doan")
    case = open_case(tree, ubkt, member=MemberFactory(organisation=tree.branch_a), team=[lead])
    task = open_task(case)
    task.owner = lead
    task.save(update_fields=["owner"])
    url = reverse("workflows:case-task", args=[task.pk])
    opener = Client()
    opener.force_login(lead)
    token = re.search(r'name="form_token" value="([^"]+)"',
                      opener.get(url).content.decode()).group(1)
    data = {"expected_status": "decided", "reason": "Đã công bố.", "form_token": token}
    clients = []
    for _ in range(2):
        c = Client()
        c.force_login(lead)
        clients.append(c)
    start = threading.Barrier(2)
    outcomes = {}

    def submit(i):
        try:
            start.wait()
            outcomes[i] = clients[i].post(url, data, follow=True).content.decode()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(outcomes) == 2
    texts = sorted(outcomes.values(), key=lambda text: "Đã ghi: Công bố quyết định" in text)
    assert "Đã ghi: Công bố quyết định" in texts[1]
    assert "Biểu mẫu này đã được gửi" in texts[0] and "chưa được ghi" not in texts[0]
    assert case.events.filter(event_type="announced").count() == 1

"""Inspection and supervision cases as viewflow processes (see workflows.flows)."""
import datetime

import pytest
from viewflow.workflow.status import PROCESS, STATUS

from casework.models import CaseStatus
from tests.casework.test_inspections import open_case, run
from tests.factories import user_with_role
from workflows.case_processes import open_case_tasks, open_task, sync_case_process

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def ubkt_member(tree):
    return user_with_role("ubkt", tree.ubkt.parent, username="uv-ubkt")


def test_sync_starts_a_process_and_follows_back_filled_steps(tree, ubkt_member):
    case = open_case(tree, ubkt_member)
    process = sync_case_process(case)
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
    assert [(i.action, i.claimable) for i in items] == [("discipline", True)]


def test_sync_of_an_archived_case_finishes_its_process(tree, ubkt_member):
    case = open_case(tree, ubkt_member, kind="thematic_supervision")
    process = sync_case_process(case)
    run(case, ubkt_member, "announce", "explain", "review", "notify", "archive")
    process = sync_case_process(case)
    assert open_task(case) is None
    assert process.status == PROCESS.DONE and process.finished is not None
    case.refresh_from_db()
    assert case.status == CaseStatus.ARCHIVED

"""Keep each case's viewflow process in step with the case, and list the case work a user
has to do.

`sync_case_process(case)` is idempotent: whatever happened to the case (opened live,
stepped through its task pages, or back-filled straight through the services as the demo
loader does), afterwards the case has one active process whose single open task is the
case's next step, or, once archived, no open task and a finished process.

`open_case_tasks(user)` feeds the "my work" page: the user's assigned case tasks (inbox)
and those they may take (queue), each as a small record.
"""
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from viewflow.workflow.models import Task
from viewflow.workflow.status import PROCESS, STATUS

from casework.case_steps import next_action
from casework.models import InspectionCase
from casework.models.inspections import STEP_LABELS, Procedure
from casework.permissions import CASE_DECISION_STEPS, CASE_TEAM_STEPS, decider_paths
from workflows.flows import InspectionFlow, SupervisionFlow
from workflows.models import CaseProcess
from workflows.viewflow_calls import move_process_to, task_refs

FLOWS = {Procedure.INSPECTION: InspectionFlow, Procedure.SUPERVISION: SupervisionFlow}
FLOW_CLASSES = tuple(FLOWS.values())
OPEN_TASK_STATUSES = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)


def flow_of(case):
    return FLOWS[case.procedure]


def active_process(case):
    return (CaseProcess.objects.filter(case=case).exclude(status=PROCESS.CANCELED)
            .order_by("-pk").first())


def open_task(case):
    """The case's open human task (at most one), or None."""
    return (Task.objects.filter(process__caseprocess__case=case, flow_task_type="HUMAN",
                                status__in=OPEN_TASK_STATUSES)
            .select_related("owner").order_by("-pk").first())


@transaction.atomic
def sync_case_process(case):
    """Make the case's process match its status (see the module docstring); returns the
    process, or None for a case archived before it ever had one."""
    # The case row lock serialises two syncs of one case (two starts would make two
    # processes); the flow lock then serialises against a task being completed.
    case = InspectionCase.objects.select_for_update(of=("self",)).get(pk=case.pk)
    flow_class = flow_of(case)
    action = next_action(case)
    process = active_process(case)
    if process is None or process.flow_class is not flow_class:
        if action is None:
            return process
        if process is not None and process.finished is None:
            process.flow_class.instance.cancel(process)
        process = flow_class.start.run(case=case)
    with flow_class.lock(process.pk):
        tasks = list(process.task_set.filter(status__in=OPEN_TASK_STATUSES + (STATUS.ERROR,))
                     .order_by("pk"))
        if action is not None and len(tasks) == 1 and tasks[0].flow_task.name == action \
                and tasks[0].status != STATUS.ERROR:
            return process
        if action is None and not tasks and process.finished is not None:
            return process
        previous = tasks[-1] if tasks else process.task_set.order_by("-pk").first()
        for task in tasks:
            activation = task.flow_task.activation_class(task)
            activation.cancel()
        target = flow_class.instance.end if action is None else flow_class.instance.node(action)
        move_process_to(previous, target)
    process.refresh_from_db()
    return process


def start_case_process(sender, event, **kwargs):
    """A case opened: its process starts in the same transaction, so a case never exists
    without the task that says who does its first step (and a failed start rolls the
    opening back). A back-filled opening (a paper history being transcribed) starts nothing:
    the steps that follow it are written through the services, so a task started now would
    be left behind on the first step; the loader calls `sync_case_process` for the cases
    still open once their history is in."""
    from casework.models import EventType

    if (event.inspection_id is not None and event.event_type == EventType.CASE_OPENED
            and not event.is_backfilled):
        sync_case_process(event.inspection)


# ---- what a user has to do -------------------------------------------------------------

@dataclass(frozen=True)
class CaseTaskItem:
    """One open case task as the "my work" page shows it."""

    task: Task
    case: InspectionCase
    action: str
    label: str
    url: str
    assigned_to_me: bool
    claimable: bool


def _decides_q(user, prefix="process__caseprocess__case__"):
    cond = Q(pk__in=[])
    for path in decider_paths(user):
        cond |= Q(**{f"{prefix}organisation__path__startswith": path})
    return cond


def case_tasks():
    return Task.objects.coerce_for(FLOW_CLASSES).filter(
        flow_task_type="HUMAN", process__finished__isnull=True)


def inbox_tasks(user):
    """Case tasks assigned to the user (viewflow's inbox), newest case first."""
    return Task.objects.inbox(FLOW_CLASSES, user)


def queue_tasks(user):
    """Case tasks the user may take: unassigned ones of the body they decide for (team
    steps too, when no leader holds them), and team steps held by another member of a
    team they are on. Scoped in SQL."""
    if not user.is_authenticated:
        return Task.objects.none()
    team_nodes = _node_refs(CASE_TEAM_STEPS)
    team_q = Q(process__caseprocess__case__team=user)
    if user.is_superuser:
        new_q = Q(status=STATUS.NEW)
    else:
        new_q = Q(status=STATUS.NEW) & (_decides_q(user) | (Q(flow_task__in=team_nodes) & team_q))
    held_q = (Q(status=STATUS.ASSIGNED, flow_task__in=team_nodes) & team_q
              & ~Q(owner=user))
    return case_tasks().filter(new_q | held_q).distinct()


def _node_refs(actions):
    return task_refs([node for flow_class in FLOW_CLASSES for node in flow_class.instance.nodes()
                      if getattr(node, "action", None) in actions])


def _item(task, user, mine):
    case = task.process.caseprocess.case
    action = task.flow_task.action
    return CaseTaskItem(task=task, case=case, action=action, label=str(STEP_LABELS[action]),
                        url=reverse("workflows:case-task", args=[task.pk]),
                        assigned_to_me=mine, claimable=not mine)


def open_case_tasks(user):
    """Everything the user has to do or may take on cases: list[CaseTaskItem], their own
    tasks first, then those they may claim, oldest first within each."""
    from workflows.selectors import task_list  # one query per list

    mine, queue = task_list(inbox_tasks(user)), task_list(queue_tasks(user))
    return ([_item(t, user, True) for t in mine]
            + [_item(t, user, False) for t in queue])


__all__ = ["CASE_DECISION_STEPS", "CaseTaskItem", "FLOWS", "next_action", "open_case_tasks",
           "open_task", "queue_tasks", "inbox_tasks", "sync_case_process"]

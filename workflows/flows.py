"""The viewflow processes of inspection (kiểm tra) and supervision (giám sát) cases.

The case's status is the legal truth; the process only says who must take the next step.
Each human task is named after the step (`announce`, `conclude`, …) and its page
(workflows.task_views) calls the casework service for that step, so the status changes in
exactly one place. The nodes and their order are built from `CASE_STEPS` (the table the
FSM is built from too): a step is followed by the step(s) waiting in the status it leaves
the case in, two of them through a gate on whether the conclusion found a violation. When
a case is moved some other way (the demo loader records back-filled history straight
through the services), `sync_case_process` puts the process back on the right task.

Who: field work (CASE_TEAM_STEPS) is assigned to the team leader on creation, and any
other team member may take it over from the queue; decisions (CASE_DECISION_STEPS) are
left unassigned, in the queue of the deciding body (UBKT member, secretary, leaders of the
case's organisation or above). These rights are organisation-scoped roles, not Django
permissions, so `CaseStep` answers viewflow's can_assign/can_execute from
`casework.permissions.case_user_may` instead of `.Permission(...)`.

No timers: the legal and decision deadlines are the deadline clocks (one SQL sweep).
"""
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.lock import select_for_update_lock

from casework.models.inspections import CASE_STEPS, STEP_LABELS, CaseStatus, Procedure
from casework.permissions import CASE_TEAM_STEPS, case_user_may
from workflows.models import CaseProcess


class CaseStep(flow.View):
    """A human task that takes one step of the case (its `action`) through the services."""

    def __init__(self, action):
        super().__init__(view=None)
        self.action = action
        self.task_title = STEP_LABELS[action]

    @property
    def is_team_step(self):
        return self.action in CASE_TEAM_STEPS

    def _case(self, task):
        return task.process.coerced.case

    def can_execute(self, user, task):
        return (user.is_authenticated and task.owner_id == user.pk
                and case_user_may(user, self.action, self._case(task)))

    def can_assign(self, user, task):
        return (user.is_authenticated and task.owner_id is None
                and case_user_may(user, self.action, self._case(task)))


def _team_step(action):
    return CaseStep(action).Assign(this.team_leader)


class _CaseFlow(flow.Flow):
    process_class = CaseProcess
    lock_impl = select_for_update_lock

    def start_case(self, activation, case):
        activation.process.case = case
        return activation.process

    def team_leader(self, activation):
        return activation.process.case.team_leader

    def has_view_permission(self, user, obj=None):
        # Lists are scoped in SQL by case (workflows.case_processes); viewflow's model
        # permission would hide every task from members who hold only casework roles.
        return user.is_authenticated


def _nodes(procedure):
    """The flow's nodes for `procedure`, in table order, by name: start, one CaseStep per
    step, a gate "violation" where the way depends on the conclusion, end."""
    steps = CASE_STEPS[procedure]
    nodes = {"start": flow.StartHandle(this.start_case).Next(getattr(this, steps[0].action))}
    for step in steps:
        ways = [s for s in steps if s.source == step.target]
        node = _team_step(step.action) if step.action in CASE_TEAM_STEPS else CaseStep(step.action)
        if step.target == CaseStatus.ARCHIVED:
            nodes[step.action] = node.Next(this.end)
        elif len(ways) == 1:
            nodes[step.action] = node.Next(getattr(this, ways[0].action))
        else:
            found = next(s for s in ways if s.violation)
            not_found = next(s for s in ways if s.violation is False)
            nodes[step.action] = node.Next(this.violation)
            nodes["violation"] = (flow.If(this.violation_found)
                                  .Then(getattr(this, found.action))
                                  .Else(getattr(this, not_found.action))
                                  .Annotation(title=_("Có vi phạm?")))
    nodes["end"] = flow.End()
    return nodes


def _violation_found(self, activation):
    return bool(activation.process.case.violation_found)


def _flow_class(name, procedure, doc, **attrs):
    """A flow class as the class statement would make it, with the nodes of `procedure`
    (named here so that tasks and processes stored under "workflows/flows.<name>" find it)."""
    namespace = {"__module__": __name__, "__qualname__": name, "__doc__": doc,
                 **attrs, **_nodes(procedure)}
    return type(_CaseFlow)(name, (_CaseFlow,), namespace)


InspectionFlow = _flow_class("InspectionFlow", Procedure.INSPECTION, """Quy trình kiểm tra

    Quyết định → công bố → giải trình → thẩm tra, xác minh → báo cáo → họp → kết luận →
    thông báo → có vi phạm: đề nghị và quyết định kỷ luật (vụ việc chuyển sang theo dõi
    khắc phục) / không: theo dõi khắc phục → lưu hồ sơ.
    """, process_title=_("Quy trình kiểm tra"), violation_found=_violation_found)

SupervisionFlow = _flow_class("SupervisionFlow", Procedure.SUPERVISION, """Quy trình giám sát

    Quyết định → công bố → báo cáo của đối tượng → xem xét → thông báo kết quả →
    theo dõi khắc phục → lưu hồ sơ.
    """, process_title=_("Quy trình giám sát"))

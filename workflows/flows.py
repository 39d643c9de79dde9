"""The viewflow processes of inspection (kiểm tra) and supervision (giám sát) cases.

The case's status is the legal truth; the process only says who must take the next step.
Each human task is named after the step (`announce`, `conclude`, …) and its page
(workflows.task_views) calls the casework service for that step, so the status changes in
exactly one place. Because a task's own step moves the case to the status whose next step
is the task's successor, the static chain below mirrors the FSM of
casework.models.inspections; when a case is moved some other way (the demo loader records
back-filled history straight through the services), `sync_case_process` puts the process
back on the right task.

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

from casework.models.inspections import STEP_LABELS
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


class InspectionFlow(_CaseFlow):
    """Quy trình kiểm tra

    Quyết định → công bố → giải trình → thẩm tra, xác minh → báo cáo → họp → kết luận →
    thông báo → có vi phạm: đề nghị và quyết định kỷ luật (vụ việc chuyển sang theo dõi
    khắc phục) / không: theo dõi khắc phục → lưu hồ sơ.
    """

    process_title = _("Quy trình kiểm tra")

    start = flow.StartHandle(this.start_case).Next(this.announce)
    announce = _team_step("announce").Next(this.explain)
    explain = _team_step("explain").Next(this.verify)
    verify = _team_step("verify").Next(this.report)
    report = _team_step("report").Next(this.meet)
    meet = _team_step("meet").Next(this.conclude)
    conclude = CaseStep("conclude").Next(this.notify)
    notify = CaseStep("notify").Next(this.violation)
    violation = (flow.If(this.violation_found).Then(this.open_discipline)
                 .Else(this.remediate).Annotation(title=_("Có vi phạm?")))
    open_discipline = CaseStep("open_discipline").Next(this.discipline)
    # The discipline decision itself moves the case into remediation follow-up, which
    # the archive step closes.
    discipline = CaseStep("discipline").Next(this.archive)
    remediate = _team_step("remediate").Next(this.archive)
    archive = CaseStep("archive").Next(this.end)
    end = flow.End()

    def violation_found(self, activation):
        return bool(activation.process.case.violation_found)


class SupervisionFlow(_CaseFlow):
    """Quy trình giám sát

    Quyết định → công bố → báo cáo của đối tượng → xem xét → thông báo kết quả →
    theo dõi khắc phục → lưu hồ sơ.
    """

    process_title = _("Quy trình giám sát")

    start = flow.StartHandle(this.start_case).Next(this.announce)
    announce = _team_step("announce").Next(this.explain)
    explain = _team_step("explain").Next(this.review)
    review = _team_step("review").Next(this.notify)
    notify = CaseStep("notify").Next(this.remediate)
    remediate = _team_step("remediate").Next(this.archive)
    archive = CaseStep("archive").Next(this.end)
    end = flow.End()

"""Sections workflows adds to casework's pages: the open task on an inspection case's page
(who holds it, the button to do or take it, the chart), and the cases opened from a letter
on that letter's page."""
from django.template.loader import render_to_string
from viewflow.workflow.status import STATUS

from casework.models.inspections import STEP_LABELS
from casework.permissions import case_user_may, is_case_team_member
from workflows.case_processes import next_action, open_task


def case_task_panel(request, case):
    task = open_task(case)
    user = request.user
    may_do = may_claim = False
    if task is not None:
        action = task.flow_task.action
        permitted = case_user_may(user, action, case)
        mine = task.owner_id == user.pk
        # The task page lets anyone permitted take the step (the deciding body may also do
        # field work); "Nhận việc" is offered where the queue would offer it.
        may_do = permitted
        may_claim = permitted and not mine and (
            task.status == STATUS.NEW
            or (task.flow_task.is_team_step and is_case_team_member(user, case)))
    action = next_action(case)
    return render_to_string("workflows/_case_task_panel.html", {
        "case": case, "task": task, "may_do": may_do, "may_claim": may_claim,
        "mine": task is not None and task.owner_id == user.pk,
        "label": STEP_LABELS[task.flow_task.action] if task else (
            STEP_LABELS[action] if action else ""),
    }, request=request)


def petition_cases_panel(request, petition):
    from casework.selectors.cases import cases_from_letter

    cases = cases_from_letter(user=request.user, petition=petition)
    if not cases and not case_user_may_open(request.user, petition):
        return ""
    return render_to_string("workflows/_petition_cases_panel.html", {
        "petition": petition, "cases": cases,
        "may_open": case_user_may_open(request.user, petition)}, request=request)


def case_user_may_open(user, petition):
    from casework.permissions import may_open_case

    return may_open_case(user, petition.organisation)

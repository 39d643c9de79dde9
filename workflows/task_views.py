"""Case task pages: do a step, take a task, the inbox and the queue (the flow
chart is workflows.chart_views).

Our own light pages rather than viewflow's Material frontend (its inline scripts are
refused by our CSP and it is heavy for the offices' old PCs), over viewflow's engine: the
task is locked and re-read under the flow lock (`task.activation()`, select-for-update on
the process row), then the casework service takes the legal step and the activation
completes the task and creates the next one, all in one transaction. A second member who
posts the same step after the first sees who completed it, and nothing is written twice.
"""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from casework.errors import ActionRefused
from casework.formatting import datetime_text
from casework.forms import apply_service_errors
from casework.inspection_forms import step_form_class
from casework.models import CaseStatus, CaseSubject
from casework.models.inspections import STEP_LABELS, allowed_forms, subject_type_of
from casework.permissions import case_user_may, is_case_team_member
from casework.selectors.cases import cases_visible
from casework.services.inspections import case_step, discipline_decide
from casework.submissions import AlreadySubmitted, acting_once, repeated_post
from casework.templatetags.casework_tags import person_name
from workflows.case_processes import FLOW_CLASSES, inbox_tasks, queue_tasks
from workflows.selectors import task_list


class TaskGone(Exception):
    """The task was completed or withdrawn by the time this request held its lock."""

    def __init__(self, task):
        super().__init__(task.pk)
        self.task = task


def _task_or_404(request, pk):
    task = get_object_or_404(
        Task.objects.coerce_for(FLOW_CLASSES).filter(flow_task_type="HUMAN").select_related(
            "owner", "process__caseprocess__case__organisation"), pk=pk)
    case = task.process.caseprocess.case
    if not cases_visible(user=request.user).filter(pk=case.pk).exists():
        raise Http404
    return task, case


def gone_message(task, case):
    label = STEP_LABELS[task.flow_task.action]
    if task.status == STATUS.DONE:
        return _("Bước “%(step)s” của cuộc %(number)s vừa được %(who)s hoàn thành lúc "
                 "%(at)s. Thao tác của bạn chưa được ghi.") % {
            "step": label, "number": case.number,
            "who": person_name(task.owner) if task.owner else _("người khác"),
            "at": datetime_text(task.finished)}
    return _("Bước “%(step)s” của cuộc %(number)s không còn chờ thực hiện (hồ sơ đã được "
             "cập nhật theo cách khác). Thao tác của bạn chưa được ghi.") % {
        "step": label, "number": case.number}


def _refuse_role(request, task, case):
    action = task.flow_task.action
    if not case_user_may(request.user, action, case):
        raise PermissionDenied(_("Vai trò của bạn không được phép “%(step)s” trong cuộc "
                                 "%(number)s.")
                               % {"step": STEP_LABELS[action], "number": case.number})


def _make_form(task, case, data=None):
    action = task.flow_task.action
    form_class = step_form_class(action)
    kwargs = {"initial": {"expected_status": case.status}}
    if action == "discipline":
        # The subjects still waiting for their decision; the forms any of them may get.
        waiting = _undecided(case)
        kwargs["subjects"] = waiting
        kwargs["allowed"] = set().union(*(allowed_forms(subject_type_of(row), case.body)
                                          for row in waiting)) if waiting else set()
    return form_class(data, **kwargs)


def _undecided(case):
    return list(CaseSubject.objects.filter(case=case, discipline_decision__isnull=True)
                .select_related("member__organisation", "organisation"))


def _run_step(request, task, form, case):
    """Under the flow lock: take the task (if still open), take the step, complete it.
    The form's token is claimed first, in the flow lock's transaction: a duplicate post
    that waited for the lock is answered with the first result rather than "gone"."""
    with task.activation() as activation, \
            acting_once(request, form, fallback=case.get_absolute_url()) as claim:
        claim.result_url = case.get_absolute_url()
        current = activation.task
        if current.status not in (STATUS.NEW, STATUS.ASSIGNED):
            raise TaskGone(current)
        if current.status == STATUS.NEW:
            activation.assign(request.user)
        elif current.owner_id != request.user.pk:
            # A team member (or the deciding body) takes over the leader's field work.
            activation.reassign(request.user)
        case_id = activation.process.case_id
        action = current.flow_task.action
        kwargs = form.service_kwargs()
        if action == "discipline":
            decision = discipline_decide(actor=request.user, case_id=case_id, **kwargs)
            if decision.case.status == CaseStatus.DISCIPLINE:
                # A case of several subjects: the task stays with its owner until the
                # last subject's decision moves the case on.
                return
        else:
            case_step(actor=request.user, case_id=case_id, action=action, **kwargs)
        activation.start(request)
        activation.execute()


@login_required
def case_task(request, pk):
    task, case = _task_or_404(request, pk)
    _refuse_role(request, task, case)
    if repeat := repeated_post(request, fallback=case.get_absolute_url()):
        return repeat
    if task.status not in (STATUS.NEW, STATUS.ASSIGNED):
        messages.info(request, gone_message(task, case))
        return redirect(case)
    form = _make_form(task, case, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            # No transaction around this: the flow lock opens the outermost one itself,
            # since a refused NOWAIT lock inside an outer transaction would poison it.
            _run_step(request, task, form, case)
        except AlreadySubmitted as exc:
            return exc.response
        except TaskGone as exc:
            messages.error(request, gone_message(exc.task, case))
            return redirect(case)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        except ActionRefused as exc:
            messages.error(request, exc.message)
            return redirect(case)
        except FlowLockFailed:
            form.add_error(None, _("Có người khác đang ghi bước này. "
                                   "Đề nghị thử lại sau giây lát."))
        else:
            messages.success(request, _("Đã ghi: %(step)s (cuộc %(number)s).") % {
                "step": STEP_LABELS[task.flow_task.action], "number": case.number})
            return redirect(case)
    return render(request, "workflows/task_form.html", {
        "task": task, "case": case, "form": form,
        "step_label": STEP_LABELS[task.flow_task.action],
        "decision": task.flow_task.action == "discipline" and {
            "subjects": [(row.name, subject_type_of(row).label) for row in _undecided(case)],
            "body": case.get_body_display()},
    })


@login_required
@require_POST
def task_claim(request, pk):
    task, case = _task_or_404(request, pk)
    _refuse_role(request, task, case)
    try:
        with task.activation() as activation:
            current = activation.task
            if current.status == STATUS.NEW:
                activation.assign(request.user)
            elif current.status == STATUS.ASSIGNED and current.owner_id != request.user.pk:
                if not (current.flow_task.is_team_step and is_case_team_member(request.user, case)):
                    raise PermissionDenied(_("Việc này đã giao cho %(who)s.")
                                           % {"who": person_name(current.owner)})
                activation.reassign(request.user)
            elif current.status != STATUS.ASSIGNED:
                raise TaskGone(current)
    except TaskGone as exc:
        messages.error(request, gone_message(exc.task, case))
        return redirect(case)
    except FlowLockFailed:
        messages.error(request, _("Có người khác đang nhận việc này. Đề nghị thử lại."))
        return redirect("workflows:task-queue")
    messages.success(request, _("Bạn đã nhận việc “%(step)s” của cuộc %(number)s.") % {
        "step": STEP_LABELS[task.flow_task.action], "number": case.number})
    return redirect("workflows:case-task", pk=task.pk)


def _rows(tasks):
    return [{"task": t, "case": t.process.caseprocess.case,
             "label": STEP_LABELS[t.flow_task.action]} for t in tasks]


@login_required
def task_inbox(request):
    tasks = task_list(inbox_tasks(request.user))
    return render(request, "workflows/task_inbox.html", {"rows": _rows(tasks)})


@login_required
def task_queue(request):
    tasks = task_list(queue_tasks(request.user))
    return render(request, "workflows/task_queue.html", {"rows": _rows(tasks)})



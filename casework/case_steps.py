"""Where a case is on its procedure, read from `CASE_STEPS` (the one table of step order)
and from the case's events.

- `next_action(case)`: the step the case waits for (None once archived);
- `steps_to(procedure, status, …)`: the steps that lead from the decision to a status (the
  demo loader writes a case's history with it);
- `step_marks(case)`: every step of the case's procedure marked done (who, when: from its
  event, whether it was taken through a task or transcribed from paper afterwards),
  current, next, later or not applicable. The case page and the flow chart both show it,
  so a case whose history was back-filled before its process started shows its earlier
  steps as done.
"""
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext_lazy as _

from casework.models import CaseEvent, CaseStatus
from casework.models.inspections import CASE_STEPS, STEP_LABELS
from casework.services.inspections import STEP_EVENTS


def _takes(step, violation_found):
    """Whether the case takes `step` at its branch, given what the conclusion found (None:
    not concluded yet, so both ways are still possible)."""
    return step.violation is None or violation_found is None or step.violation == violation_found


def next_action(case):
    """The step the case waits for in its status, or None once archived. At the notice of
    an inspection's conclusion the way depends on whether a violation was found."""
    found = bool(case.violation_found)
    for step in CASE_STEPS[case.procedure]:
        if step.source == case.status and step.violation in (None, found):
            return step.action
    return None


def remaining_steps(procedure, status, violation_found):
    """The steps still ahead of a case in `status`, in table order: those reachable along
    the usual way (not the shortcuts of `also_from`)."""
    reached, ahead = {status}, []
    for step in CASE_STEPS[procedure]:
        if step.source in reached and _takes(step, violation_found):
            ahead.append(step)
            reached.add(step.target)
    return ahead


def steps_to(procedure, status, *, violation_found=False, remediation=True):
    """The actions that take a new case (decided) to `status`, by the usual way. Archived
    without `remediation`: the follow-up is left out, as the FSM allows."""
    actions, current = [], CaseStatus.DECIDED
    while current != status:
        ways = [s for s in CASE_STEPS[procedure] if s.source == current
                and s.violation in (None, violation_found)]
        if not ways:
            raise ValueError(f"{status} is not on the way of a {procedure} case")
        step = ways[0]
        if not remediation and status == CaseStatus.ARCHIVED and step.action == "remediate":
            step = next(s for s in CASE_STEPS[procedure] if current in s.also_from)
        actions.append(step.action)
        current = step.target
    return actions


# ---- what the pages show ----------------------------------------------------------------

class Mark:
    DONE, CURRENT, NEXT, LATER, SKIPPED = "done", "current", "next", "later", "skipped"


MARK_LABELS = {
    Mark.DONE: _("Đã xong"),
    Mark.CURRENT: _("Đang thực hiện"),
    Mark.NEXT: _("Bước tiếp theo"),
    Mark.LATER: _("Chưa đến"),
    Mark.SKIPPED: _("Không thực hiện"),
}


@dataclass
class StepMark:
    action: str
    label: str
    mark: str
    actor: object = None  # who took it (done): the event's actor
    at: datetime | None = None  # when it was taken (done)
    holder: object = None  # who holds its task (current), filled in by workflows
    held_since: datetime | None = None
    extra: dict = field(default_factory=dict)

    @property
    def mark_label(self):
        return MARK_LABELS[self.mark]


def step_events(case):
    """{action: the case event that records it}, one query."""
    action_of = {event: action for action, event in STEP_EVENTS.items()}
    found = {}
    for event in (CaseEvent.objects.filter(inspection=case, event_type__in=list(action_of))
                  .select_related("actor").order_by("occurred_at", "pk")):
        found[action_of[event.event_type]] = event
    return found


def step_marks(case, events=None):
    """[StepMark] for every step of the case's procedure, in table order."""
    events = step_events(case) if events is None else events
    ahead = [] if case.status == CaseStatus.ARCHIVED else remaining_steps(
        case.procedure, case.status, case.violation_found)
    current = ahead[0] if ahead else None
    following = {s.action for s in ahead[1:] if current and s.source == current.target}
    later = {s.action for s in ahead}
    marks = []
    for step in CASE_STEPS[case.procedure]:
        event = events.get(step.action)
        if event is not None:
            mark = StepMark(step.action, STEP_LABELS[step.action], Mark.DONE,
                            actor=event.actor, at=event.occurred_at)
        elif current is not None and step.action == current.action:
            mark = StepMark(step.action, STEP_LABELS[step.action], Mark.CURRENT)
        elif step.action in following:
            mark = StepMark(step.action, STEP_LABELS[step.action], Mark.NEXT)
        elif step.action in later:
            mark = StepMark(step.action, STEP_LABELS[step.action], Mark.LATER)
        else:
            mark = StepMark(step.action, STEP_LABELS[step.action], Mark.SKIPPED)
        marks.append(mark)
    return marks

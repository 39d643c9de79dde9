"""Việc của tôi: what one user must do next, across letters and cases, most urgent first.

Letters. A letter is on the list when it is open and its next step is one the user's roles
allow at its receiving organisation (or above it), exactly the matrix of
`casework.permissions.ACTION_ROLES` that the FSM's transition permissions use. "Next step"
is the step that moves the letter on, decided by its status (and, once classified, by its
competence): received → classify; classified and competent here → accept (a decision:
leaders, UBKT, secretary); classified for another body → transfer; classified for nobody
→ guide; accepted → resolve; transferred → follow up. Side exits that every open letter
allows (withdraw, file) would put every letter on every list, so they do not count. The
whole condition is one SQL filter built from the user's role assignments; the clock's
assignee is not used, since it only names who recorded the previous step.

Cases. The user's viewflow tasks, assigned to them or which they may take from the queue
(`workflows.case_processes.open_case_tasks`, scoped in SQL there).

Urgency. Each row takes the earliest due date of its letter's or case's running clocks
(windows of a right, such as the month to appeal, excluded): overdue first, then by due
date, then rows without a deadline (paused, or a step without a clock).
"""
from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from casework.formatting import choice_label
from casework.models import Competence, Petition, PetitionStatus, RoleAssignment
from casework.permissions import ACTION_LABELS, ACTION_ROLES
from workflows.models import ClockStatus, DeadlineClock
from workflows.panels import clock_state

# A letter's next step, written once: (status, the competences the row is for, action). A
# row without competences takes every competence the other rows of its status do not
# name, a letter classified without a competence included (it is treated as one for this
# body). `letters_to_act_on` turns the table into one SQL filter, `next_action` reads it
# for one letter.
LETTER_NEXT = [
    (PetitionStatus.RECEIVED, None, "classify"),
    (PetitionStatus.CLASSIFIED, {Competence.OTHER}, "transfer"),
    (PetitionStatus.CLASSIFIED, {Competence.NONE}, "guide"),
    (PetitionStatus.CLASSIFIED, None, "accept"),
    (PetitionStatus.ACCEPTED, None, "resolve"),
    (PetitionStatus.TRANSFERRED, None, "follow_up"),
]


def _named_elsewhere(status):
    return {c for s, competences, _ in LETTER_NEXT if s == status and competences
            for c in competences}


def _row_q(status, competences):
    if competences:
        return Q(status=status, competence__in=competences)
    named = _named_elsewhere(status)
    return Q(status=status) & ~Q(competence__in=named) if named else Q(status=status)


# More rows than anybody can act on in a day; the page says how many there are in all.
LIMIT = 200
# Beside the units' lines of a user over several communes: the most urgent across them.
GROUPED_LIMIT = 20


@dataclass
class WorkItem:
    what: str  # the step to take
    number: str
    title: str  # the letter's kind, or the case's kind and name; never a sender
    organisation: str
    url: str  # where to act
    record_url: str
    due_on: date | None = None
    state: object = None  # workflows.panels.ClockState of the most urgent clock
    note: str = ""  # "Giao cho bạn" / "Có thể nhận"

    @property
    def sort_key(self):
        return (self.due_on is None, self.due_on or date.max)


def next_action(petition):
    """The action of the LETTER_NEXT row this letter matches, or None."""
    for status, competences, action in LETTER_NEXT:
        if petition.status != status:
            continue
        if (petition.competence in competences if competences
                else petition.competence not in _named_elsewhere(status)):
            return action
    return None


def letters_to_act_on(user):
    """Open letters whose next step the user's roles allow there: a queryset."""
    if not user.is_authenticated or not user.is_active:
        return Petition.objects.none()
    if user.is_superuser:
        paths_by_role = None
    else:
        paths_by_role = {}
        for role, path in (RoleAssignment.objects.filter(user=user)
                           .values_list("role", "organisation__path")):
            paths_by_role.setdefault(role, set()).add(path)
    cond = Q(pk__in=[])
    for status, competences, action in LETTER_NEXT:
        step = _row_q(status, competences)
        if paths_by_role is None:
            cond |= step
            continue
        paths = {p for role in ACTION_ROLES[action] for p in paths_by_role.get(role, ())}
        where = Q(pk__in=[])
        for path in sorted(paths):
            where |= Q(organisation__path__startswith=path)
        if paths:
            cond |= step & where
    return Petition.objects.visible_to(user).filter(cond)


def _urgent_clocks(owner_field, ids):
    """{owner id: the running clock due first}, one query."""
    urgent = {}
    clocks = (DeadlineClock.objects.filter(**{f"{owner_field}__in": ids},
                                           status=ClockStatus.RUNNING, lapses=False)
              .select_related("rule").order_by("due_on", "pk"))
    for clock in clocks:
        urgent.setdefault(getattr(clock, f"{owner_field}_id"), clock)
    return urgent


def _with_clock(item, clock, today, cal):
    if clock is not None:
        item.due_on = clock.due_on
        item.state = clock_state(clock, today, cal)
    return item


def urgent_letters(letters, limit):
    """The `limit` letters first in the list's order: earliest due date of a running
    clock (windows of a right excluded), then received first, then id; letters without
    such a clock last. Read from the clocks' due-date index (clock_open_due_idx) instead
    of grouping every open letter with its clocks (1.6 s for a province's 50,000): the
    first clock of a letter in due order carries its earliest due date, so the letters
    met first walking that index are the most urgent. Two or three queries."""
    found, due, batch, offset = [], {}, limit * 4, 0
    clocks = (DeadlineClock.objects.filter(status=ClockStatus.RUNNING, lapses=False,
                                           petition__in=letters)
              .order_by("due_on", "petition__received_on", "petition_id", "pk")
              .values_list("petition_id", "due_on"))
    while len(found) < limit:
        chunk = list(clocks[offset:offset + batch])
        for petition_id, due_on in chunk:
            if petition_id not in due:
                due[petition_id] = due_on
                found.append(petition_id)
        if len(chunk) < batch:
            break
        offset, batch = offset + batch, batch * 4
    found = found[:limit]
    rows = {p.pk: p for p in letters.filter(pk__in=found).select_related("organisation")}
    ordered = [rows[pk] for pk in found if pk in rows]
    if len(ordered) < limit:  # then the letters no running clock holds to a date
        running = DeadlineClock.objects.filter(status=ClockStatus.RUNNING, lapses=False,
                                               petition=OuterRef("pk"))
        ordered += list(letters.exclude(Exists(running)).select_related("organisation")
                        .order_by("received_on", "pk")[:limit - len(ordered)])
    for petition in ordered:
        petition.due = due.get(petition.pk)
    return ordered


def letter_items(user, today, cal, *, letters=None, limit=LIMIT):
    """(rows, total): the letters (`letters`: a part of the user's, default all of them),
    most urgent first, at most `limit`."""
    letters = letters_to_act_on(user) if letters is None else letters
    total = letters.count()
    rows = urgent_letters(letters, limit)
    urgent = _urgent_clocks("petition", [p.pk for p in rows])
    items = []
    for petition in rows:
        action = next_action(petition)
        if action is None:
            continue
        item = WorkItem(
            what=str(ACTION_LABELS[action]), number=petition.receipt_number,
            title=choice_label(petition, "kind") or _("Chưa phân loại"),
            organisation=petition.organisation.name,
            url=reverse("casework:petition-transition", args=[petition.pk, action]),
            record_url=reverse("casework:petition-detail", args=[petition.pk]))
        items.append(_with_clock(item, urgent.get(petition.pk), today, cal))
    return items, total


def letter_groups(user, letters):
    """The units the letters are at, one line per commune (and per unit above them), for
    a user whose letters span several communes (casework.selectors.letters.
    register_groups): [UnitGroup], or None for a user of one commune. One grouped COUNT."""
    from casework.selectors.letters import register_counts, register_groups

    return register_groups(user=user, counts=register_counts(letters))


def _open_case_tasks(user):
    from workflows.case_processes import open_case_tasks

    return open_case_tasks(user)


def case_items(user, today, cal):
    """(rows, total): the user's case tasks and those they may take, most urgent first."""
    tasks = _open_case_tasks(user)
    urgent = _urgent_clocks("inspection", list({t.case.pk for t in tasks}))
    items = []
    for t in tasks:
        case = t.case
        item = WorkItem(
            what=t.label, number=case.number,
            title=f"{choice_label(case, 'kind')}: {case.title}",
            organisation=case.organisation.name, url=t.url,
            record_url=case.get_absolute_url(),
            note=_("Giao cho bạn") if t.assigned_to_me else _("Có thể nhận"))
        items.append(_with_clock(item, urgent.get(case.pk), today, cal))
    items.sort(key=lambda i: i.sort_key)
    return items[:LIMIT], len(items)

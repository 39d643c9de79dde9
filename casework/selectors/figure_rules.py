"""Each figure's rule, written once: the condition that selects the records a figure
counts, for a period. The report (casework.selectors.case_figures counts with these very
conditions) and the lists behind its numbers (/don-thu/ and /kiem-tra/ with
?so-lieu=<figure>&ky-tu-ngay=…&ky-den-ngay=…) filter with the same function, so a number in
a report and the length of the list it links to cannot differ.

Letters: `casework.selectors.figures` counts them in one hand-written SQL statement (see its
docstring for why); the conditions here are the same definitions in ORM form, and
tests/casework/test_figure_lists.py holds every letter figure of generated histories equal
to the length of its list.

A day is the office's local day: "in the period" is [local midnight of `start`, local
midnight after `end`), as in casework.selectors.figures.
"""
from datetime import date, timedelta

from django.db.models import CharField, Exists, OuterRef, Q, Subquery
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce

from casework.models import (
    CaseEvent,
    DisciplineForm,
    EventType,
    InspectionKind,
    PetitionKind,
    SenderType,
)
from casework.models.inspections import SUPERVISION_KINDS
from casework.models.petitions import OPEN_STATUSES
from casework.selectors.figures import CLOSED_OUTCOMES, STEPS_COUNTED, _overdue_at, day_start
from casework.selectors.programme import QUARTERS, quarter_end


def bounds(start: date, end: date):
    return day_start(start), day_start(end + timedelta(days=1))


# ---- letters ---------------------------------------------------------------------------

def _letter_events(event_type=None, **lookups):
    events = CaseEvent.objects.filter(petition=OuterRef("pk"), **lookups)
    return events.filter(event_type=event_type) if event_type else events


def _closing(**lookups):
    return _letter_events(to_status__in=CLOSED_OUTCOMES, from_status__in=OPEN_STATUSES,
                          **lookups)


def _received_before(moment):
    return Exists(_letter_events(EventType.RECEIVED, occurred_at__lt=moment))


def _open_at(moment):
    """Received before `moment` and not closed before it."""
    return Q(_received_before(moment)) & ~Q(Exists(_closing(occurred_at__lt=moment)))


def _received_in(after_start, after_end):
    return Q(Exists(_letter_events(EventType.RECEIVED, occurred_at__gte=after_start,
                                   occurred_at__lt=after_end)))


def _kind_then(after_end):
    kind_events = (_letter_events(occurred_at__lt=after_end, details__has_key="kind")
                   .order_by("-occurred_at", "-id")
                   .annotate(k=KeyTextTransform("kind", "details")).values("k")[:1])
    return Coalesce(Subquery(kind_events), "kind", output_field=CharField())


def letter_figure_names():
    """The figure names the register accepts, with the detail each takes (or None)."""
    return {"carried_in": None, "received": PetitionKind.values, "anonymous": None,
            **dict.fromkeys(STEPS_COUNTED), "closed": [str(o) for o in CLOSED_OUTCOMES],
            "open_at_end": None, "overdue_at_end": None}


def letters_figure(letters, figure, start, end, detail=""):
    """`letters` (a Petition queryset) narrowed to those `figure` counts for the days
    `start`–`end`; `detail` is the kind for "received", the outcome for "closed"."""
    after_start, after_end = bounds(start, end)
    if figure == "carried_in":
        return letters.filter(_open_at(after_start))
    if figure == "received":
        letters = letters.filter(_received_in(after_start, after_end))
        if detail:
            letters = letters.alias(kind_then=_kind_then(after_end)).filter(kind_then=detail)
        return letters
    if figure == "anonymous":
        return letters.filter(_received_in(after_start, after_end),
                              sender_type__in=(SenderType.ANONYMOUS, SenderType.PSEUDONYMOUS))
    if figure in STEPS_COUNTED:
        return letters.filter(Exists(_letter_events(STEPS_COUNTED[figure],
                                                    occurred_at__gte=after_start,
                                                    occurred_at__lt=after_end)))
    if figure == "closed":
        lookups = {"to_status": detail} if detail else {}
        return letters.filter(Exists(_closing(occurred_at__gte=after_start,
                                              occurred_at__lt=after_end, **lookups)))
    if figure == "open_at_end":
        return letters.filter(_open_at(after_end))
    if figure == "overdue_at_end":
        return letters.filter(_open_at(after_end), _overdue_at(end))
    raise ValueError(figure)


# ---- inspection and supervision cases ----------------------------------------------------

def _case_event(event_type, after_start, after_end, **lookups):
    return Q(Exists(CaseEvent.objects.filter(
        inspection=OuterRef("pk"), event_type=event_type, occurred_at__gte=after_start,
        occurred_at__lt=after_end, **lookups)))


SUPERVISION = Q(kind__in=[str(k) for k in SUPERVISION_KINDS])
NO_DISCIPLINE = "none"  # the decision "không kỷ luật" (form left empty)
DISCIPLINE_KEYS = [*DisciplineForm.values, NO_DISCIPLINE]


def case_conditions(start, end):
    """{figure: condition on InspectionCase} for the days `start`–`end`:
    - decided: the decision opening the case (its CASE_OPENED event) is dated in the period;
      `members` and `organisations` split those by their subject;
    - concluded: an inspection's conclusion, or a supervision's notice of results (a
      supervision has no conclusion: the notice is its end), dated in the period;
    - violations: a conclusion dated in the period that found a violation;
    - discipline_<form>: the discipline decision dated in the period, by form
      (`discipline_none`: decided not to discipline)."""
    after_start, after_end = bounds(start, end)
    decided = _case_event(EventType.CASE_OPENED, after_start, after_end)
    conditions = {
        "decided": decided,
        "members": decided & Q(subject_member__isnull=False),
        "organisations": decided & Q(subject_organisation__isnull=False),
        "concluded": ((~SUPERVISION & _case_event(EventType.CONCLUDED, after_start, after_end))
                      | (SUPERVISION & _case_event(EventType.CASE_NOTIFIED, after_start,
                                                   after_end))),
        "violations": _case_event(EventType.CONCLUDED, after_start, after_end,
                                  details__violation_found=True),
    }
    for form in DISCIPLINE_KEYS:
        conditions[f"discipline_{form}"] = _case_event(
            EventType.DISCIPLINED, after_start, after_end,
            details__form="" if form == NO_DISCIPLINE else form)
    return conditions


CASE_FIGURES = ("decided", "members", "organisations", "concluded", "violations",
                "discipline")


def quarters_in(start, end):
    """(year, quarter) of the quarters that end within the period."""
    return [(year, q) for year in range(start.year, end.year + 1) for q in QUARTERS
            if start <= quarter_end(year, q) <= end]


def programme_items(items, start, end):
    """`items` (ProgrammeItem) planned for a quarter ending in the period."""
    cond = Q(pk__in=[])
    for year, quarter in quarters_in(start, end):
        cond |= Q(programme__year=year, quarter=quarter)
    return items.filter(cond)


def programme_done(start, end):
    """A case from a programme item planned for a quarter ending in the period, concluded
    (a supervision: its results notified) by the period's end, whenever that was."""
    _after_start, after_end = bounds(start, end)
    cond = Q(pk__in=[])
    for year, quarter in quarters_in(start, end):
        cond |= Q(programme_item__programme__year=year, programme_item__quarter=quarter)
    concluded = ((~SUPERVISION & Q(Exists(CaseEvent.objects.filter(
        inspection=OuterRef("pk"), event_type=EventType.CONCLUDED, occurred_at__lt=after_end))))
        | (SUPERVISION & Q(Exists(CaseEvent.objects.filter(
            inspection=OuterRef("pk"), event_type=EventType.CASE_NOTIFIED,
            occurred_at__lt=after_end)))))
    return cond & concluded


def case_figure_names():
    return {**dict.fromkeys(CASE_FIGURES[:-1], None), "discipline": DISCIPLINE_KEYS,
            "programme_done": None}


def cases_figure(cases, figure, start, end, detail=""):
    """`cases` (an InspectionCase queryset) narrowed to those `figure` counts."""
    if figure == "programme_done":
        return cases.filter(programme_done(start, end))
    conditions = case_conditions(start, end)
    if figure == "discipline":
        keys = [detail] if detail else DISCIPLINE_KEYS
        cond = Q(pk__in=[])
        for key in keys:
            cond |= conditions[f"discipline_{key}"]
        return cases.filter(cond)
    return cases.filter(conditions[figure])


KIND_KEYS = InspectionKind.values

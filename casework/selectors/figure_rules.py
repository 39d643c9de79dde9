"""Each figure's rule, written once: the condition that selects the records a figure
counts, for a period. The reports (casework.selectors.figures for letters,
casework.selectors.case_figures for cases) count with these very conditions, and the lists
behind their numbers (/don-thu/ and /kiem-tra/ with ?so-lieu=<figure>&ky-tu-ngay=…
&ky-den-ngay=…) filter with the same functions, so a number in a report and the length of
the list it links to cannot differ (tests/casework/test_reports.py holds them equal on
generated histories).

A day is the office's local day (settings.TIME_ZONE, Asia/Ho_Chi_Minh): the period
[start, end] is the instants from local midnight starting `start` to local midnight ending
`end`, so "dated in the period" means exactly "TruncDate(occurred_at, tzinfo=office)
between start and end", written as a range on the indexed column.

Letters are counted from the event log, a back-dated event at its back-dated moment, never
from the letter's status today:
- Each letter has one RECEIVED event and at most one closing event (leaving an open status
  for a closed one: closed statuses are final), and the transition engine refuses an event
  dated before the previous one (casework.services.transitions.check_moment). Their
  moments are on the letter (Petition.received_at, closed_at, written by the engine beside
  each event), so the letters live in a period are read from an index. Every letter
  received by the end of the period is, as of the period, exactly one of: closed before it,
  carried in or received in it, and then exactly one of: closed in it (by outcome) or open
  at its end. Hence `carried_in + received == sum(closed.values()) + open_at_end`.
- The outcome of a letter closed in the period is its status: the closing event's, since
  closed statuses are final (reporting back keeps "resolved").
- Kind at the period's end: a letter's kind is set only on receipt and on classification,
  and both events record it (details["kind"]; `verify_audit` checks the letter's kind is
  the last one recorded: its KIND_CHANGED break). So the kind at the end is that of the
  last event carrying a kind dated at or before the end (the letter's current kind if none
  does, which no service writes). The moment of the last such event is on the letter
  (`kind_recorded_at`): when it is before the end, that event is the last one before the
  end and its kind the letter's current kind, which is read instead; only a letter whose
  kind was recorded after the end (classified after it) has its events read.
  `anonymous` (giấu tên, mạo tên) reads the sender type, set once on receipt.
- A counted step (transferred, guided, accepted) is the letter having that event in the
  period; it was open then, so such a letter is live in the period. The FSM lets each step
  be taken once, and the letter keeps the first moment of each (`<step>_at`, by the
  events' own dates), so "the step is dated in the period" is a range on that column.
- A letter is counted once in every roll-up (issue 14): a letter handed on inside the
  system (transferred or guided to a unit in it, which registers a linked letter of its
  own) keeps the unit it went to (`Petition.handed_to`). In a roll-up over a subtree S,
  a letter handed to a unit inside S is counted in no figure: its chain is counted at the
  recipient's letter, and so on down the chain (office → branch → another branch counts
  once, at the last). A letter handed to a unit outside S (another commune) still counts
  in S, as transferred or guided there; the province's roll-up leaves out every handed
  letter. Each figure's condition carries this, so the balance identity still holds (a
  letter left out is left out of both sides), and the lists behind the figures apply the
  same rule for the subtree of the report (the list's ?don-vi=). `handed_within` counts
  the letters the rule left out of the period (those that would otherwise have been
  carried in or received: every letter live in it), which the report states.
- Overdue at the end: the letter is open at the end and one of its deadline clocks
  (workflows' clock ledger) was running then (started on or before the end, not stopped by
  it, not paused by it, not a window of a right that lapses) with the due date its ledger
  gave as of the end (the `due_after` of its last entry dated on or before the end) before
  the end.
"""
from datetime import date, datetime, time, timedelta

from django.apps import apps
from django.db.models import Case, CharField, Exists, F, OuterRef, Q, Subquery, When
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce
from django.utils import timezone

from casework.models import (
    CaseEvent,
    DisciplineForm,
    EventType,
    InspectionKind,
    Organisation,
    PetitionKind,
    PetitionStatus,
    SenderType,
)
from casework.models.inspections import SUPERVISION_KINDS
from casework.models.petitions import STEP_EVENTS
from casework.selectors.programme import QUARTERS, quarter_end

CLOSED_OUTCOMES = (PetitionStatus.RESOLVED, PetitionStatus.WITHDRAWN, PetitionStatus.FILED,
                   PetitionStatus.GUIDED)
STEPS_COUNTED = {"transferred": EventType.TRANSFERRED, "guided": EventType.GUIDED,
                 "accepted": EventType.ACCEPTED}
# figure → the letter's field holding the first moment of that step (Petition.log_moments)
STEP_MOMENT = {figure: STEP_EVENTS[str(event)] for figure, event in STEPS_COUNTED.items()}
ANONYMOUS = (SenderType.ANONYMOUS, SenderType.PSEUDONYMOUS)


def day_start(day: date) -> datetime:
    """The instant the office's local `day` begins."""
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def bounds(start: date, end: date):
    return day_start(start), day_start(end + timedelta(days=1))


# ---- letters ---------------------------------------------------------------------------

def _letter_events(**lookups):
    return CaseEvent.objects.filter(petition=OuterRef("pk"), **lookups)


def _open_at(moment):
    """Received before `moment` and not closed before it."""
    return Q(received_at__lt=moment) & (Q(closed_at__isnull=True) | Q(closed_at__gte=moment))


def handed_within(organisation):
    """The letter was handed on to a unit inside `organisation`'s subtree (None: the
    whole system, where every hand-off is inside) (module docstring): the roll-up over
    that subtree counts its chain at the recipient's letter.
    The units are a subquery, not a join: PostgreSQL hashes the subtree's ids once (a
    province's few hundred) and tests each letter's `handed_to_id`, read from the same
    covering index as the rest (Petition.Meta.indexes)."""
    if organisation is None:
        return Q(handed_to__isnull=False)
    units = Organisation.objects.filter(path__startswith=organisation.path).values("pk")
    return Q(handed_to__isnull=False) & Q(handed_to__in=units)


def before_handoffs(start: date, end: date):
    """{figure: condition on Petition} for the figures read from the letter's own columns,
    for the days `start`–`end` (module docstring): carried_in, received, anonymous,
    transferred, guided, accepted, open_at_end and closed_<outcome>; each a range on the
    logged moments; before the hand-off rule (`letter_conditions` adds it)."""
    after_start, after_end = bounds(start, end)
    received = Q(received_at__gte=after_start, received_at__lt=after_end)
    closed_in = Q(closed_at__gte=after_start, closed_at__lt=after_end)
    return {
        "carried_in": _open_at(after_start),
        "received": received,
        "anonymous": received & Q(sender_type__in=ANONYMOUS),
        **{figure: Q(**{f"{moment}__gte": after_start, f"{moment}__lt": after_end})
           for figure, moment in STEP_MOMENT.items()},
        "open_at_end": _open_at(after_end),
        **{f"closed_{outcome!s}": closed_in & Q(status=outcome) for outcome in CLOSED_OUTCOMES},
    }


def letter_conditions(start: date, end: date, organisation=None):
    """The figures' conditions (`before_handoffs`) in the roll-up over `organisation`'s
    subtree (None: the whole system): each leaves out the letters handed on inside it,
    and `handed_within` is those left out (the letters live in the period, i.e. carried
    in or received, handed on inside the subtree). The lists behind the figures filter
    with these; the counts (casework.selectors.figures) read the same two parts, the
    conditions and `handed_within`, testing the latter once per letter."""
    conditions = before_handoffs(start, end)
    within = handed_within(organisation)
    live = conditions["carried_in"] | conditions["received"]
    return {**{figure: cond & ~within for figure, cond in conditions.items()},
            "handed_within": live & within}


def live_parts(start: date, end: date):
    """The letters any letter figure of the period can count, as three disjoint ranges,
    each read from one of Petition's indexes on the logged moments: received in the
    period; received before it and closed after its start; received before it and not
    closed. (A letter closed in the period, open at its end or taking a step in it is one
    of them.) Disjoint, so counted through a UNION ALL; one OR of them would be a bitmap
    scan of the table's rows instead of the index alone."""
    after_start, after_end = bounds(start, end)
    return [Q(received_at__gte=after_start, received_at__lt=after_end),
            Q(closed_at__gte=after_start, received_at__lt=after_start),
            Q(closed_at__isnull=True, received_at__lt=after_start)]


def overdue_clocks(end: date):
    """The letters' deadline clocks running and past due at `end` (module docstring). The
    clocks live in workflows, which casework never imports: looked up by name."""
    clock_model = apps.get_model("workflows", "DeadlineClock")
    entry_model = apps.get_model("workflows", "ClockEntry")
    entries = entry_model.objects.filter(clock=OuterRef("pk"), on__lte=end).order_by("-on", "-id")
    pauses = entries.filter(kind__in=("pause", "suspend", "resume"))
    return (clock_model.objects
            .filter(petition__isnull=False, started_on__lte=end, lapses=False)
            .filter(Q(stopped_on__isnull=True) | Q(stopped_on__gt=end))
            .annotate(due_then=Subquery(entries.values("due_after")[:1]),
                      pause_then=Subquery(pauses.values("kind")[:1]))
            .filter(due_then__lt=end)
            # Not paused then (NULL: never paused, and NOT IN would drop it).
            .filter(Q(pause_then__isnull=True) | Q(pause_then="resume")))


def overdue_at(end: date):
    """SQL condition on a letter: one of its clocks was running and past due at `end`."""
    return Exists(overdue_clocks(end).filter(petition=OuterRef("pk")))


def overdue_at_end(start: date, end: date, organisation=None):
    """Open at the period's end (tested first: the clocks are read only for those) and
    overdue then."""
    return letter_conditions(start, end, organisation)["open_at_end"] & Q(overdue_at(end))


def kind_then(after_end):
    """The letter's kind as of `after_end` (module docstring): its own kind when the last
    recording of it is before `after_end`; otherwise from its events, a subquery evaluated
    only for those letters (a CASE branch), through the index on the event's letter."""
    kind_events = (_letter_events(occurred_at__lt=after_end, details__has_key="kind")
                   .order_by("-occurred_at", "-id")
                   .annotate(k=KeyTextTransform("kind", "details")).values("k")[:1])
    return Case(When(Q(kind_recorded_at__isnull=True) | Q(kind_recorded_at__lt=after_end),
                     then=F("kind")),
                default=Coalesce(Subquery(kind_events), "kind", output_field=CharField()),
                output_field=CharField())


def letter_figure_names():
    """The figure names the register accepts, with the detail each takes (or None)."""
    return {"carried_in": None, "received": PetitionKind.values, "anonymous": None,
            **dict.fromkeys(STEPS_COUNTED), "closed": [str(o) for o in CLOSED_OUTCOMES],
            "open_at_end": None, "overdue_at_end": None, "handed_within": None}


def letters_figure(letters, figure, start, end, detail="", *, organisation):
    """`letters` (a Petition queryset) narrowed to those `figure` counts for the days
    `start`–`end` in the roll-up over `organisation`'s subtree (the letters handed on
    inside it are its recipients' to count: module docstring); `detail` is the kind for
    "received", the outcome for "closed"."""
    conditions = letter_conditions(start, end, organisation)
    if figure in ("carried_in", "anonymous", "open_at_end", "handed_within"):
        return letters.filter(conditions[figure])
    if figure == "received":
        letters = letters.filter(conditions["received"])
        if detail:
            letters = letters.alias(kind_then=kind_then(bounds(start, end)[1])).filter(
                kind_then=detail)
        return letters
    if figure in STEPS_COUNTED:
        return letters.filter(conditions[figure])
    if figure == "closed":
        outcomes = [detail] if detail else CLOSED_OUTCOMES
        cond = Q(pk__in=[])
        for outcome in outcomes:
            cond |= conditions.get(f"closed_{outcome!s}", Q(pk__in=[]))
        return letters.filter(cond)
    if figure == "overdue_at_end":
        return letters.filter(overdue_at_end(start, end, organisation))
    raise ValueError(figure)


# ---- inspection and supervision cases ----------------------------------------------------

SUPERVISION = Q(kind__in=[str(k) for k in SUPERVISION_KINDS])
NO_DISCIPLINE = "none"  # the decision "không kỷ luật" (form left empty)
DISCIPLINE_KEYS = [*DisciplineForm.values, NO_DISCIPLINE]
CASE_EVENTS = (EventType.CASE_OPENED, EventType.CONCLUDED, EventType.CASE_NOTIFIED,
               EventType.DISCIPLINED)


def case_event_conditions():
    """{figure: condition on a case's CaseEvent (the case's own fields through
    `inspection__`)}: a case counts in a figure when one of its events dated in the period
    meets the figure's condition.
    - decided: the decision opening the case (its CASE_OPENED event); `members` and
      `organisations`: the cases decided with a member (an organisation) among their
      subjects, whose figure counts those subjects (FIGURE_COUNTS: a supervision of four
      branches is one case decided and four organisations);
    - concluded: an inspection's conclusion, or a supervision's notice of results (a
      supervision has no conclusion: the notice is its end);
    - violations: a conclusion that found a violation;
    - discipline_<form>: the discipline decisions, by form (`discipline_none`: decided not
      to discipline): each subject's decision is its own event, and the figure counts
      them (FIGURE_COUNTS)."""
    supervision = Q(inspection__kind__in=[str(k) for k in SUPERVISION_KINDS])
    inspection = Q(inspection__kind__in=[k for k in InspectionKind.values
                                         if k not in SUPERVISION_KINDS])
    decided = Q(event_type=EventType.CASE_OPENED)
    conditions = {
        "decided": decided,
        "members": decided & Q(inspection__subject_rows__member__isnull=False),
        "organisations": decided & Q(inspection__subject_rows__organisation__isnull=False),
        "concluded": ((inspection & Q(event_type=EventType.CONCLUDED))
                      | (supervision & Q(event_type=EventType.CASE_NOTIFIED))),
        "violations": Q(event_type=EventType.CONCLUDED, details__violation_found=True),
    }
    for form in DISCIPLINE_KEYS:
        conditions[f"discipline_{form}"] = Q(event_type=EventType.DISCIPLINED,
                                             details__form="" if form == NO_DISCIPLINE
                                             else form)
    return conditions


# What a figure counts among the events meeting its condition (case_figures), when not the
# cases: a case's subjects (each CaseSubject row, distinct, the join being on them alone),
# or its discipline decisions (one event each). Every other figure counts distinct cases.
FIGURE_COUNTS = {"members": "inspection__subject_rows", "organisations": "inspection__subject_rows",
                 **{f"discipline_{form}": "pk" for form in DISCIPLINE_KEYS}}


def case_events_in(start, end):
    """The case events any case figure of the period reads (an index range on the moment)."""
    after_start, after_end = bounds(start, end)
    return CaseEvent.objects.filter(inspection__isnull=False, event_type__in=CASE_EVENTS,
                                    occurred_at__gte=after_start, occurred_at__lt=after_end)


def case_conditions(start, end):
    """{figure: condition on InspectionCase} for the days `start`–`end`: the case has an
    event dated in the period meeting the figure's condition (case_event_conditions)."""
    events = case_events_in(start, end).filter(inspection=OuterRef("pk"))
    return {figure: Q(Exists(events.filter(cond)))
            for figure, cond in case_event_conditions().items()}


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
    # `inspection__isnull=False` says nothing new to a reader, but lets PostgreSQL read the
    # events from the partial index of case events by type (CaseEvent.Meta) when it hashes
    # the EXISTS as a whole (its plan for an OR of two): otherwise a scan of every event.
    events = CaseEvent.objects.filter(inspection=OuterRef("pk"), inspection__isnull=False,
                                      occurred_at__lt=after_end)
    concluded = ((~SUPERVISION & Q(Exists(events.filter(event_type=EventType.CONCLUDED))))
                 | (SUPERVISION & Q(Exists(events.filter(event_type=EventType.CASE_NOTIFIED)))))
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


def cases_figure_count(cases, figure, start, end, detail=""):
    """What `figure` counts among `cases` (already narrowed to its list), when that is not
    the cases themselves (FIGURE_COUNTS): their member or organisation subjects, or the
    discipline decisions of the period; None for a figure that counts cases. The case list
    shows it beside its total, so a figure of subjects is also the number its list shows
    (one case, four organisations)."""
    from casework.models import CaseSubject

    if figure in ("members", "organisations"):
        column = "member" if figure == "members" else "organisation"
        return CaseSubject.objects.filter(case__in=cases.values("pk"),
                                          **{f"{column}__isnull": False}).count()
    if figure == "discipline":
        keys = [detail] if detail else DISCIPLINE_KEYS
        forms = ["" if key == NO_DISCIPLINE else key for key in keys]
        return (case_events_in(start, end)
                .filter(inspection__in=cases.values("pk"), event_type=EventType.DISCIPLINED,
                        details__form__in=forms).count())
    return None


KIND_KEYS = InspectionKind.values

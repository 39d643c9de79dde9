"""Figures for a period, counted from the event log (issue 12, item 1): letters for now.

A letter's history is read from its events at their own moments (a back-dated event at its
back-dated moment), never from its status today. A day is the office's local day
(settings.TIME_ZONE, Asia/Ho_Chi_Minh): the period [start, end] is the instants from local
midnight starting `start` to local midnight ending `end`, so "dated in the period" means
exactly "TruncDate(occurred_at, tzinfo=office) between start and end", written as a range on
the indexed column.

Each letter has one RECEIVED event and at most one closing event (the event leaving an open
status for a closed one: closed statuses are final), and the transition engine refuses an
event dated before the previous one (casework.services.transitions.check_moment). So every
letter received by the end of the period is, as of the period, exactly one of: closed before
it, carried in or received in it, and then exactly one of: closed in it (by outcome) or open
at its end. Hence `carried_in + received == sum(closed.values()) + open_at_end` by
construction.

Kind at the period's end: a letter's kind is set only on receipt and on classification,
and both events record it (details["kind"]; `verify_audit` checks the letter's kind is the
last one recorded). So the kind at the end is that of the last event carrying a kind dated
at or before the end (the letter's current kind if none does, which no service writes).
`anonymous` (giấu tên, mạo tên) reads the letter's sender type, set once on receipt.

Overdue at the end: the letter is open at the end and one of its deadline clocks
(workflows' clock ledger) was running then (started on or before the end, not stopped by
it, not paused by it, not a window of a right that lapses) with the due date its ledger gave
as of the end (the `due_after` of its last entry dated on or before the end) before the end.

All of it in one SQL statement, grouped by receiving unit; the totals are the units' sums.
"""
from datetime import date, datetime, time, timedelta

from django.apps import apps
from django.db import connection
from django.db.models import CharField, Exists, F, OuterRef, Q, Subquery
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce
from django.utils import timezone

from casework.models import (
    CaseEvent,
    EventType,
    Organisation,
    Petition,
    PetitionKind,
    PetitionStatus,
    SenderType,
)
from casework.models.petitions import OPEN_STATUSES

CLOSED_OUTCOMES = (PetitionStatus.RESOLVED, PetitionStatus.WITHDRAWN, PetitionStatus.FILED,
                   PetitionStatus.GUIDED)
STEPS_COUNTED = {"transferred": EventType.TRANSFERRED, "guided": EventType.GUIDED,
                 "accepted": EventType.ACCEPTED}


def day_start(day: date) -> datetime:
    """The instant the office's local `day` begins."""
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def _events(event_type=None):
    events = CaseEvent.objects.filter(petition=OuterRef("pk"))
    return events.filter(event_type=event_type) if event_type else events


def _closing_events():
    return _events().filter(to_status__in=CLOSED_OUTCOMES, from_status__in=OPEN_STATUSES)


def _overdue_at(end: date):
    """SQL condition on a letter: one of its clocks was running and past due at `end`.
    The clocks live in workflows, which casework never imports: looked up by name."""
    clock_model = apps.get_model("workflows", "DeadlineClock")
    entry_model = apps.get_model("workflows", "ClockEntry")
    entries = entry_model.objects.filter(clock=OuterRef("pk"), on__lte=end).order_by("-on", "-id")
    pauses = entries.filter(kind__in=("pause", "suspend", "resume"))
    clocks = (clock_model.objects
              .filter(petition=OuterRef("pk"), started_on__lte=end, lapses=False)
              .filter(Q(stopped_on__isnull=True) | Q(stopped_on__gt=end))
              .annotate(due_then=Subquery(entries.values("due_after")[:1]),
                        pause_then=Subquery(pauses.values("kind")[:1]))
              .filter(due_then__lt=end)
              # Not paused then (NULL: never paused, and NOT IN would drop it).
              .filter(Q(pause_then__isnull=True) | Q(pause_then="resume")))
    return Exists(clocks)


def _letters(organisation, start: date, end: date):
    """One row per letter of the subtree: its unit, the moments it was received and closed,
    its outcome, its kind at the end, and whether it was overdue at the end and took each
    counted step in the period. Each a correlated subquery on indexed columns."""
    after_start, after_end = day_start(start), day_start(end + timedelta(days=1))
    kind_events = (_events().filter(occurred_at__lt=after_end, details__has_key="kind")
                   .order_by("-occurred_at", "-id"))
    closing = _closing_events().order_by("occurred_at", "id")
    steps = {f"{name}_then": Exists(_events(event_type).filter(
        occurred_at__gte=after_start, occurred_at__lt=after_end))
        for name, event_type in STEPS_COUNTED.items()}
    return (Petition.objects.filter(organisation__path__startswith=organisation.path)
            .annotate(
                unit=F("organisation__code"), sender=F("sender_type"),
                received_at=Subquery(_events(EventType.RECEIVED).order_by("occurred_at")
                                     .values("occurred_at")[:1]),
                closed_at=Subquery(closing.values("occurred_at")[:1]),
                outcome=Subquery(closing.values("to_status")[:1]),
                kind_then=Coalesce(Subquery(kind_events.annotate(
                    k=KeyTextTransform("kind", "details")).values("k")[:1]), "kind",
                                   output_field=CharField()),
                overdue_then=_overdue_at(end), **steps)
            .values("unit", "sender", "received_at", "closed_at", "outcome", "kind_then",
                    "overdue_then", *steps))


def _counts(organisation, start: date, end: date):
    """The counts per unit, summed over `_letters` in one statement. The ORM cannot select
    from a subquery, and written as filtered aggregates on the annotations it repeats every
    subquery in every aggregate that uses it (five times slower on PostgreSQL): so the outer
    SELECT is written here, over the ORM's own SQL and parameters, in SQL both databases
    read the same way (CASE, SUM, comparisons against the ORM's own adapted values)."""
    ops = connection.ops
    moment = ops.adapt_datetimefield_value
    after_start, after_end = moment(day_start(start)), moment(day_start(end + timedelta(days=1)))
    inner, inner_params = _letters(organisation, start, end).query.sql_with_params()
    q = ops.quote_name
    received_at, closed_at = q("received_at"), q("closed_at")
    # Received by the end of the period and not closed before its start: both sides of the
    # balance are this set, split two ways.
    live = (f"{received_at} < %s AND ({closed_at} IS NULL OR {closed_at} >= %s)",
            [after_end, after_start])
    received = (f"{live[0]} AND {received_at} >= %s", [*live[1], after_start])
    open_at_end = (f"{live[0]} AND ({closed_at} IS NULL OR {closed_at} >= %s)",
                   [*live[1], after_end])
    conditions = {
        "carried_in": (f"{live[0]} AND {received_at} < %s", [*live[1], after_start]),
        "received": received,
        "anonymous": (f"{received[0]} AND {q('sender')} IN (%s, %s)",
                      [*received[1], SenderType.ANONYMOUS, SenderType.PSEUDONYMOUS]),
        "open_at_end": open_at_end,
        "overdue_at_end": (f"{open_at_end[0]} AND {q('overdue_then')}", open_at_end[1]),
        **{f"kind_{kind}": (f"{received[0]} AND {q('kind_then')} = %s", [*received[1], kind])
           for kind in PetitionKind.values},
        **{name: (q(f"{name}_then"), []) for name in STEPS_COUNTED},
        **{f"closed_{outcome}": (f"{live[0]} AND {closed_at} < %s AND {q('outcome')} = %s",
                                 [*live[1], after_end, str(outcome)])
           for outcome in CLOSED_OUTCOMES},
    }
    columns = ", ".join(f"SUM(CASE WHEN {sql} THEN 1 ELSE 0 END) AS {q(name)}"
                        for name, (sql, _params) in conditions.items())
    params = [p for _sql, cond_params in conditions.values() for p in cond_params]
    sql = (f"SELECT {q('unit')}, {columns} FROM ({inner}) letter "
           f"GROUP BY {q('unit')} ORDER BY {q('unit')}")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *inner_params])
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _empty():
    return {"carried_in": 0, "received": 0,
            "received_by_kind": dict.fromkeys(PetitionKind.values, 0), "anonymous": 0,
            **dict.fromkeys(STEPS_COUNTED, 0),
            "closed": {str(outcome): 0 for outcome in CLOSED_OUTCOMES},
            "open_at_end": 0, "overdue_at_end": 0}


def _add(figures, row):
    for key in ("carried_in", "received", "anonymous", *STEPS_COUNTED, "open_at_end",
                "overdue_at_end"):
        figures[key] += row[key]
    for kind in PetitionKind.values:
        figures["received_by_kind"][kind] += row[f"kind_{kind}"]
    for outcome in CLOSED_OUTCOMES:
        figures["closed"][str(outcome)] += row[f"closed_{outcome}"]


def letter_figures(*, organisation: Organisation, start: date, end: date) -> dict:
    """The letters' figures of `organisation`'s subtree for the days `start` to `end`
    (inclusive; see the module docstring for each key): the totals, and `by_unit`
    {organisation code: the same keys} for each receiving unit with a letter counted."""
    total, by_unit = _empty(), {}
    for row in _counts(organisation, start, end):
        if not any(row[key] for key in row if key != "unit"):
            continue
        unit = by_unit[row["unit"]] = _empty()
        _add(unit, row)
        _add(total, row)
    return {**total, "by_unit": by_unit}

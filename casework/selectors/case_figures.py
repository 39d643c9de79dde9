"""Inspection and supervision figures for a period (issue 12, item 1), counted from the
event log: a case counts where its own events are dated (the decision opening it, the
conclusion or notice of results, the discipline decision), never from its status today.
The conditions are `figure_rules.case_conditions`, the very ones the case list filters with
(?so-lieu=…), so each number equals the length of the list it links to.

Per conducting unit, by kind and by conducting body: cases decided in the period and the
members and organisations that were their subjects (each subject counted: a supervision of
four branches is one case and four organisations), concluded, with a violation found,
discipline by form; and the programme items planned for the quarters of the period with
the cases from them concluded by its end. The 2025 report's footnotes (members each branch
inspected and supervised) are `by_unit[branch]["by_body"]["branch"]["by_kind"][kind]
["members"]`, their totals `by_body["branch"]["by_kind"][kind]["members"]`.

Two queries, whatever the number of cases: one grouped over the case events dated in the
period (an index range on their moment), each figure a distinct count of the cases whose
events meet its condition (`figure_rules.case_event_conditions`, the ones the list's
EXISTS uses); one over the programme items.
"""
from datetime import date

from django.db.models import Count, F, Q

from casework.models import ConductingBody, InspectionCase, InspectionKind, ProgrammeItem
from casework.selectors.figure_rules import (
    CASE_FIGURES,
    DISCIPLINE_KEYS,
    FIGURE_COUNTS,
    case_event_conditions,
    case_events_in,
    programme_done,
    programme_items,
)

COUNTS = CASE_FIGURES[:-1]


def _zero():
    return {**dict.fromkeys(COUNTS, 0), "discipline": dict.fromkeys(DISCIPLINE_KEYS, 0)}


def _empty():
    return {**_zero(), "by_kind": {k: _zero() for k in InspectionKind.values},
            "by_body": {b: {**_zero(), "by_kind": {k: _zero() for k in InspectionKind.values}}
                        for b in ConductingBody.values},
            "programme": {"planned": 0, "done": 0}}


def _add(target, row):
    for key in COUNTS:
        target[key] += row[key]
    for form in DISCIPLINE_KEYS:
        target["discipline"][form] += row[f"discipline_{form}"]


def case_figures(*, organisation, start: date, end: date) -> dict:
    """The figures of the cases run in `organisation`'s subtree for the days `start`–`end`
    (module docstring): the totals, `by_kind`, `by_body`, `programme`, and `by_unit`
    {organisation code: the same keys} for each conducting unit with a case counted."""
    aggregates = {name: Count(FIGURE_COUNTS.get(name, "inspection"), distinct=True,
                              filter=cond)
                  for name, cond in case_event_conditions().items()}
    rows = (case_events_in(start, end)
            .filter(inspection__organisation__path__startswith=organisation.path)
            .values(unit=F("inspection__organisation__code"), case_kind=F("inspection__kind"),
                    case_body=F("inspection__body"))
            .annotate(**aggregates).order_by())
    total, by_unit = _empty(), {}
    for row in rows:
        if not any(row[name] for name in aggregates):
            continue  # events of the period none of the figures counts
        unit = by_unit.setdefault(row["unit"], _empty())
        for target in (total, unit):
            _add(target, row)
            _add(target["by_kind"][row["case_kind"]], row)
            _add(target["by_body"][row["case_body"]], row)
            _add(target["by_body"][row["case_body"]]["by_kind"][row["case_kind"]], row)
    done = programme_done(start, end)
    items = (programme_items(ProgrammeItem.objects.filter(
        programme__organisation__path__startswith=organisation.path), start, end)
             .values("pk", "planned_cases", unit=F("programme__organisation__code"))
             .annotate(done=Count("cases", filter=Q(
                 cases__in=InspectionCase.objects.filter(done).values("pk"))))
             .order_by())
    for row in items:
        unit = by_unit.setdefault(row["unit"], _empty())
        for target in (total, unit):
            target["programme"]["planned"] += row["planned_cases"]
            target["programme"]["done"] += row["done"]
    return {**total, "by_unit": by_unit}

"""Letter figures for a period, counted from the event log (issue 12, item 1). Each
figure's rule is in casework.selectors.figure_rules (its docstring says what each counts
and why the balance `carried_in + received == sum(closed.values()) + open_at_end` holds);
this module counts them all at once, grouped by receiving unit; the totals are the units'
sums.

One statement, whatever the number of letters, reading only the letters live in the period
(received in it or carried into it: three ranges on the indexes of their logged moments):
- `live`: those letters, each with a 0/1 column per figure read from its own columns (the
  rules' conditions, compiled by the ORM);
- `steps`: the counted steps each took in the period, from its events dated in the period;
- `kinds`: the kind of each letter's last event carrying one dated in the period, which
  the outer query reads for the letters received in the period (all their events are
  dated in it: none is dated before the receipt). Not narrowed to those inside: the
  planner cannot estimate how many letters of `live` those are, takes them for a handful
  and probes the events once per letter (1 s at 170,000 letters) instead of joining the
  period's events at once;
- `overdue`: the letters open at the end with a clock running and past due then
  (figure_rules.overdue_clocks), their clocks read from the index on the clock's letter
  for those letters only (as an EXISTS per letter of `live`, PostgreSQL hashed a scan of
  every clock, a million);
and the outer query sums those per unit. PostgreSQL computes `live` once (MATERIALIZED)
and joins it to the events from the index on the event's letter or on its moment, whichever
is cheaper for the number of letters. The ORM cannot join derived tables, so the statement
is put together here from the ORM's own SQL and parameters, in SQL both databases read the
same way (CTEs, CASE, SUM, ROW_NUMBER).
"""
from datetime import date

from django.db import connection
from django.db.models import Case, F, IntegerField, Value, When
from django.db.models.fields.json import KeyTextTransform

from casework.models import CaseEvent, Organisation, Petition, PetitionKind
from casework.selectors.figure_rules import (
    CLOSED_OUTCOMES,
    STEPS_COUNTED,
    bounds,
    letter_conditions,
    live_parts,
    overdue_clocks,
)

LETTER_COLUMNS = ("carried_in", "received", "anonymous", "open_at_end",
                  *(f"closed_{outcome!s}" for outcome in CLOSED_OUTCOMES))


def _flag(condition):
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


def _sql(queryset):
    return queryset.query.sql_with_params()


def _live(organisation, start, end):
    """The letters live in the period, with their unit, kind and a 0/1 per column: one
    SELECT per disjoint part (figure_rules.live_parts), each from its index."""
    flags = {name: _flag(cond) for name, cond in letter_conditions(start, end).items()}
    letters = (Petition.objects.filter(organisation__path__startswith=organisation.path)
               .annotate(unit=F("organisation__code"), **flags)
               .values("id", "kind", "unit", *LETTER_COLUMNS).order_by())
    first, *others = (letters.filter(part) for part in live_parts(start, end))
    return _sql(first.union(*others, all=True))


def _step_events(start, end):
    after_start, after_end = bounds(start, end)
    return _sql(CaseEvent.objects
                .filter(event_type__in=STEPS_COUNTED.values(), occurred_at__gte=after_start,
                        occurred_at__lt=after_end)
                .values("petition_id", "event_type").order_by())


def _kind_events(start, end):
    after_start, after_end = bounds(start, end)
    return _sql(CaseEvent.objects
                .filter(occurred_at__gte=after_start, occurred_at__lt=after_end,
                        details__has_key="kind")
                .annotate(event_kind=KeyTextTransform("kind", "details"))
                .values("petition_id", "occurred_at", "id", "event_kind").order_by())


def _overdue_clocks(end):
    return _sql(overdue_clocks(end).values("petition_id").order_by())


def _counts(organisation, start, end):
    q = connection.ops.quote_name
    live_sql, live_params = _live(organisation, start, end)
    steps_sql, steps_params = _step_events(start, end)
    kinds_sql, kinds_params = _kind_events(start, end)
    clocks_sql, clocks_params = _overdue_clocks(end)
    materialized = "MATERIALIZED " if connection.vendor == "postgresql" else ""
    step_columns = ", ".join(f"MAX(CASE WHEN e.{q('event_type')} = %s THEN 1 ELSE 0 END) "
                             f"AS {q(name)}" for name in STEPS_COUNTED)
    step_params = [str(event_type) for event_type in STEPS_COUNTED.values()]
    sums = [f"SUM(live.{q(name)}) AS {q(name)}" for name in LETTER_COLUMNS]
    sums.append(f"SUM(CASE WHEN overdue.id IS NULL THEN 0 ELSE 1 END) AS {q('overdue_at_end')}")
    sums += [f"SUM(COALESCE(steps.{q(name)}, 0)) AS {q(name)}" for name in STEPS_COUNTED]
    sums += [f"SUM(CASE WHEN live.{q('received')} = 1 AND COALESCE(kinds.{q('event_kind')}, "
             f"live.{q('kind')}) = %s THEN 1 ELSE 0 END) AS {q('kind_' + kind)}"
             for kind in PetitionKind.values]
    sql = f"""
WITH live AS {materialized}({live_sql}),
steps AS (
    SELECT e.{q('petition_id')} AS id, {step_columns}
    FROM live JOIN ({steps_sql}) e ON e.{q('petition_id')} = live.{q('id')}
    GROUP BY e.{q('petition_id')}),
kinds AS (
    SELECT ranked.id, ranked.{q('event_kind')} FROM (
        SELECT e.{q('petition_id')} AS id, e.{q('event_kind')},
               ROW_NUMBER() OVER (PARTITION BY e.{q('petition_id')}
                                  ORDER BY e.{q('occurred_at')} DESC, e.{q('id')} DESC) AS nth
        FROM live JOIN ({kinds_sql}) e ON e.{q('petition_id')} = live.{q('id')}) ranked
    WHERE ranked.nth = 1),
overdue AS (
    SELECT DISTINCT c.{q('petition_id')} AS id
    FROM live JOIN ({clocks_sql}) c ON c.{q('petition_id')} = live.{q('id')}
    WHERE live.{q('open_at_end')} = 1)
SELECT live.{q('unit')} AS {q('unit')}, {", ".join(sums)}
FROM live LEFT JOIN steps ON steps.id = live.{q('id')}
LEFT JOIN kinds ON kinds.id = live.{q('id')}
LEFT JOIN overdue ON overdue.id = live.{q('id')}
GROUP BY live.{q('unit')} ORDER BY live.{q('unit')}"""
    params = [*live_params, *step_params, *steps_params, *kinds_params, *clocks_params,
              *PetitionKind.values]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
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
        figures["closed"][str(outcome)] += row[f"closed_{outcome!s}"]


def letter_figures(*, organisation: Organisation, start: date, end: date) -> dict:
    """The letters' figures of `organisation`'s subtree for the days `start` to `end`
    (inclusive; figure_rules' docstring for each key): the totals, and `by_unit`
    {organisation code: the same keys} for each receiving unit with a letter counted."""
    total, by_unit = _empty(), {}
    for row in _counts(organisation, start, end):
        if not any(row[key] for key in row if key != "unit"):
            continue
        unit = by_unit[row["unit"]] = _empty()
        _add(unit, row)
        _add(total, row)
    return {**total, "by_unit": by_unit}

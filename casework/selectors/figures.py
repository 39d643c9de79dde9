"""Letter figures for a period, counted from the event log (issue 12, item 1). Each
figure's rule is in casework.selectors.figure_rules (its docstring says what each counts
and why the balance `carried_in + received == sum(closed.values()) + open_at_end` holds);
this module counts them all at once, grouped by receiving unit; the totals are the units'
sums.

One statement, whatever the number of letters, reading only the letters live in the period
(received in it or carried into it: three ranges on the indexes of their logged moments):
- `live`: those letters, each with a 0/1 column per figure read from its own columns (the
  rules' conditions, compiled by the ORM);
- `steps`: per letter, the counted steps it took in the period and the kind of its last
  event carrying one dated in the period, from one pass over the period's events (a
  window ranks each letter's events, those with a kind first, the latest first). The
  outer query reads that kind for the letters received in the period (all their events
  are dated in it: none is dated before the receipt). The join is not narrowed to those:
  the planner cannot estimate how many letters of `live` they are, takes them for a
  handful and probes the events once per letter (1 s at 170,000 letters) instead of
  joining the period's events at once;
- `overdue`: the letters open at the end with a clock running and past due then
  (figure_rules.overdue_clocks), their clocks read from the index on the clock's letter
  for those letters only (as an EXISTS per letter of `live`, PostgreSQL hashed a scan of
  every clock, a million);
- `open_kinds` (asked by the report, `open_by_kind`): the kind at the end of each letter
  open at the end, from its events before the end whenever dated, read per letter through
  the index on the event's letter (those letters are few: the year's last weeks');
and the outer query sums those per unit. PostgreSQL computes `live` once (MATERIALIZED)
and joins it to the events from the index on the event's letter or on its moment, whichever
is cheaper for the number of letters. The ORM cannot join derived tables, so the statement
is put together here from the ORM's own SQL and parameters, in SQL both databases read the
same way (CTEs, CASE, SUM, ROW_NUMBER).
"""
from datetime import date

from django.db import connection
from django.db.models import Case, F, IntegerField, Q, Value, When
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


def _period_events(start, end):
    """The events dated in the period that take a counted step or carry a kind."""
    after_start, after_end = bounds(start, end)
    return _sql(CaseEvent.objects
                .filter(occurred_at__gte=after_start, occurred_at__lt=after_end)
                .filter(Q(event_type__in=STEPS_COUNTED.values()) | Q(details__has_key="kind"))
                .annotate(event_kind=KeyTextTransform("kind", "details"))
                .values("petition_id", "event_type", "occurred_at", "id", "event_kind")
                .order_by())


def _kind_events(end):
    """The events carrying a kind dated before the period's end."""
    after_end = bounds(end, end)[1]
    return _sql(CaseEvent.objects.filter(occurred_at__lt=after_end, details__has_key="kind")
                .annotate(event_kind=KeyTextTransform("kind", "details"))
                .values("petition_id", "occurred_at", "id", "event_kind").order_by())


def _last_kind(name, events_sql, letters):
    """A CTE `name`: (id, event_kind) of the last event carrying a kind among `events_sql`
    for each letter of `live` meeting the SQL condition `letters`."""
    q = connection.ops.quote_name
    return f"""{name} AS (
    SELECT ranked.id, ranked.{q('event_kind')} FROM (
        SELECT e.{q('petition_id')} AS id, e.{q('event_kind')},
               ROW_NUMBER() OVER (PARTITION BY e.{q('petition_id')}
                                  ORDER BY e.{q('occurred_at')} DESC, e.{q('id')} DESC) AS nth
        FROM live JOIN ({events_sql}) e ON e.{q('petition_id')} = live.{q('id')}
        WHERE {letters}) ranked
    WHERE ranked.nth = 1)"""


def _overdue_clocks(end):
    return _sql(overdue_clocks(end).values("petition_id").order_by())


def _counts(organisation, start, end, open_by_kind):
    q = connection.ops.quote_name
    live_sql, live_params = _live(organisation, start, end)
    events_sql, events_params = _period_events(start, end)
    clocks_sql, clocks_params = _overdue_clocks(end)
    materialized = "MATERIALIZED " if connection.vendor == "postgresql" else ""
    step_columns = ", ".join(f"MAX(CASE WHEN ranked.{q('event_type')} = %s THEN 1 ELSE 0 "
                             f"END) AS {q(name)}" for name in STEPS_COUNTED)
    step_params = [str(event_type) for event_type in STEPS_COUNTED.values()]
    sums = [f"SUM(live.{q(name)}) AS {q(name)}" for name in LETTER_COLUMNS]
    sums.append(f"SUM(CASE WHEN overdue.id IS NULL THEN 0 ELSE 1 END) AS {q('overdue_at_end')}")
    sums += [f"SUM(COALESCE(steps.{q(name)}, 0)) AS {q(name)}" for name in STEPS_COUNTED]
    sums += [f"SUM(CASE WHEN live.{q('received')} = 1 AND COALESCE(steps.{q('event_kind')}, "
             f"live.{q('kind')}) = %s THEN 1 ELSE 0 END) AS {q('kind_' + kind)}"
             for kind in PetitionKind.values]
    sum_params = [*PetitionKind.values]
    open_kinds, open_kinds_params, open_join = "", [], ""
    if open_by_kind:
        # Open at the end: the kind then, from its events before the end, whenever dated.
        open_sql, open_kinds_params = _kind_events(end)
        open_kinds = ",\n" + _last_kind("open_kinds", open_sql,
                                         f"live.{q('open_at_end')} = 1")
        open_join = f"LEFT JOIN open_kinds ON open_kinds.id = live.{q('id')}"
        sums += [f"SUM(CASE WHEN live.{q('open_at_end')} = 1 AND COALESCE(open_kinds."
                 f"{q('event_kind')}, live.{q('kind')}) = %s THEN 1 ELSE 0 END) "
                 f"AS {q('open_kind_' + kind)}" for kind in PetitionKind.values]
        sum_params += PetitionKind.values
    sql = f"""
WITH live AS {materialized}({live_sql}),
steps AS (
    SELECT ranked.id, {step_columns},
           MAX(CASE WHEN ranked.nth = 1 THEN ranked.{q('event_kind')} END)
               AS {q('event_kind')}
    FROM (SELECT e.{q('petition_id')} AS id, e.{q('event_type')}, e.{q('event_kind')},
                 ROW_NUMBER() OVER (
                     PARTITION BY e.{q('petition_id')}
                     ORDER BY CASE WHEN e.{q('event_kind')} IS NULL THEN 1 ELSE 0 END,
                              e.{q('occurred_at')} DESC, e.{q('id')} DESC) AS nth
          FROM live JOIN ({events_sql}) e ON e.{q('petition_id')} = live.{q('id')}) ranked
    GROUP BY ranked.id),
overdue AS (
    SELECT DISTINCT c.{q('petition_id')} AS id
    FROM live JOIN ({clocks_sql}) c ON c.{q('petition_id')} = live.{q('id')}
    WHERE live.{q('open_at_end')} = 1){open_kinds}
SELECT live.{q('unit')} AS {q('unit')}, {", ".join(sums)}
FROM live LEFT JOIN steps ON steps.id = live.{q('id')}
LEFT JOIN overdue ON overdue.id = live.{q('id')}
{open_join}
GROUP BY live.{q('unit')} ORDER BY live.{q('unit')}"""
    params = [*live_params, *step_params, *events_params, *clocks_params,
              *open_kinds_params, *sum_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _empty(open_by_kind):
    figures = {"carried_in": 0, "received": 0,
               "received_by_kind": dict.fromkeys(PetitionKind.values, 0), "anonymous": 0,
               **dict.fromkeys(STEPS_COUNTED, 0),
               "closed": {str(outcome): 0 for outcome in CLOSED_OUTCOMES},
               "open_at_end": 0, "overdue_at_end": 0}
    if open_by_kind:
        figures["open_at_end_by_kind"] = dict.fromkeys(PetitionKind.values, 0)
    return figures


def _add(figures, row):
    for key in ("carried_in", "received", "anonymous", *STEPS_COUNTED, "open_at_end",
                "overdue_at_end"):
        figures[key] += row[key]
    for kind in PetitionKind.values:
        figures["received_by_kind"][kind] += row[f"kind_{kind}"]
        if "open_at_end_by_kind" in figures:
            figures["open_at_end_by_kind"][kind] += row[f"open_kind_{kind}"]
    for outcome in CLOSED_OUTCOMES:
        figures["closed"][str(outcome)] += row[f"closed_{outcome!s}"]


def letter_figures(*, organisation: Organisation, start: date, end: date,
                   open_by_kind=False) -> dict:
    """The letters' figures of `organisation`'s subtree for the days `start` to `end`
    (inclusive; figure_rules' docstring for each key): the totals, and `by_unit`
    {organisation code: the same keys} for each receiving unit with a letter counted.
    `open_by_kind` adds `open_at_end_by_kind`, the kind each letter open at the end had
    then (the report says "còn 04 đơn kiến nghị đang xem xét")."""
    total, by_unit = _empty(open_by_kind), {}
    for row in _counts(organisation, start, end, open_by_kind):
        if not any(row[key] for key in row if key != "unit"):
            continue
        unit = by_unit[row["unit"]] = _empty(open_by_kind)
        _add(unit, row)
        _add(total, row)
    return {**total, "by_unit": by_unit}

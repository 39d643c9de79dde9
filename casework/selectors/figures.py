"""Letter figures for a period, counted from the event log (issue 12, item 1). Each
figure's rule is in casework.selectors.figure_rules (its docstring says what each counts
and why the balance `carried_in + received == sum(closed.values()) + open_at_end` holds);
this module counts them all at once, grouped by receiving unit; the totals are the units'
sums.

One statement, whatever the number of letters, reading only the letters live in the period
(received in it or carried into it: three ranges on the indexes of their logged moments):
- `live`: those letters, each with a 0/1 column per figure read from its own columns (the
  rules' conditions, compiled by the ORM: the counted steps from the first moment of each
  the letter keeps, `<step>_at`) and its kind at the period's end (figure_rules.kind_then:
  its own kind, or for a letter whose kind was recorded after the end, read from its
  events through the index on the event's letter, those letters only);
- `overdue`: the letters open at the end with a clock running and past due then
  (figure_rules.overdue_clocks), their clocks read from the index on the clock's letter
  for those letters only (as an EXISTS per letter of `live`, PostgreSQL hashed a scan of
  every clock, a million);
and the outer query sums those per unit, leaving out of every figure the letters handed
on inside the subtree (issue 14: marked `handed` in `live`, counted in `handed_within`).
No pass over the period's events is left: at a million letters that pass (540,000
events of a year read, ranked per letter by a window and grouped) was most of the
province's year report (benchmarks/README.md). PostgreSQL computes `live` once
(MATERIALIZED). The ORM cannot join derived tables, so the statement
is put together here from the ORM's own SQL and parameters, in SQL both databases read the
same way (CTEs, CASE, SUM).
"""
from datetime import date

from django.db import connection
from django.db.models import Case, F, IntegerField, Value, When

from casework.models import Organisation, Petition, PetitionKind
from casework.selectors.figure_rules import (
    CLOSED_OUTCOMES,
    STEPS_COUNTED,
    before_handoffs,
    bounds,
    handed_within,
    kind_then,
    live_parts,
    overdue_clocks,
)

FLAG_COLUMNS = ("carried_in", "received", "anonymous", *STEPS_COUNTED, "open_at_end",
                *(f"closed_{outcome!s}" for outcome in CLOSED_OUTCOMES))


def _flag(condition):
    return Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())


def _sql(queryset):
    return queryset.query.sql_with_params()


def _live(organisation, start, end):
    """The letters live in the period, with their unit, kind at the end and a 0/1 per
    column: one SELECT per disjoint part (figure_rules.live_parts), each from its index."""
    # The letters handed on inside the subtree stay in `live`, marked `handed` (tested
    # once per letter: as a part of each figure's condition, it was tested, and the
    # subtree's units hashed, once per figure), and the outer query counts them in no
    # figure but `handed_within` (figure_rules.letter_conditions: counted once, at the
    # recipient's letter): the number the report states comes from the same pass.
    flags = {name: _flag(cond) for name, cond in before_handoffs(start, end).items()}
    letters = (Petition.objects.filter(organisation__path__startswith=organisation.path)
               .annotate(unit=F("organisation__code"),
                         kind_end=kind_then(bounds(start, end)[1]),
                         handed=_flag(handed_within(organisation)), **flags)
               .values("id", "kind_end", "unit", "handed", *FLAG_COLUMNS).order_by())
    first, *others = (letters.filter(part) for part in live_parts(start, end))
    return _sql(first.union(*others, all=True))


def _overdue_clocks(end):
    return _sql(overdue_clocks(end).values("petition_id").order_by())


def _counts(organisation, start, end, open_by_kind):
    q = connection.ops.quote_name
    live_sql, live_params = _live(organisation, start, end)
    clocks_sql, clocks_params = _overdue_clocks(end)
    materialized = "MATERIALIZED " if connection.vendor == "postgresql" else ""
    counted = f"live.{q('handed')} = 0"
    sums = [f"SUM(CASE WHEN {counted} THEN live.{q(name)} ELSE 0 END) AS {q(name)}"
            for name in FLAG_COLUMNS]
    sums.append(f"SUM(live.{q('handed')}) AS {q('handed_within')}")
    sums.append(f"SUM(CASE WHEN overdue.id IS NULL THEN 0 ELSE 1 END) AS {q('overdue_at_end')}")
    by_kind = [("received", "kind_")] + ([("open_at_end", "open_kind_")] if open_by_kind else [])
    sums += [f"SUM(CASE WHEN live.{q(column)} = 1 AND {counted} AND live.{q('kind_end')} = %s "
             f"THEN 1 ELSE 0 END) AS {q(prefix + kind)}"
             for column, prefix in by_kind for kind in PetitionKind.values]
    sum_params = [kind for _column, _prefix in by_kind for kind in PetitionKind.values]
    sql = f"""
WITH live AS {materialized}({live_sql}),
overdue AS (
    SELECT DISTINCT c.{q('petition_id')} AS id
    FROM live JOIN ({clocks_sql}) c ON c.{q('petition_id')} = live.{q('id')}
    WHERE live.{q('open_at_end')} = 1 AND {counted})
SELECT live.{q('unit')} AS {q('unit')}, {", ".join(sums)}
FROM live LEFT JOIN overdue ON overdue.id = live.{q('id')}
GROUP BY live.{q('unit')} ORDER BY live.{q('unit')}"""
    params = [*live_params, *clocks_params, *sum_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _empty(open_by_kind):
    figures = {"carried_in": 0, "received": 0,
               "received_by_kind": dict.fromkeys(PetitionKind.values, 0), "anonymous": 0,
               **dict.fromkeys(STEPS_COUNTED, 0),
               "closed": {str(outcome): 0 for outcome in CLOSED_OUTCOMES},
               "open_at_end": 0, "overdue_at_end": 0, "handed_within": 0}
    if open_by_kind:
        figures["open_at_end_by_kind"] = dict.fromkeys(PetitionKind.values, 0)
    return figures


def _add(figures, row):
    for key in ("carried_in", "received", "anonymous", *STEPS_COUNTED, "open_at_end",
                "overdue_at_end", "handed_within"):
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
    then (the report says "còn 04 đơn kiến nghị đang xem xét"). A letter handed on to a
    unit inside the subtree is counted at the recipient's letter only (figure_rules);
    `handed_within` is the number of them the period would otherwise have counted (in the
    total and for each unit listed; a unit whose letters were all handed on is not listed,
    its number is in the total's)."""
    total, by_unit = _empty(open_by_kind), {}
    for row in _counts(organisation, start, end, open_by_kind):
        if not any(row[key] for key in row if key not in ("unit", "handed_within")):
            total["handed_within"] += row["handed_within"]
            continue
        unit = by_unit[row["unit"]] = _empty(open_by_kind)
        _add(unit, row)
        _add(total, row)
    return {**total, "by_unit": by_unit}

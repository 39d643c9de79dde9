"""Rules and organisations a sending process keeps between batches (PostgreSQL).

Every batch of e-mails names the same few dozen deadline rules and organisations, morning
after morning; loading them was two of a batch's statements (notifications/delivery.py).
A process now keeps them, and a batch only reads their tables' versions, in the statement
that claims the batch (`version_columns`: scalar subqueries, run once per statement, not
per row), with the working calendar's version beside them. A batch loads a rule or an
organisation only when the tables changed since it was kept, or when it is new to the
process.

A table's version is its row count and the sum of its rows' `xmin` (the PostgreSQL system
column naming the transaction that wrote each row version). Any edit or insertion writes a
row version with another transaction's number and a deletion changes the count, so a
change committed by anyone (the admin, a data migration, a bulk UPDATE, another process)
changes the version, without any writer having to remember to bump it; the sum could stay
equal only if several changes by different transactions cancelled exactly. Versions are
read before the rows they guard, so rows kept under a version are never older than it: a
change in between makes the next batch load them again, never keep a stale copy.

SQLite (the embedded install, one office) keeps nothing: each batch loads the rows it
names, as the inbox's pages do.
"""
import threading
from typing import NamedTuple

from django.db.models import CharField, DateTimeField, IntegerField
from django.db.models.expressions import RawSQL


class Versions(NamedTuple):
    calendar: tuple  # workflows.calendar.overrides_version()
    rows: tuple  # (rules, organisations)


def _table_version(model):
    return RawSQL(f"SELECT COUNT(*) || ':' || COALESCE(SUM(xmin::text::bigint), 0) "
                  f"FROM {model._meta.db_table}", [], output_field=CharField())


def version_columns():
    """Annotations for the claim's statement: the versions of the calendar's overrides,
    the rules and the organisations, as of that statement."""
    from casework.models import Organisation
    from workflows.models import CalendarOverride, DeadlineRule

    overrides = CalendarOverride._meta.db_table
    return {
        "kept_calendar_count": RawSQL(f"SELECT COUNT(*) FROM {overrides}", [],
                                      output_field=IntegerField()),
        "kept_calendar_changed": RawSQL(f"SELECT MAX(updated_at) FROM {overrides}", [],
                                        output_field=DateTimeField()),
        "kept_rules": _table_version(DeadlineRule),
        "kept_organisations": _table_version(Organisation),
    }


def versions_of(notice):
    """The versions a notice claimed with `version_columns` carries."""
    return Versions(calendar=(notice.kept_calendar_count, notice.kept_calendar_changed),
                    rows=(notice.kept_rules, notice.kept_organisations))


_lock = threading.Lock()
_kept = (None, {})  # (rows version, {model: {pk: instance}})


def kept_for(rows_version):
    """{model: {pk: instance}} kept under this version; emptied when the version moved."""
    global _kept
    with _lock:
        if _kept[0] != rows_version:
            _kept = (rows_version, {})
        return _kept[1]


def forget():
    """Drop what is kept (a benchmark measuring a process's first batch)."""
    global _kept
    with _lock:
        _kept = (None, {})

"""Gap-free numbering: the one mechanism behind receipt numbers (ReceiptCounter) and the
unit's document register (DocumentCounter).

A counter is a row per key (a unit and a year). The UPDATE takes the row's lock until
commit: a second clerk saving at the same moment waits and then gets the next number; a
rollback returns the number. So numbers have no gaps and no duplicates, on SQLite (which
serialises writers) and PostgreSQL alike.
"""
from django.db.models import F


def next_value(counter_model, **key):
    """The next number of the counter row `key` (made on first use); call inside the
    transaction that writes what the number names."""
    counter_model.objects.bulk_create([counter_model(**key)], ignore_conflicts=True)
    counter = counter_model.objects.filter(**key)
    counter.update(last_value=F("last_value") + 1)
    return counter.values_list("last_value", flat=True).get()

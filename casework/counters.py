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


def lock_rows(counter_model, keys):
    """Make and lock the counter rows `keys` ({field: value} each), in a fixed order so
    that two writers locking several never wait on each other in a circle."""
    counter_model.objects.bulk_create([counter_model(**key) for key in keys],
                                      ignore_conflicts=True)
    for key in sorted(keys, key=lambda k: sorted(k.items())):
        counter_model.objects.select_for_update().filter(**key).values_list("pk").get()


def advance(counter_model, *, past=0, take=0, **key):
    """Move the counter row `key` past `past` (numbers already given elsewhere: a register
    imported with its own numbers) and take the next `take` numbers; returns the first of
    them. Call with the row locked (`lock_rows`) in the transaction that writes them."""
    counter = counter_model.objects.select_for_update().get(**key)
    start = max(counter.last_value, past)
    counter_model.objects.filter(pk=counter.pk).update(last_value=start + take)
    return start + 1

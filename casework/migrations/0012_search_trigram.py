"""Trigram indexes for the register's search (issue 18), on PostgreSQL only; and an index
for the register's grouped counts.

The search compares folded keys with `LIKE '%…%'` (casework.search_keys), which a B-tree
cannot serve: at a province's million letters every search read every letter in scope.
A GIN index with `gin_trgm_ops` (the pg_trgm extension) answers such a LIKE from the
index, one per key column, the senders' included (the search asks each index on its own
and joins the union of ids to the scoped list: casework.filters.PetitionFilter.search).

SQLite has no such index: there the search stays a plain LIKE over the keys, which at an
office's size (thousands of letters) is quick. So the operations do nothing on another
database, and the models' state does not change (no Meta index: the index cannot be
expressed for both databases).
"""
from django.db import migrations, models

INDEXES = [
    ("petition_summary_trgm", "casework_petition", "summary_key"),
    ("petition_subject_trgm", "casework_petition", "subject_key"),
    ("petition_handled_by_trgm", "casework_petition", "handled_by_key"),
    ("sender_name_trgm", "casework_petitionsender", "name_key"),
    ("sender_address_trgm", "casework_petitionsender", "address_key"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
                              f"USING gin ({column} gin_trgm_ops)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ("casework", "0011_register_indexes"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
        # And the register's counts by unit, status and kind from an index alone (on both
        # databases): casework.selectors.letters.register_counts.
        migrations.AddIndex(
            model_name="petition",
            index=models.Index(fields=["organisation", "status", "kind"],
                               name="petition_unit_status_kind"),
        ),
    ]

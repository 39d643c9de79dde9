"""After 0013 filled the clocks' kinds, which rewrote every letter's clock: VACUUM ANALYZE
the clocks on PostgreSQL, so that the old row versions are gone and the visibility map is
set now (the overview's counts read the clocks from an index alone) rather than at
autovacuum's next pass. Its own migration, outside a transaction: VACUUM cannot run in
one. Nothing to do on SQLite."""
from django.db import migrations


def vacuum(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE workflows_deadlineclock")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("workflows", "0013_clock_keeps_letter_kind"),
    ]

    operations = [
        migrations.RunPython(vacuum, migrations.RunPython.noop, atomic=False),
    ]

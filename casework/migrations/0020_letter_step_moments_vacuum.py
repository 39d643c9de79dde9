"""After 0019 filled the letters' step moments, which rewrote every letter's row: VACUUM
ANALYZE the letters on PostgreSQL, as 0014 did after 0013 (the figures read the covering
indexes alone only where the visibility map is set; autovacuum may be off or late). Its own
migration, outside a transaction: VACUUM cannot run in one. Nothing to do on SQLite."""
from django.db import migrations


def vacuum(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE casework_petition")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("casework", "0019_letter_step_moments"),
    ]

    operations = [
        migrations.RunPython(vacuum, migrations.RunPython.noop, atomic=False),
    ]

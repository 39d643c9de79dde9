"""After 0019 filled the letters' step moments, which rewrote every letter's row: VACUUM
ANALYZE the letters on PostgreSQL, as 0014 did after 0013 (the figures read the covering
indexes alone only where the visibility map is set; autovacuum may be off or late). Its own
migration, outside a transaction: VACUUM cannot run in one. Nothing to do on SQLite."""
from django.db import migrations

from casework.migration_ops import vacuum_analyze


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("casework", "0019_letter_step_moments"),
    ]

    operations = [
        vacuum_analyze("casework_petition"),
    ]

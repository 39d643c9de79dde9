"""After 0013 filled the logged moments, which rewrote every letter's row: VACUUM ANALYZE
the letters on PostgreSQL, so that the old row versions are gone and the visibility map is
set now rather than at autovacuum's next pass (at a million letters the figures would read
twice the table meanwhile). Its own migration, outside a transaction: VACUUM cannot run in
one. Nothing to do on SQLite."""
from django.db import migrations

from casework.migration_ops import vacuum_analyze


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("casework", "0013_letter_log_moments"),
    ]

    operations = [
        vacuum_analyze("casework_petition"),
    ]

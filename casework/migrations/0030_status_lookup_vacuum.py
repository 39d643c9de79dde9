"""After 0029 wrote every letter's lookup code, which rewrote every letter's row: VACUUM
ANALYZE the letters on PostgreSQL, as 0014 and 0020 did (the figures read the covering
indexes alone only where the visibility map is set). Outside a transaction: VACUUM cannot
run in one. Nothing to do on SQLite."""
from django.db import migrations

from casework.migration_ops import vacuum_analyze


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("casework", "0029_status_lookup"),
    ]

    operations = [
        vacuum_analyze("casework_petition"),
    ]

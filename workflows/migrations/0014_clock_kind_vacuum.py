"""After 0013 filled the clocks' kinds, which rewrote every letter's clock: VACUUM ANALYZE
the clocks on PostgreSQL, so that the old row versions are gone and the visibility map is
set now (the overview's counts read the clocks from an index alone) rather than at
autovacuum's next pass. Its own migration, outside a transaction: VACUUM cannot run in
one. Nothing to do on SQLite."""
from django.db import migrations

from casework.migration_ops import vacuum_analyze


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("workflows", "0013_clock_keeps_letter_kind"),
    ]

    operations = [
        vacuum_analyze("workflows_deadlineclock"),
    ]

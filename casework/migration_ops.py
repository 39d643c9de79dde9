"""Operations the migrations share. Kept small and stable: a migration that imports them
runs them as they are when it is applied, years later too."""
from django.db import migrations


def vacuum_analyze(table):
    """VACUUM ANALYZE `table` on PostgreSQL, after a fill that rewrote its rows: the old
    row versions go and the visibility map is set now, so the covering indexes are read
    alone at once rather than after autovacuum's next pass (which may be off or late).
    VACUUM cannot run in a transaction: the migration using this sets `atomic = False`.
    Nothing to do on SQLite."""
    def vacuum(apps, schema_editor):
        connection = schema_editor.connection
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            with connection.cursor() as cursor:
                cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(table)}")

    return migrations.RunPython(vacuum, migrations.RunPython.noop, atomic=False)

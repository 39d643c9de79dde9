"""Append-only, tamper-evident case event log.

Adds the per-case hash chain, seals the events already written (the demo's, or an
office's history) with the same function that seals new ones, and on PostgreSQL installs
a trigger that refuses UPDATE and DELETE on the table whatever the client. SQLite gets no
trigger: Django's test flush empties tables there with DELETE (PostgreSQL uses TRUNCATE,
which a row trigger does not see), and whoever holds the SQLite file can drop a trigger
anyway; the hash chain is what shows a change there.
"""
import django.utils.timezone
from django.db import migrations, models

from casework.services.audit import GENESIS, chain_key, seal

BATCH = 2000

TRIGGER_SQL = [
    """CREATE OR REPLACE FUNCTION casework_caseevent_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'Nhật ký hồ sơ chỉ được ghi thêm, không được sửa/xóa (% sự kiện id %).',
            TG_OP, OLD.id;
    END;
    $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER casework_caseevent_append_only
    BEFORE UPDATE OR DELETE ON casework_caseevent
    FOR EACH ROW EXECUTE FUNCTION casework_caseevent_append_only()""",
]

DROP_TRIGGER_SQL = [
    "DROP TRIGGER IF EXISTS casework_caseevent_append_only ON casework_caseevent",
    "DROP FUNCTION IF EXISTS casework_caseevent_append_only()",
]


def seal_existing(apps, schema_editor):
    # Pages by primary key, the one index that gives the order cheaply, keeping the end of
    # each case's chain in a dict; and pages rather than one open cursor, since SQLite
    # does not promise anything for a SELECT still being read while its table is updated.
    # executemany rather than bulk_update, whose CASE per batch grows with the square of
    # the batch size (minutes for a million rows instead of seconds).
    CaseEvent = apps.get_model("casework", "CaseEvent")
    table = schema_editor.quote_name(CaseEvent._meta.db_table)
    ends, after = {}, 0
    while page := list(CaseEvent.objects.filter(id__gt=after).order_by("id")[:BATCH]):
        for event in page:
            key = chain_key(event)
            seal(event, ends.get(key, GENESIS))
            ends[key] = event.hash
        with schema_editor.connection.cursor() as cursor:
            cursor.executemany(f"UPDATE {table} SET prev_hash = %s, hash = %s WHERE id = %s",
                               [(e.prev_hash, e.hash, e.id) for e in page])
        after = page[-1].id


def _on_postgresql(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                # No params: the % in RAISE are PL/pgSQL's, not the driver's placeholders.
                schema_editor.execute(sql, params=None)
    return run


class Migration(migrations.Migration):

    dependencies = [
        ("casework", "0002_identity_confidentiality"),
    ]

    operations = [
        migrations.AlterField(
            model_name="caseevent",
            name="recorded_at",
            field=models.DateTimeField(default=django.utils.timezone.now,
                                       verbose_name="thời điểm ghi sổ"),
        ),
        migrations.AddField(
            model_name="caseevent",
            name="prev_hash",
            field=models.CharField(blank=True, editable=False, max_length=64,
                                   verbose_name="mã băm sự kiện trước", default=""),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="caseevent",
            name="hash",
            field=models.CharField(editable=False, max_length=64, verbose_name="mã băm",
                                   default=""),
            preserve_default=False,
        ),
        migrations.RunPython(seal_existing, migrations.RunPython.noop),
        migrations.RunPython(_on_postgresql(TRIGGER_SQL), _on_postgresql(DROP_TRIGGER_SQL)),
    ]

"""Every ledger on one guard (casework.models.ledger).

The three logs' hand-written triggers of migrations 0003 and 0006 are replaced by the one
trigger their shared base declares (django-pgtrigger), which workflows 0011 also puts on
the clock ledger and the fired rungs. Same refusal, same words; PostgreSQL only.
"""
import importlib

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models

OLD_TABLES = ("casework_caseevent", "casework_identityaccess", "casework_clearanceevent")


def _drop_old_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in OLD_TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")


def _restore_old_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    events = importlib.import_module("casework.migrations.0003_caseevent_hash_chain")
    logs = importlib.import_module("casework.migrations.0006_clearance_grants_identity_chain")
    statements = list(events.TRIGGER_SQL)
    for table in logs.TABLES:
        statements += logs._trigger_sql(table)
    for sql in statements:
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0008_complaint_instance_remote_area'),
    ]

    operations = [
        migrations.RunPython(_drop_old_triggers, _restore_old_triggers),
        migrations.AlterModelOptions(
            name='caseevent',
            options={'base_manager_name': 'objects', 'ordering': ['occurred_at', 'id'], 'verbose_name': 'sự kiện hồ sơ', 'verbose_name_plural': 'nhật ký hồ sơ'},
        ),
        migrations.AlterModelOptions(
            name='clearanceevent',
            options={'base_manager_name': 'objects', 'ordering': ['-occurred_at', '-id'], 'verbose_name': 'lịch sử quyền xem danh tính', 'verbose_name_plural': 'lịch sử quyền xem danh tính'},
        ),
        migrations.AlterModelOptions(
            name='identityaccess',
            options={'base_manager_name': 'objects', 'ordering': ['-accessed_at', '-id'], 'verbose_name': 'lượt xem danh tính người tố cáo', 'verbose_name_plural': 'lượt xem danh tính người tố cáo'},
        ),
        migrations.AlterField(
            model_name='identityaccess',
            name='prev_hash',
            field=models.CharField(blank=True, editable=False, max_length=64, verbose_name='mã băm sự kiện trước'),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='caseevent',
            trigger=pgtrigger.compiler.Trigger(name='append_only', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'Sổ chỉ được ghi thêm, không được sửa/xóa (% trên %, id %).', TG_OP, TG_TABLE_NAME, OLD.id;", hash='285c5818a67d9f253e6265669f9e0a4b4d4c963a', operation='UPDATE OR DELETE', pgid='pgtrigger_append_only_0416e', table='casework_caseevent', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='clearanceevent',
            trigger=pgtrigger.compiler.Trigger(name='append_only', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'Sổ chỉ được ghi thêm, không được sửa/xóa (% trên %, id %).', TG_OP, TG_TABLE_NAME, OLD.id;", hash='ef0d82b12e295e21e461dd485248a09dd4dee54e', operation='UPDATE OR DELETE', pgid='pgtrigger_append_only_45704', table='casework_clearanceevent', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='identityaccess',
            trigger=pgtrigger.compiler.Trigger(name='append_only', sql=pgtrigger.compiler.UpsertTriggerSql(func="RAISE EXCEPTION 'Sổ chỉ được ghi thêm, không được sửa/xóa (% trên %, id %).', TG_OP, TG_TABLE_NAME, OLD.id;", hash='1b74283bafa96e997fbccba3c98e4cd63f12f6e5', operation='UPDATE OR DELETE', pgid='pgtrigger_append_only_09c12', table='casework_identityaccess', when='BEFORE')),
        ),
    ]

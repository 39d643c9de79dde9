"""Identity clearance granted by two administrators, and the identity-view log made
append-only and tamper-evident like the case event log.

- ClearanceRequest (the work item: one asks, another decides) and ClearanceEvent (the
  history of requests, approvals, refusals and revocations, one hash chain).
- IdentityAccess gets its hash chain (one chain for the whole table) and `accessed_at`
  becomes a default instead of auto_now_add, which would be set after the hash is
  computed. The views logged before the chain existed are sealed with the same function
  that seals new ones.
- On PostgreSQL, both logs refuse UPDATE and DELETE with a trigger, as casework_caseevent
  does (migration 0003; same reasons for leaving SQLite without one).

Clearances ticked in the admin before this migration are left as they are: no approved
grant explains them, so `verify_audit` names each one until an administrator revokes it
or two administrators confirm it (docs/permissions.md).
"""
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from casework.services.audit import GENESIS, seal

BATCH = 2000
TABLES = ("casework_identityaccess", "casework_clearanceevent")


def _trigger_sql(table):
    return [
        f"""CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION 'Nhật ký chỉ được ghi thêm, không được sửa/xóa (% trên {table}, id %).',
                TG_OP, OLD.id;
        END;
        $$ LANGUAGE plpgsql""",
        f"""CREATE TRIGGER {table}_append_only
        BEFORE UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION {table}_append_only()""",
    ]


def _drop_sql(table):
    return [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
            f"DROP FUNCTION IF EXISTS {table}_append_only()"]


def _on_postgresql(make):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for table in TABLES:
                for sql in make(table):
                    # No params: the % in RAISE are PL/pgSQL's, not the driver's placeholders.
                    schema_editor.execute(sql, params=None)
    return run


def seal_existing_accesses(apps, schema_editor):
    # One chain over the table in id order; pages by primary key, as in 0003.
    IdentityAccess = apps.get_model("casework", "IdentityAccess")
    table = schema_editor.quote_name(IdentityAccess._meta.db_table)
    end, after = GENESIS, 0
    while page := list(IdentityAccess.objects.filter(id__gt=after).order_by("id")[:BATCH]):
        for access in page:
            seal(access, end)
            end = access.hash
        with schema_editor.connection.cursor() as cursor:
            cursor.executemany(f"UPDATE {table} SET prev_hash = %s, hash = %s WHERE id = %s",
                               [(a.prev_hash, a.hash, a.id) for a in page])
        after = page[-1].id


class Migration(migrations.Migration):

    dependencies = [
        ("casework", "0005_search_keys"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="roleassignment",
            name="identity_clearance",
            field=models.BooleanField(
                default=False, editable=False,
                help_text="Chỉ cấp cho Văn phòng, Ủy viên UBKT hoặc Lãnh đạo được giao tiếp nhận, "
                          "giải quyết tố cáo, qua đề nghị của một quản trị viên và phê duyệt của "
                          "một quản trị viên khác. Mọi lượt xem đều được ghi nhật ký.",
                verbose_name="được xem danh tính người tố cáo"),
        ),
        migrations.AlterField(
            model_name="identityaccess",
            name="accessed_at",
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now,
                                       verbose_name="thời điểm"),
        ),
        migrations.AddField(
            model_name="identityaccess",
            name="prev_hash",
            field=models.CharField(blank=True, default="", editable=False, max_length=64,
                                   verbose_name="mã băm lượt xem trước"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="identityaccess",
            name="hash",
            field=models.CharField(default="", editable=False, max_length=64,
                                   verbose_name="mã băm"),
            preserve_default=False,
        ),
        migrations.CreateModel(
            name="ClearanceRequest",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("grant", models.BooleanField(default=True,
                                              help_text="Bỏ chọn để đề nghị thu hồi quyền.",
                                              verbose_name="cấp quyền")),
                ("reason", models.TextField(verbose_name="lý do")),
                ("requested_at", models.DateTimeField(default=django.utils.timezone.now,
                                                      verbose_name="thời điểm đề nghị")),
                ("status", models.CharField(choices=[("pending", "Chờ phê duyệt"),
                                                     ("approved", "Đã phê duyệt"),
                                                     ("refused", "Đã từ chối")],
                                            db_index=True, default="pending", max_length=10,
                                            verbose_name="trạng thái")),
                ("decided_at", models.DateTimeField(blank=True, null=True,
                                                    verbose_name="thời điểm quyết định")),
                ("decision_note", models.TextField(blank=True,
                                                   verbose_name="ghi chú khi quyết định")),
                ("assignment", models.ForeignKey(
                    null=True, on_delete=django.db.models.deletion.SET_NULL,
                    related_name="clearance_requests", to="casework.roleassignment",
                    verbose_name="phân quyền")),
                ("decided_by", models.ForeignKey(
                    blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                    related_name="+", to=settings.AUTH_USER_MODEL,
                    verbose_name="người quyết định")),
                ("requested_by", models.ForeignKey(
                    on_delete=django.db.models.deletion.PROTECT, related_name="+",
                    to=settings.AUTH_USER_MODEL, verbose_name="người đề nghị")),
            ],
            options={
                "verbose_name": "đề nghị cấp, thu hồi quyền xem danh tính",
                "verbose_name_plural": "đề nghị cấp, thu hồi quyền xem danh tính",
                "ordering": ["-requested_at", "-id"],
            },
        ),
        migrations.CreateModel(
            name="ClearanceEvent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("event_type", models.CharField(choices=[("requested", "Đề nghị cấp quyền"),
                                                         ("approved", "Phê duyệt, cấp quyền"),
                                                         ("refused", "Từ chối đề nghị"),
                                                         ("revoked", "Thu hồi quyền")],
                                                max_length=10, verbose_name="sự kiện")),
                ("assignment_id", models.BigIntegerField(db_index=True,
                                                         verbose_name="mã phân quyền")),
                ("role", models.CharField(max_length=20, verbose_name="vai trò")),
                ("grant", models.BooleanField(verbose_name="cấp quyền")),
                ("reason", models.TextField(blank=True, verbose_name="lý do")),
                ("occurred_at", models.DateTimeField(default=django.utils.timezone.now,
                                                     verbose_name="thời điểm")),
                ("prev_hash", models.CharField(blank=True, editable=False, max_length=64,
                                               verbose_name="mã băm sự kiện trước")),
                ("hash", models.CharField(editable=False, max_length=64, verbose_name="mã băm")),
                ("actor", models.ForeignKey(
                    on_delete=django.db.models.deletion.PROTECT, related_name="+",
                    to=settings.AUTH_USER_MODEL, verbose_name="người thực hiện")),
                ("organisation", models.ForeignKey(
                    on_delete=django.db.models.deletion.PROTECT, related_name="+",
                    to="casework.organisation", verbose_name="tổ chức")),
                ("request", models.ForeignKey(
                    on_delete=django.db.models.deletion.PROTECT, related_name="events",
                    to="casework.clearancerequest", verbose_name="đề nghị")),
                ("user", models.ForeignKey(
                    on_delete=django.db.models.deletion.PROTECT, related_name="+",
                    to=settings.AUTH_USER_MODEL, verbose_name="người được cấp")),
            ],
            options={
                "verbose_name": "lịch sử quyền xem danh tính",
                "verbose_name_plural": "lịch sử quyền xem danh tính",
                "ordering": ["-occurred_at", "-id"],
            },
        ),
        migrations.RunPython(seal_existing_accesses, migrations.RunPython.noop),
        migrations.RunPython(_on_postgresql(_trigger_sql), _on_postgresql(_drop_sql)),
    ]

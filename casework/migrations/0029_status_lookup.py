"""The sender's lookup code on every letter, and the log of the public status lookup
(issue 16). Letters already in the register get their codes here, each its own, in one
UPDATE in the database: on PostgreSQL from gen_random_uuid() (the server's strong random
source, PostgreSQL 13+; one UUID's first byte per sign, its low 5 bits uniform over the 32
signs), on SQLite from Python's `secrets` through a function registered on the connection.
The column is added with an empty default (no rewrite on PostgreSQL) and the state takes
the model's callable default; the rows are then rewritten once and 0030 vacuums them."""
import secrets

import django.db.models.deletion
from django.db import migrations, models

import casework.models.lookup

# As casework.models.lookup has them, copied: a migration runs as it was written.
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
LENGTH = 8


def _code():
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def fill_sql(vendor):
    """The UPDATE giving every letter without a code its own."""
    if vendor == "postgresql":
        sign = (f"substr('{ALPHABET}', get_byte(uuid_send(gen_random_uuid()), 0) % 32 + 1, 1)")
        code = " || ".join([sign] * LENGTH)
    else:
        code = "casework_new_lookup_code()"
    return f"UPDATE casework_petition SET lookup_code = {code} WHERE lookup_code = ''"


def fill_codes(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        connection.connection.create_function("casework_new_lookup_code", 0, _code)
    with connection.cursor() as cursor:
        cursor.execute(fill_sql(connection.vendor))
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE casework_petition")


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0028_documents'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddField(
                model_name='petition',
                name='lookup_code',
                field=models.CharField(default=casework.models.lookup.new_lookup_code, editable=False, max_length=8, verbose_name='mã tra cứu'),
            )],
            database_operations=[migrations.AddField(
                model_name='petition',
                name='lookup_code',
                field=models.CharField(default='', editable=False, max_length=8, verbose_name='mã tra cứu'),
            )],
        ),
        migrations.RunPython(fill_codes, migrations.RunPython.noop),
        migrations.CreateModel(
            name='StatusLookup',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(db_index=True, verbose_name='thời điểm')),
                ('client_hash', models.CharField(max_length=32, verbose_name='máy tra cứu (mã hóa)')),
                ('number_typed', models.CharField(blank=True, max_length=40, verbose_name='số biên nhận đã nhập')),
                ('number_key', models.CharField(blank=True, max_length=48)),
                ('outcome', models.CharField(choices=[('found', 'Tìm thấy'), ('not_found', 'Không khớp'), ('refused', 'Từ chối (quá số lần)')], max_length=10, verbose_name='kết quả')),
                ('petition', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='casework.petition', verbose_name='đơn')),
            ],
            options={
                'verbose_name': 'lượt tra cứu tình trạng đơn',
                'verbose_name_plural': 'lượt tra cứu tình trạng đơn',
                'ordering': ['-at'],
                'indexes': [models.Index(fields=['client_hash', 'outcome', 'at'], name='lookup_client_at'), models.Index(fields=['number_key', 'outcome', 'at'], name='lookup_number_at')],
            },
        ),
    ]

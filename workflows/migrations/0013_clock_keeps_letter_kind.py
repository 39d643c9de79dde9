"""Each clock keeps its letter's kind (DeadlineClock.kind, `workflows.models.clocks.clock_kind`):
the leaders' overview counts a province's open clocks per kind from the clocks alone.
From now on the clock takes it when saved first and follows the letter's classification
(`keep_clock_kinds`); here it is filled for the clocks already there, in one statement,
and the running clocks' covering index for the overview's counts is built.
0014 then VACUUMs the table (this rewrote the letters' clocks)."""
from django.conf import settings
from django.db import migrations, models

# One join on PostgreSQL (a subquery per clock is a million probes at a province's scale);
# the portable form elsewhere. A case's clock keeps "" (the column's default).
FILL_POSTGRESQL = """
UPDATE workflows_deadlineclock c SET kind = p.kind
FROM casework_petition p WHERE p.id = c.petition_id AND c.kind <> p.kind
"""
FILL_PORTABLE = """
UPDATE workflows_deadlineclock SET kind = (
    SELECT p.kind FROM casework_petition p
    WHERE p.id = workflows_deadlineclock.petition_id)
WHERE petition_id IS NOT NULL
"""


def fill(apps, schema_editor):
    connection = schema_editor.connection
    sql = FILL_POSTGRESQL if connection.vendor == "postgresql" else FILL_PORTABLE
    with connection.cursor() as cursor:
        cursor.execute(sql)


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0012_search_trigram'),
        ('workflows', '0012_overview_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='deadlineclock',
            name='kind',
            field=models.CharField(blank=True, db_default='', default='', editable=False, max_length=20, verbose_name='loại đơn'),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        # Built after the fill: it carries the kind.
        migrations.AddIndex(
            model_name='deadlineclock',
            index=models.Index(condition=models.Q(('lapses', False), ('status', 'running')), fields=['due_on'], include=('organisation', 'assignee', 'petition', 'inspection', 'kind'), name='clock_open_counts_idx'),
        ),
    ]

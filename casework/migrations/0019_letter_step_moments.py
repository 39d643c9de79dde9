"""The first moment of each step a period's report counts (Petition.transferred_at,
guided_at, accepted_at) and the last moment the letter's kind was recorded
(kind_recorded_at), copied from the events, with the two covering indexes of the logged
moments rebuilt to carry them and an index on each step's moment (issue 12: the
province's year report at 1,000,000 letters read 540,000 events of the year to count the
steps and the kinds). From now on the transition engine writes them beside each event
(Petition.log_moments); here they are filled from the events already logged.

The fill is one grouped pass over the events on PostgreSQL (each letter's row rewritten
once, rather than once per column), and sets `received_at` and `closed_at` (0013) again by
the same rule: identical where the engine wrote them, and right where letters and events
were inserted by SQL without them (the benchmarks' province builder). The old covering
indexes are dropped first so that the rewrite does not maintain them."""
from django.db import migrations, models

OPEN = ("received", "classified", "accepted", "transferred")
CLOSED = ("guided", "filed", "resolved", "withdrawn")
CLOSING = f"e.from_status IN {OPEN!r} AND e.to_status IN {CLOSED!r}"
# figure → (aggregate, condition on the event): the first received, closing and step
# events, the last event recording a kind (Petition.log_moments).
MOMENTS = {
    "received_at": ("min", "e.event_type = 'received'"),
    "closed_at": ("min", CLOSING),
    "transferred_at": ("min", "e.event_type = 'transferred'"),
    "guided_at": ("min", "e.event_type = 'guided'"),
    "accepted_at": ("min", "e.event_type = 'accepted'"),
    "kind_recorded_at": ("max", "{has_kind}"),
}
HAS_KIND = {"postgresql": "(e.details -> 'kind') IS NOT NULL",
            "sqlite": "json_type(e.details, '$.kind') IS NOT NULL"}


def fill_sql(vendor):
    """The UPDATE filling every letter's logged moments from its events."""
    moments = {name: (agg, cond.format(has_kind=HAS_KIND[vendor]))
               for name, (agg, cond) in MOMENTS.items()}
    if vendor == "postgresql":
        sets = ", ".join(f"{name} = m.{name}" for name in moments)
        columns = ", ".join(f"{agg}(e.occurred_at) FILTER (WHERE {cond}) AS {name}"
                            for name, (agg, cond) in moments.items())
        return (f"UPDATE casework_petition p SET {sets} FROM (SELECT e.petition_id, {columns} "
                f"FROM casework_caseevent e WHERE e.petition_id IS NOT NULL "
                f"GROUP BY e.petition_id) m WHERE m.petition_id = p.id")
    # Portable, one subquery per letter and column: an office's database is small.
    sets = ", ".join(f"{name} = (SELECT {agg}(e.occurred_at) FROM casework_caseevent e "
                     f"WHERE e.petition_id = casework_petition.id AND {cond})"
                     for name, (agg, cond) in moments.items())
    return f"UPDATE casework_petition SET {sets}"


def fill_moments(connection):
    with connection.cursor() as cursor:
        cursor.execute(fill_sql(connection.vendor))


def fill(apps, schema_editor):
    fill_moments(schema_editor.connection)


def analyze(apps, schema_editor):
    """The planner's statistics of the new columns now (the VACUUM comes in the next
    migration, outside a transaction)."""
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("ANALYZE casework_petition")


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0018_programme_case_figures'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='petition',
            name='petition_received_at',
        ),
        migrations.RemoveIndex(
            model_name='petition',
            name='petition_closed_at',
        ),
        migrations.AddField(
            model_name='petition',
            name='accepted_at',
            field=models.DateTimeField(editable=False, null=True, verbose_name='thời điểm ghi thụ lý'),
        ),
        migrations.AddField(
            model_name='petition',
            name='guided_at',
            field=models.DateTimeField(editable=False, null=True, verbose_name='thời điểm ghi hướng dẫn'),
        ),
        migrations.AddField(
            model_name='petition',
            name='kind_recorded_at',
            field=models.DateTimeField(editable=False, null=True, verbose_name='thời điểm ghi loại đơn'),
        ),
        migrations.AddField(
            model_name='petition',
            name='transferred_at',
            field=models.DateTimeField(editable=False, null=True, verbose_name='thời điểm ghi chuyển đơn'),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='petition',
            index=models.Index(fields=['received_at'], include=('id', 'organisation', 'closed_at', 'status', 'kind', 'sender_type', 'transferred_at', 'guided_at', 'accepted_at', 'kind_recorded_at'), name='petition_received_at'),
        ),
        migrations.AddIndex(
            model_name='petition',
            index=models.Index(fields=['closed_at', 'received_at'], include=('id', 'organisation', 'status', 'kind', 'sender_type', 'transferred_at', 'guided_at', 'accepted_at', 'kind_recorded_at'), name='petition_closed_at'),
        ),
        migrations.AddIndex(
            model_name='petition',
            index=models.Index(condition=models.Q(('transferred_at__isnull', False)), fields=['transferred_at'], name='petition_transferred_at'),
        ),
        migrations.AddIndex(
            model_name='petition',
            index=models.Index(condition=models.Q(('guided_at__isnull', False)), fields=['guided_at'], name='petition_guided_at'),
        ),
        migrations.AddIndex(
            model_name='petition',
            index=models.Index(condition=models.Q(('accepted_at__isnull', False)), fields=['accepted_at'], name='petition_accepted_at'),
        ),
        migrations.RunPython(analyze, migrations.RunPython.noop),
    ]

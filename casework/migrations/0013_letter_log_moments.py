"""Each letter's logged moments of receipt and closing (Petition.received_at, closed_at),
copied from its events, with the indexes the figures of a period read them from (issue 12:
the province's year report at 1,000,000 letters). From now on the transition engine writes
them beside each event (casework.services.transitions.write_event); here they are filled
from the events already logged."""
from django.db import migrations, models

OPEN = ("received", "classified", "accepted", "transferred")
CLOSED = ("guided", "filed", "resolved", "withdrawn")
CLOSING = f"e.from_status IN {OPEN!r} AND e.to_status IN {CLOSED!r}"

# One grouped pass over the events on PostgreSQL (a correlated pair of subqueries per
# letter is minutes at a million letters); the portable form elsewhere.
FILL_POSTGRESQL = f"""
UPDATE casework_petition p SET received_at = m.received_at, closed_at = m.closed_at
FROM (SELECT e.petition_id,
             min(e.occurred_at) FILTER (WHERE e.event_type = 'received') AS received_at,
             min(e.occurred_at) FILTER (WHERE {CLOSING}) AS closed_at
      FROM casework_caseevent e WHERE e.petition_id IS NOT NULL
      GROUP BY e.petition_id) m
WHERE m.petition_id = p.id
"""
FILL_PORTABLE = f"""
UPDATE casework_petition SET
    received_at = (SELECT min(e.occurred_at) FROM casework_caseevent e
                   WHERE e.petition_id = casework_petition.id AND e.event_type = 'received'),
    closed_at = (SELECT min(e.occurred_at) FROM casework_caseevent e
                 WHERE e.petition_id = casework_petition.id AND {CLOSING})
"""


def fill(apps, schema_editor):
    connection = schema_editor.connection
    sql = FILL_POSTGRESQL if connection.vendor == "postgresql" else FILL_PORTABLE
    with connection.cursor() as cursor:
        cursor.execute(sql)


def analyze(apps, schema_editor):
    """The planner's statistics of the new columns now, not at autovacuum's next pass: the
    figures' plans choose between the indexes by them."""
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("ANALYZE casework_petition")


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0012_search_trigram'),
    ]

    operations = [
        migrations.AddField(
            model_name='petition',
            name='closed_at',
            field=models.DateTimeField(editable=False, null=True, verbose_name='thời điểm ghi kết thúc'),
        ),
        migrations.AddField(
            model_name='petition',
            name='received_at',
            field=models.DateTimeField(editable=False, null=True, verbose_name='thời điểm ghi tiếp nhận'),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='petition',
            index=models.Index(fields=['received_at'], include=['id', 'organisation', 'closed_at', 'status', 'kind', 'sender_type'], name='petition_received_at'),
        ),
        migrations.AddIndex(
            model_name='petition',
            index=models.Index(fields=['closed_at', 'received_at'], include=['id', 'organisation', 'status', 'kind', 'sender_type'], name='petition_closed_at'),
        ),
        migrations.RunPython(analyze, migrations.RunPython.noop),
    ]

"""The figures' covering indexes carry `handed_to` (issue 14: a letter handed on inside a
roll-up's subtree is counted once, at its recipient's letter), so the year report's and the
overview's reads stay index-only. No row is rewritten (the column came empty in 0023 and
only the indexes are rebuilt), so no VACUUM is needed after it: the visibility map holds.
The index on (organisation, received_on) gets a name, which an index with INCLUDE needs."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0023_handoff_links_outside_bodies'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='petition',
            name='casework_pe_organis_424236_idx',
        ),
        migrations.RemoveIndex(
            model_name='petition',
            name='petition_received_unit',
        ),
        migrations.RemoveIndex(
            model_name='petition',
            name='petition_closed_unit',
        ),
        migrations.RemoveIndex(
            model_name='petition',
            name='petition_received_at',
        ),
        migrations.RemoveIndex(
            model_name='petition',
            name='petition_closed_at',
        ),
        migrations.RemoveIndex(
            model_name='petition',
            name='petition_unit_closed',
        ),
        migrations.AddIndex(
            model_name='petition',
            index=models.Index(fields=['organisation', 'received_on'], include=('handed_to',), name='petition_unit_received'),
        ),
        migrations.AddIndex(
            model_name='petition',
            index=models.Index(fields=['received_at'], include=('id', 'organisation', 'closed_at', 'status', 'kind', 'sender_type', 'transferred_at', 'guided_at', 'accepted_at', 'kind_recorded_at', 'handed_to'), name='petition_received_at'),
        ),
        migrations.AddIndex(
            model_name='petition',
            index=models.Index(fields=['closed_at', 'received_at'], include=('id', 'organisation', 'status', 'kind', 'sender_type', 'transferred_at', 'guided_at', 'accepted_at', 'kind_recorded_at', 'handed_to'), name='petition_closed_at'),
        ),
        migrations.AddIndex(
            model_name='petition',
            index=models.Index(fields=['received_on', 'organisation'], include=('handed_to',), name='petition_received_unit'),
        ),
        migrations.AddIndex(
            model_name='petition',
            index=models.Index(fields=['closed_on', 'organisation'], include=('handed_to',), name='petition_closed_unit'),
        ),
        migrations.AddIndex(
            model_name='petition',
            index=models.Index(fields=['organisation', 'closed_on'], include=('handed_to',), name='petition_unit_closed'),
        ),
    ]

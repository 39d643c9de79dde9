"""An index of the cases' events by type and moment (issue 12: the year report's
programme figures scanned every event, a million letters' among them, for the cases
concluded by the period's end: 0.6-0.85 s of the province's report at 1,000,000 letters)."""
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0020_letter_step_moments_vacuum'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='caseevent',
            index=models.Index(condition=models.Q(('inspection__isnull', False)), fields=['event_type', 'occurred_at'], include=('inspection',), name='case_event_type_moment'),
        ),
    ]

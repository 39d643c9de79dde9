"""A clock started by another clock's period ending unmet (workflows.sweep: the window for a
second complaint when the first-instance period passed without a decision). Unique, so the
sweep starts it exactly once."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('workflows', '0009_recompute_since_july'),
    ]

    operations = [
        migrations.AddField(
            model_name='deadlineclock',
            name='started_by',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='workflows.deadlineclock'),
        ),
    ]

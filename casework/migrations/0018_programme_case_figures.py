"""The programme page's case figures from indexes alone (issue 18): each item's cases
(case_item_figures) and the ad-hoc cases of a year (case_adhoc_year, rebuilt with the
columns counted) are counted by status and end date without reading the cases' rows
(a province: 25,000 case rows visited one by one for the items before). INCLUDE is
PostgreSQL's; elsewhere the indexes are plain ones on the key columns."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0017_export_jobs'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='inspectioncase',
            name='case_adhoc_year',
        ),
        migrations.AddIndex(
            model_name='inspectioncase',
            index=models.Index(condition=models.Q(('programme_item__isnull', True)), fields=['year', 'organisation'], include=('body', 'id', 'status', 'ends_on'), name='case_adhoc_year'),
        ),
        migrations.AddIndex(
            model_name='inspectioncase',
            index=models.Index(condition=models.Q(('programme_item__isnull', False)), fields=['programme_item'], include=('id', 'status', 'ends_on'), name='case_item_figures'),
        ),
    ]

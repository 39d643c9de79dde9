import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Every discipline decision names its subject (filled by 0024)."""

    dependencies = [
        ('casework', '0026_case_subjects'),
    ]

    operations = [
        migrations.AlterField(
            model_name='disciplinedecision',
            name='subject',
            field=models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='discipline_decision', to='casework.casesubject', verbose_name='đối tượng'),
        ),
    ]

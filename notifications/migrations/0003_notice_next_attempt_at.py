from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("notifications", "0002_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="notice",
            name="next_attempt_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]

"""Organisation.symbol, the unit's short symbol put on every number (casework.numbers).

Added empty, filled, then made unique (0010_unit_symbol_unique), so that PostgreSQL does not
alter a table this transaction has just updated. The demo's four units get the symbols of
their documents; every other unit its code in capitals, as Organisation.save does."""
from django.db import migrations, models

# Frozen here: the demo's table (casework.demo_data.SYMBOLS) may change, this may not.
KNOWN = {"hai-phong": "TU", "ke-sat": "ĐU", "van-phong": "VPĐU", "ubkt": "UBKT"}


def fill_symbols(apps, schema_editor):
    Organisation = apps.get_model("casework", "Organisation")
    taken = set()
    for org in Organisation.objects.order_by("pk"):
        symbol = KNOWN.get(org.code) or org.code.upper()
        if symbol in taken:  # codes differing only in case
            symbol = f"{symbol}-{org.pk}"
        taken.add(symbol)
        Organisation.objects.filter(pk=org.pk).update(symbol=symbol)


class Migration(migrations.Migration):

    dependencies = [
        ("casework", "0009_append_only_ledgers"),
    ]

    operations = [
        migrations.AddField(
            model_name="organisation",
            name="symbol",
            field=models.CharField(default="", max_length=30, verbose_name="ký hiệu"),
            preserve_default=False,
        ),
        migrations.RunPython(fill_symbols, migrations.RunPython.noop),
    ]

"""Search keys: accent-, case- and Unicode-form-insensitive copies of the searched texts
(casework.search_keys), backfilled for the letters already in the register. The sender's
name_key is recomputed too: its normaliser now also case-folds and folds compatibility
forms, and the search and the duplicate check must agree with what is stored."""
import unicodedata

from django.db import migrations, models

BATCH = 1000


def search_key(text):
    # A frozen copy of casework.search_keys.search_key as of this migration.
    if not text:
        return ""
    stroked = str.maketrans({"đ": "d", "Đ": "d", "Ð": "d", "ð": "d"})
    folded = unicodedata.normalize("NFKD", text.translate(stroked).casefold())
    return " ".join("".join(c for c in folded if not unicodedata.combining(c)).split())


def _backfill(model, keys):
    """keys: {key_field: (source_field, max_length or None)}."""
    batch = []
    for row in model.objects.order_by("pk").iterator(chunk_size=BATCH):
        for key_field, (source, length) in keys.items():
            key = search_key(getattr(row, source))
            setattr(row, key_field, key[:length] if length else key)
        batch.append(row)
        if len(batch) == BATCH:
            model.objects.bulk_update(batch, list(keys))
            batch = []
    if batch:
        model.objects.bulk_update(batch, list(keys))


def backfill(apps, schema_editor):
    _backfill(apps.get_model("casework", "Petition"), {
        "summary_key": ("summary", None), "subject_key": ("subject_name", 255),
        "handled_by_key": ("handled_by", 255)})
    _backfill(apps.get_model("casework", "PetitionSender"), {
        "name_key": ("full_name", 150), "address_key": ("address", 255)})


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0004_inspection_cases'),
    ]

    operations = [
        migrations.AddField(
            model_name='petition',
            name='handled_by_key',
            field=models.CharField(default='', editable=False, max_length=255),
        ),
        migrations.AddField(
            model_name='petition',
            name='subject_key',
            field=models.CharField(default='', editable=False, max_length=255),
        ),
        migrations.AddField(
            model_name='petition',
            name='summary_key',
            field=models.TextField(default='', editable=False),
        ),
        migrations.AddField(
            model_name='petitionsender',
            name='address_key',
            field=models.CharField(default='', editable=False, max_length=255),
        ),
        migrations.AlterField(
            model_name='identityaccess',
            name='purpose',
            field=models.CharField(choices=[('case_page', 'Xem trang hồ sơ đơn'), ('receipt', 'Xem, in giấy biên nhận'), ('attachment', 'Tải bản quét đơn, tài liệu'), ('export', 'Xuất sổ đơn thư kèm danh tính'), ('api', 'Truy xuất qua API'), ('admin', 'Xem trong trang quản trị'), ('search', 'Tìm kiếm theo tên, địa chỉ người gửi')], max_length=20, verbose_name='hình thức'),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]

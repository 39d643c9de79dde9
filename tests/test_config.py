"""Settings come from the environment: SQLite and in-process tasks by default,
PostgreSQL and Redis when their URLs are given."""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE = ("import json, django; from django.conf import settings as s; django.setup(); "
         "print(json.dumps({'engine': s.DATABASES['default']['ENGINE'], "
         "'name': str(s.DATABASES['default']['NAME']), 'eager': s.CELERY_TASK_ALWAYS_EAGER, "
         "'broker': s.CELERY_BROKER_URL, 'mode': s.DATABASES['default'].get('OPTIONS', {})"
         ".get('transaction_mode')}))")


def settings_with(**env):
    clean = {k: v for k, v in os.environ.items()
             if k not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    clean.update(DJANGO_SETTINGS_MODULE="config.settings", **env)
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=clean, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_embedded_default_is_sqlite_with_in_process_tasks():
    s = settings_with()
    assert s["engine"] == "django.db.backends.sqlite3"
    assert s["name"].endswith("db.sqlite3")
    assert s["mode"] == "IMMEDIATE"
    assert s["eager"] is True and s["broker"] == ""


def test_production_urls_select_postgresql_and_redis():
    s = settings_with(DATABASE_URL="postgres://casework:pw@db.local:5432/casework",
                      CELERY_BROKER_URL="redis://127.0.0.1:6379/0")
    assert s["engine"] == "django.db.backends.postgresql"
    assert s["name"] == "casework"
    assert s["eager"] is False and s["broker"] == "redis://127.0.0.1:6379/0"


def test_dates_and_numbers_follow_vietnamese_conventions_in_both_languages():
    import datetime

    from django.utils import formats, translation

    for language in ("vi", "en"):
        with translation.override(language):
            assert (formats.date_format(datetime.date(2025, 1, 5), "SHORT_DATE_FORMAT")
                    == "05/01/2025")
            assert formats.number_format(1822, force_grouping=True) == "1.822"
            assert formats.number_format(55.8, 1) == "55,8"


def test_collectstatic_with_the_production_storage_succeeds(settings, tmp_path):
    """bin/run and production run collectstatic with WhiteNoise's manifest storage, which
    refuses a stylesheet that names a missing file (viewflow's unused npm folders do)."""
    from django.core.management import call_command

    settings.STATIC_ROOT = str(tmp_path / "static")
    # Changing STORAGES resets the static storage (Django's setting_changed receiver).
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}
    call_command("collectstatic", "--noinput", verbosity=0)
    assert (tmp_path / "static" / "css" / "casework.css").exists()
    assert not list((tmp_path / "static").rglob("node_modules"))

"""Test settings: same as production settings, with a throw-away media folder and a fast
password hasher. The database comes from DATABASE_URL (SQLite in memory by default), so the
same suite runs on SQLite and on PostgreSQL."""
import os
import tempfile

os.environ.setdefault("DATABASE_URL", "sqlite:///:memory:")

from .settings import *  # noqa: E402,F403

MEDIA_ROOT = tempfile.mkdtemp(prefix="casework-test-media-")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
# A background export runs where it is dispatched, on commit: a thread (the embedded
# default) would not see a test's uncommitted rows. tests/casework/test_export_jobs.py
# runs the thread path on committed data.
EXPORT_RUNNER = "inline"
EXPORT_DIR = tempfile.mkdtemp(prefix="casework-test-exports-")
IMPORT_DIR = tempfile.mkdtemp(prefix="casework-test-imports-")
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ATTACHMENT_MAX_BYTES = 200 * 1024
LANGUAGE_CODE = "vi"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests walk the calendar days or weeks forward between two requests of one login; the
# 30-minute idle timeout would log them out. tests/test_security.py checks the timeout
# with the production value.
SESSION_COOKIE_AGE = 10 * 365 * 24 * 3600
# Tests move time with time-machine, which cannot move the database server's clock: the
# sweep reads the local one (tests/faults/test_db_clock.py turns the server's clock back on).
SWEEP_DATABASE_CLOCK = False

"""Settings of the Celery workers started by test_celery_integration.py.

The production settings, read from the environment the test passes (DATABASE_URL of the
test database, CELERY_BROKER_URL of a dedicated Redis database, EMAIL_BACKEND and
EMAIL_FILE_PATH), plus a queue of the test's own, so that nothing else on the shared Redis
can take its tasks or hand it theirs.
"""
import os

from config.settings import *  # noqa: F403

CELERY_TASK_DEFAULT_QUEUE = os.environ["CASEWORK_TEST_QUEUE"]
# Small batches, so that a test's few hundred notices make many batches in flight.
NOTICE_EMAIL_BATCH = int(os.environ.get("NOTICE_EMAIL_BATCH", "10"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "INFO"},
}

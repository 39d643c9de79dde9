"""Settings, driven by the environment (12-factor).

Defaults are the embedded install: SQLite file in the project folder, no broker (Celery
tasks run in-process), DEBUG off unless asked for. Production sets DATABASE_URL
(PostgreSQL), CELERY_BROKER_URL (Redis), SECRET_KEY and ALLOWED_HOSTS.
HTTPS=1 marks a server behind a TLS proxy: secure cookies, HSTS, and a SECRET_KEY is required.
"""
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config.security import EMBEDDED_FIXED_KEY, embedded_secret_key

# openpyxl (the report's XLSX) writes its XML with lxml (pinned in requirements.lock).
# lxml writes every non-ASCII letter as a character reference (&#7901;), which is valid
# XML: tests that search an unzipped file's bytes for a name unescape it first
# (tests/test_access_matrix.py, test_export.py). An environment that sets
# OPENPYXL_LXML=False gets openpyxl's own writer and the same workbook. The register
# export has its own writer (casework/xlsx.py, plain UTF-8).

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# HTTPS=1 is what marks a server install (behind a TLS proxy); without it, this is the
# embedded install on one office PC, served over plain HTTP (bin/run).
HTTPS = env.bool("HTTPS", default=False)
# The embedded install makes its own random key on first start (var/secret_key); a server
# (HTTPS=1) must be given one, and refuses to start on a key anyone could read in the source.
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY or SECRET_KEY == EMBEDDED_FIXED_KEY:
    if HTTPS:
        raise ImproperlyConfigured(
            "HTTPS=1 (production) needs its own SECRET_KEY in the environment or .env: "
            "a long random string, e.g. from `python -c \"import secrets; "
            "print(secrets.token_urlsafe(50))\"`.")
    SECRET_KEY = embedded_secret_key(BASE_DIR / "var" / "secret_key")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "axes",
    "csp",
    # Declares the ledgers' append-only triggers (casework.models.ledger) on PostgreSQL.
    "pgtrigger",
    "viewflow",
    "viewflow.workflow",
    "casework",
    "workflows",
    "notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.middleware.PermissionsPolicyMiddleware",
    # Django's, except that it writes before the view, never after it (config/sessions.py).
    "config.sessions.EarlySessionMiddleware",
    "config.middleware.OfficeLanguageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # ?status= → ?trang-thai=: old bookmarks of the pages and the API still work.
    "casework.query_names.LegacyQueryNamesMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A database away during a view: "not saved, try again" with what was typed kept.
    "config.db_outage.DatabaseOutageMiddleware",
    # After the login is known (the 400 page shows the user's menu), before anything
    # reads the body (CSRF's check reads the form in process_view, after every __call__).
    "config.middleware.RequestSizeLimitMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a login refused for lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

# The API reads the same scoped querysets and masking service as the pages. It uses the
# web session (same login, same lockout, same CSRF), so there is no second kind of
# credential to leak or revoke.
REST_FRAMEWORK = {
    # A key for machine clients (casework.api.auth); first, so that a request without
    # credentials is a 401 with its challenge. The session serves the pages' own scripts.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "casework.api.auth.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "casework.api.errors.api_exception_handler",
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "casework.api.pagination.Pages",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Casework API",
    "DESCRIPTION": "Sổ đơn thư và các bước xử lý đơn, theo phạm vi và quyền của người dùng "
                   "(khóa API: Authorization: Bearer <khóa>).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # One name per choice set, whichever field or form it comes from (several models have
    # a "kind" and a "status" of their own).
    "ENUM_NAME_OVERRIDES": {
        "PetitionStatusEnum": "casework.models.PetitionStatus",
        "PetitionKindEnum": "casework.models.PetitionKind",
        "CompetenceEnum": "casework.models.Competence",
        "FiledReasonEnum": "casework.models.FiledReason",
        "CaseKindEnum": "casework.models.inspections.InspectionKind",
        "CaseStatusEnum": "casework.models.inspections.CaseStatus",
        "DocumentKindEnum": "casework.models.documents.DocumentKind",
        "ClockEntryKindEnum": "workflows.models.clocks.ClockEntryKind",
    },
    # Every operation declares the errors it can answer (casework.api.schema).
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "casework.api.schema.declare_errors"],
}
FILTERS_EMPTY_CHOICE_LABEL = "Tất cả"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "notifications.context_processors.unread_notices",
                "notifications.context_processors.service_health",
                "config.menu.main_menu",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock at BEGIN, so two clerks saving at once queue up
    # instead of failing with "database is locked" half-way through a transaction.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": env.int("SQLITE_BUSY_TIMEOUT", default=20)}
    )
elif DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql") and not env.bool(
        "DATABASE_JIT", default=False):
    # PostgreSQL compiles a query to machine code (JIT) once its estimated cost passes
    # jit_above_cost: at a province's scale the overview's and the year report's statements
    # do, and compiling took 2.3 s of a 3.1 s overview query that runs in 0.8 s, 1.5 s of
    # the year report (benchmarks/README.md, "figures.py"). The pages' queries are short;
    # DATABASE_JIT=1 gives the server's own choice back.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = (options.get("options", "") + " -c jit=off").strip()
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# The covering indexes' INCLUDE columns are for PostgreSQL; SQLite builds the same indexes
# without them, which is what the embedded install wants, so its warning is only noise on
# every manage.py command (backup, restore, bin/run).
SILENCED_SYSTEM_CHECKS = (
    ["models.W040"] if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" else [])
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# 12 characters and three of the four character classes: long enough to resist guessing
# at the lockout's pace, short enough that clerks do not write it on the monitor. Each
# validator is Django's, with its message in Vietnamese (config/password_validation.py).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "config.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "config.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 12}},
    {"NAME": "config.password_validation.CommonPasswordValidator"},
    {"NAME": "config.password_validation.NumericPasswordValidator"},
    {"NAME": "config.password_validation.CharacterClassesValidator",
     "OPTIONS": {"min_classes": 3}},
]
# Axes first: it refuses a locked-out login before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Login lockout (django-axes; attempts kept in the database, so every worker process and
# the admin login (/quan-tri/login/) share one count). Keyed on the pair username + client
# address: keyed on the address alone, one clerk's typos would lock the whole office out,
# since its PCs often reach a server through one shared address; keyed on the username
# alone, anyone could lock the chairman out from anywhere by typing his name. The pair
# stops guessing one account from one place; guessing spread over many places meets the
# password rules above.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# A successful login forgets earlier typos, so a month of them does not add up to a lock;
# an attempt while locked starts the cool-off again, so a script that keeps trying stays out.
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = True
# The lockout is shown on the login page itself, in the user's language (HTTP 429).
AXES_LOCKOUT_CALLABLE = "config.security.lockout_response"
# Behind a reverse proxy every request comes from the proxy's address: TRUSTED_PROXY_COUNT
# says how many proxies (each appending to X-Forwarded-For) stand in front of the app, so
# the client's own address is found. The address is read by our own function, as
# django-ipware (which AXES_IPWARE_* settings configure) is not installed: without it those
# settings would be silently ignored. 0 (the default) trusts no header: right for the
# embedded install, and safe if unset, since a client can write X-Forwarded-For itself.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "config.security.client_ip"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"  # the overview for a leader, the register for others
LOGOUT_REDIRECT_URL = "login"

# Vietnamese first; English as the second language.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
# Every date the product accepts (typed, imported, sent to a service) must fall in whole
# years around today: from 1 January CASEWORK_DATE_YEARS_BACK years ago to 31 December
# CASEWORK_DATE_YEARS_AHEAD years on (casework.dates). A typo such as 0202 or 9999 is
# refused with a message instead of reaching the working-day calendar, whose tables are
# built for that window only (their size, and so a request's cost, is fixed).
CASEWORK_DATE_YEARS_BACK = env.int("CASEWORK_DATE_YEARS_BACK", default=30)
CASEWORK_DATE_YEARS_AHEAD = env.int("CASEWORK_DATE_YEARS_AHEAD", default=5)
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True
FORMAT_MODULE_PATH = ["config.formats"]

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "config.staticfiles.AppDirectoriesFinderWithoutNpm",
]
STATICFILES_DIRS = [BASE_DIR / "static"]
# WhiteNoise serves the (few, small) static files from the same process, so the embedded
# install needs no separate web server.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Scans of letters are personal data: stored outside any served folder, under random
# names, and handed out only by a permission-checked view.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "attachments")
# `manage.py backup` on PostgreSQL runs pg_dump/pg_restore from this folder when they are not
# on PATH (on Windows: C:\Program Files\PostgreSQL\16\bin). casework.backup.
BACKUP_PG_BIN = env.str("BACKUP_PG_BIN", default="")
# The health report (config/health.py) says "stale" when no complete backup was written for
# this many hours (26: a nightly backup that missed one night). 0: not checked.
BACKUP_STALE_AFTER_HOURS = env.int("BACKUP_STALE_AFTER_HOURS", default=0)
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
# Per letter: the intake form refuses more, naming the field and keeping what was typed.
ATTACHMENT_MAX_FILES = env.int("ATTACHMENT_MAX_FILES", default=10)
ATTACHMENT_MAX_TOTAL_BYTES = env.int("ATTACHMENT_MAX_TOTAL_BYTES", default=50 * 1024 * 1024)
# Beyond what the form could ever accept, a request is refused at the door (our 400 page)
# before its files are written to temporary storage. Set above the per-letter limits, so
# that a selection a little over them still reaches the form and its friendlier message.
DATA_UPLOAD_MAX_NUMBER_FILES = 2 * ATTACHMENT_MAX_FILES
REQUEST_MAX_BYTES = env.int("REQUEST_MAX_BYTES", default=2 * ATTACHMENT_MAX_TOTAL_BYTES)
# Form fields other than files (Django does not count the files here): Django's default.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

# A session ends after SESSION_COOKIE_AGE seconds without a request (requests push the
# end back, at most once a minute and before the view: config/sessions.py, never after the
# view has committed, hence SESSION_SAVE_EVERY_REQUEST off), and when the browser closes:
# an office PC is shared and often left on, so a clerk who walks away does not leave the
# register open.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = env.bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", default=True)
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Only our own files: no inline script or style (templates and the Django admin use static
# files), so markup that got into a page cannot run or restyle it. The receipt's print
# button is static/js/print.js for this reason.
# Should an inline <style> block ever be unavoidable, allow its exact text by hash here;
# tests/test_security.py fails when a <style> block in templates/ is not listed (the
# browser would silently ignore it).
INLINE_STYLE_HASHES = []
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, *INLINE_STYLE_HASHES],
        "img-src": [SELF, "data:"],  # data: images cannot run script; icons may use them
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}
if HTTPS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    # The proxy must set this header itself (and drop one sent by the client).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    # includeSubDomains covers only names below this host (x.casework.example.vn).
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    # "preload" consents to the browsers' built-in HTTPS-only list: once the domain is
    # submitted (hstspreload.org; anyone may submit a domain that sends it), browsers will
    # refuse plain HTTP to it and all its subdomains for years, and removal takes months.
    # Set SECURE_HSTS_PRELOAD=0 if the domain has subdomains that cannot do HTTPS.
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    # Turning either off is then a decision taken, not an oversight: keep check --deploy
    # quiet about it so that its output shows only what is still to do.
    SILENCED_SYSTEM_CHECKS = SILENCED_SYSTEM_CHECKS + (
        ([] if SECURE_HSTS_INCLUDE_SUBDOMAINS else ["security.W005"])
        + ([] if SECURE_HSTS_PRELOAD else ["security.W021"]))

# Celery: Redis in production; without a broker, tasks run in-process (embedded install).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Surviving a broker that goes away (issue 20): keep trying to reach it, at start-up and
# for ever after, instead of exiting; a task running when the connection is lost is
# cancelled (its message, unacknowledged, is handed out again: delivery is idempotent)
# rather than finishing against a broker that no longer knows it.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# A task is killed after CELERY_TASK_TIME_LIMIT seconds (a batch of e-mails, each bounded
# by EMAIL_TIMEOUT, finishes well within it); Redis hands an unacknowledged message out
# again only after the visibility timeout, which must be longer than the longest task and
# than the longest retry countdown (30 min, notifications/tasks.py), or it would run twice.
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=3600)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 2 * CELERY_TASK_TIME_LIMIT,
    "socket_keepalive": True,
    "socket_connect_timeout": 10,
}
# Pool processes: bounded, whatever the server's CPU count. The Redis transport can exit
# for good while restoring unacknowledged messages on a reconnect (an upstream behaviour,
# seen with 16 processes: 6 exits in 37 broker restarts; none in 45 with 2 to 4). The
# supervisor (deploy/systemd, or `manage.py serve --celery`) restarts a worker that exits.
CELERY_WORKER_CONCURRENCY = env.int("CELERY_WORKER_CONCURRENCY", default=4)
# Where beat keeps the time each periodic task last ran.
CELERY_BEAT_SCHEDULE_FILENAME = env.str(
    "CELERY_BEAT_SCHEDULE_FILENAME", default=str(BASE_DIR / "var" / "celerybeat-schedule"))
CELERY_TIMEZONE = TIME_ZONE
# Both minute tasks are safe to overlap or repeat: the sweep claims clocks set-wise, and a
# notice is sent at most once (row lock + status). Dispatch also picks up what a broker
# outage left in the outbox. Digests go out at 07:00 office time (CELERY_TIMEZONE).
CELERY_BEAT_SCHEDULE = {
    "sweep-deadlines": {"task": "workflows.tasks.sweep_deadlines", "schedule": 60.0},
    # Expires before the next: a worker back from an outage runs one, not a backlog.
    "dispatch-notices": {"task": "notifications.tasks.dispatch_pending", "schedule": 60.0,
                         "options": {"expires": 55}},
    "daily-digests": {"task": "notifications.tasks.send_daily_digests",
                      "schedule": crontab(hour=7, minute=0)},
    # Register exports: a job whose worker died is retried or failed; files past
    # EXPORT_KEEP_HOURS are deleted (casework.services.export_jobs).
    "recover-exports": {"task": "casework.tasks.recover_exports", "schedule": 60.0,
                        "options": {"expires": 55}},
    "clean-exports": {"task": "casework.tasks.clean_exports", "schedule": 3600.0},
    # The status lookup's log past LOOKUP_LOG_KEEP_DAYS (casework.services.status_lookup).
    "prune-status-lookups": {"task": "casework.tasks.prune_status_lookups",
                             "schedule": crontab(hour=3, minute=30)},
    # Imports from Excel: unconfirmed uploads deleted, runs whose worker died run again
    # (casework.services.import_jobs).
    "clean-imports": {"task": "casework.tasks.clean_imports", "schedule": 3600.0},
    "recover-imports": {"task": "casework.tasks.recover_imports", "schedule": 60.0,
                        "options": {"expires": 55}},
}
# The deadline sweep is reported as not running (pages, `manage.py check_health`) when its
# last run finished longer ago than this: three missed runs of the once-a-minute sweep.
SWEEP_STALE_AFTER = env.int("SWEEP_STALE_AFTER", default=180)
# The sweep reads "now" from the database server (PostgreSQL), so that machines whose
# clocks drift agree on when a rung falls due; a drift above CLOCK_DRIFT_WARN_SECONDS is
# logged as a warning (workflows/db_clock.py).
# The banner on leaders' and administrators' pages, `manage.py health` and /healthz also
# report a notice pending for longer than NOTICE_STALE_AFTER, and (with a broker) no task
# finished by a worker for WORKER_STALE_AFTER, while beat sends two a minute (config/health.py).
NOTICE_STALE_AFTER = env.int("NOTICE_STALE_AFTER", default=15 * 60)
WORKER_STALE_AFTER = env.int("WORKER_STALE_AFTER", default=SWEEP_STALE_AFTER)
WORKER_HEARTBEAT_EVERY = 30
SWEEP_DATABASE_CLOCK = env.bool("SWEEP_DATABASE_CLOCK", default=True)
CLOCK_DRIFT_WARN_SECONDS = env.int("CLOCK_DRIFT_WARN_SECONDS", default=60)

# The register's Excel export (casework/register_export.py). At most EXPORT_MAX_ROWS letters
# per file; past EXPORT_BACKGROUND_ROWS the file is made in the background (a Celery task
# with a broker, a thread of the web process without one: EXPORT_RUNNER) while the page
# shows its progress, and kept EXPORT_KEEP_HOURS in EXPORT_DIR for its owner to download.
# A running export whose progress has not moved for EXPORT_STALE_AFTER seconds lost its
# worker: it is run again, at most EXPORT_MAX_ATTEMPTS times in all, then marked failed.
EXPORT_MAX_ROWS = env.int("EXPORT_MAX_ROWS", default=200_000)
EXPORT_BACKGROUND_ROWS = env.int("EXPORT_BACKGROUND_ROWS", default=5_000)
EXPORT_DIR = env.path("EXPORT_DIR", default=BASE_DIR / "var" / "exports")
EXPORT_KEEP_HOURS = env.int("EXPORT_KEEP_HOURS", default=24)
EXPORT_STALE_AFTER = env.int("EXPORT_STALE_AFTER", default=120)
EXPORT_MAX_ATTEMPTS = env.int("EXPORT_MAX_ATTEMPTS", default=3)
EXPORT_RUNNER = env.str("EXPORT_RUNNER", default="celery" if CELERY_BROKER_URL else "thread")

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="casework@localhost")
# Used by the file-based backend (tests, or an office without a mail server).
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(BASE_DIR / "var" / "mail"))
# A notice row stays locked while its e-mail is sent (on SQLite: the whole database, for
# at most 20 s before other writers give up): never wait on a mail server longer.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# Links in e-mails are absolute: the address users open the site at.
# E-mail notices are sent in batches of this many: one claim, one connection to the mail
# server and one commit per batch. A crash after the server accepted part of a batch and
# before its commit sends that part again (same Message-IDs); on SQLite the batch's
# transaction holds the write lock while it is sent. See notifications/delivery.py.
NOTICE_EMAIL_BATCH = env.int("NOTICE_EMAIL_BATCH", default=200)
# A large batch is sent over up to this many connections at once, each for at least 50
# messages (notifications/sending.py): an SMTP conversation is mostly waiting for replies.
NOTICE_EMAIL_CONNECTIONS = env.int("NOTICE_EMAIL_CONNECTIONS", default=4)
# A dispatch asked for after a commit and not taken by a worker within this many seconds is
# dropped unrun (the beat's dispatch, every minute, sends what is pending anyway).
NOTICE_DISPATCH_EXPIRES = env.int("NOTICE_DISPATCH_EXPIRES", default=300)
# A person who would get more escalation e-mails than this from one sweep gets one summary
# e-mail listing them instead (their in-app notices stay one per item).
NOTICE_ESCALATION_EMAIL_LIMIT = env.int("NOTICE_ESCALATION_EMAIL_LIMIT", default=10)
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# The sender's status lookup (/tra-cuu/, casework.services.status_lookup). Its address is
# printed on the receipt: SITE_URL, or LOOKUP_PUBLIC_URL where the public reaches the site
# by another address than the office. In LOOKUP_WINDOW_MINUTES a client may look up
# LOOKUP_LIMIT_PER_CLIENT times, and a receipt number be tried with a wrong code
# LOOKUP_LIMIT_PER_NUMBER times from all clients together; the log is kept
# LOOKUP_LOG_KEEP_DAYS days (pruned daily, and a batch every LOOKUP_PRUNE_EVERY lookups).
LOOKUP_PUBLIC_URL = env.str("LOOKUP_PUBLIC_URL", default="").rstrip("/")
LOOKUP_WINDOW_MINUTES = env.int("LOOKUP_WINDOW_MINUTES", default=60)
LOOKUP_LIMIT_PER_CLIENT = env.int("LOOKUP_LIMIT_PER_CLIENT", default=20)
LOOKUP_LIMIT_PER_NUMBER = env.int("LOOKUP_LIMIT_PER_NUMBER", default=10)
LOOKUP_LOG_KEEP_DAYS = env.int("LOOKUP_LOG_KEEP_DAYS", default=180)
LOOKUP_PRUNE_EVERY = env.int("LOOKUP_PRUNE_EVERY", default=500)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}

# Import of a register from Excel (casework.imports, casework.services.import_jobs): the
# bounds of an uploaded file, where it waits between the check and the import, and how
# many errors the page lists (all are counted). The jobs run like the exports
# (EXPORT_RUNNER, EXPORT_STALE_AFTER, EXPORT_MAX_ATTEMPTS).
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=40_000_000)
IMPORT_MAX_UNPACKED_BYTES = env.int("IMPORT_MAX_UNPACKED_BYTES", default=600_000_000)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=200_000)
# The cases' sheet has 41 columns (casework.imports.cases); columns past the cap are not read.
IMPORT_MAX_COLUMNS = env.int("IMPORT_MAX_COLUMNS", default=60)
IMPORT_MAX_CELL_CHARS = env.int("IMPORT_MAX_CELL_CHARS", default=4000)
IMPORT_MAX_ERRORS_SHOWN = env.int("IMPORT_MAX_ERRORS_SHOWN", default=200)
IMPORT_DIR = env.path("IMPORT_DIR", default=BASE_DIR / "var" / "imports")
# A checked upload waits this long for its confirmation, then it is deleted (clean_imports).
IMPORT_KEEP_HOURS = env.int("IMPORT_KEEP_HOURS", default=24)

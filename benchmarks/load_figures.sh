#!/bin/sh
# Issue 12's load test: locust, headless, against gunicorn with the production settings
# (config.settings, DEBUG off, WhiteNoise serving collected static files) on a province
# built by benchmarks/figures.py.
#
#   benchmarks/load_figures.sh DB [USERS] [DURATION]     # e.g. bench_figbench_1m 50 2m
#
# Locust lives in its own virtualenv (benchmarks/requirements.txt, LOCUST_VENV, default
# /tmp/casework-locust), created on first use. Gunicorn: --workers 2 (GUNICORN_WORKERS),
# port 8765 (BENCH_PORT), timeout 120 s (a year report of the province takes tens of
# seconds; with gunicorn's default 30 s its worker would be killed). Prints locust's
# summary; its CSV files go to /tmp/casework-locust-*.csv (LOCUST_CSV names another
# prefix, and LOCUST_LOG gunicorn's error log, for runs beside another's). Exit status:
# locust's (non-zero when any request failed).
set -eu
DB=${1:?database name}
USERS=${2:-50}
DURATION=${3:-2m}
HERE=$(cd "$(dirname "$0")/.." && pwd)
VENV=${LOCUST_VENV:-/tmp/casework-locust}
PORT=${BENCH_PORT:-8765}
PG=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
if [ ! -x "$VENV/bin/locust" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q -r "$HERE/benchmarks/requirements.txt"
fi
export DATABASE_URL="$PG/$DB" DJANGO_SETTINGS_MODULE=config.settings DEBUG=0
export STATIC_ROOT=${STATIC_ROOT:-/tmp/casework-locust-static}
unset CELERY_BROKER_URL || true
cd "$HERE"
.venv/bin/python manage.py collectstatic --noinput -v0
.venv/bin/gunicorn config.wsgi --workers "${GUNICORN_WORKERS:-2}" --bind "127.0.0.1:$PORT" \
    --timeout 120 --access-logfile /dev/null --error-logfile "${LOCUST_LOG:-/tmp/casework-locust-gunicorn.log}" &
GUNICORN=$!
trap 'kill $GUNICORN' EXIT
sleep 5
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
status=0
"$VENV/bin/locust" -f benchmarks/locustfile.py --headless -u "$USERS" -r 10 \
    --run-time "$DURATION" --host "http://127.0.0.1:$PORT" --only-summary \
    --csv "${LOCUST_CSV:-/tmp/casework-locust}" --stop-timeout 130 || status=$?
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
exit $status

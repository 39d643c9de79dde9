"""The embedded default: several clerks saving at once into one SQLite file. IMMEDIATE
transactions make them queue instead of failing with "database is locked", and the
receipt numbers stay gap-free and unique. Runs real processes on a temporary file."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WORKERS, PER_WORKER = 4, 15

SETUP = """
from django.contrib.auth import get_user_model
from casework.models import Organisation, RoleAssignment
office = Organisation.objects.create(name="Văn phòng Đảng ủy", code="vp", kind="agency")
for i in range({workers}):
    user = get_user_model().objects.create(username=f"clerk{{i}}")
    RoleAssignment.objects.create(user=user, organisation=office, role="clerk")
"""

WORKER = """
import datetime, sys, time
from django.contrib.auth import get_user_model
from casework.models import Organisation
from casework.services.petitions import SenderData, petition_receive
user = get_user_model().objects.get(username=sys.argv[1])
office = Organisation.objects.get(code="vp")
start = float(sys.argv[2])
while time.time() < start:
    time.sleep(0.005)
for _ in range({per_worker}):
    p = petition_receive(actor=user, organisation=office, received_on=datetime.date(2025, 10, 1),
                         channel="post", kind="recommendation",
                         senders=[SenderData(full_name="Nguyễn Văn An")], summary="Kiến nghị")
    print(p.receipt_seq)
"""


def run_python(code, env, *args, wait=True):
    cmd = [sys.executable, "-c", "import django; django.setup()\n" + code, *args]
    if wait:
        return subprocess.run(cmd, cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("DATABASE_URL", "").startswith("postgres"),
                    reason="chạy trong lượt kiểm thử SQLite")
def test_clerks_saving_at_once_on_sqlite_get_gap_free_numbers(tmp_path):
    import time

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'office.sqlite3'}",
           "MEDIA_ROOT": str(tmp_path / "media")}
    env.pop("CELERY_BROKER_URL", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    run_python(SETUP.format(workers=WORKERS), env)
    start = str(time.time() + 3)  # all workers begin together, after Django has loaded
    workers = [run_python(WORKER.format(per_worker=PER_WORKER), env, f"clerk{i}", start,
                          wait=False) for i in range(WORKERS)]
    outputs = [w.communicate(timeout=120) for w in workers]
    for w, (_out, err) in zip(workers, outputs):
        assert w.returncode == 0, err[-2000:]
    numbers = sorted(int(n) for out, _err in outputs for n in out.split())
    assert numbers == list(range(1, WORKERS * PER_WORKER + 1))

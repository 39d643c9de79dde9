"""bin/run, the embedded install, keeps itself alive: the web server and the deadline
sweep are each restarted when they die (here: kill -9, as the kernel's out-of-memory
killer does), and stopping bin/run stops both. Real processes on a throw-away SQLite file
and a free port; the sweep loops every second.

Before the supervisor, bin/run ran the sweep in the background of a shell whose
foreground was the web server: a killed sweep stayed dead, and a killed web server ended
bin/run and took the sweep with it.
"""
import hashlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.processes import answers, child_running, descendants, free_port, kill_tree, wait_for

ROOT = Path(__file__).resolve().parents[1]
STARTUP = 240  # migrate, collectstatic and the demo data come first, on a shared machine
RESTART = 60

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="đọc cây tiến trình ở /proc"),
    pytest.mark.skipif(os.environ.get("DATABASE_URL", "").startswith("postgres"),
                       reason="cài đặt một máy dùng SQLite: chạy trong lượt kiểm thử SQLite"),
]


def venv_in_step():
    """bin/run starts with bin/setup, which installs into .venv when requirements.lock
    changed: a test must never do that behind the developer's back."""
    stamp = ROOT / ".venv" / ".requirements.lock.sha"
    want = hashlib.sha256((ROOT / "requirements.lock").read_bytes()).hexdigest()
    return stamp.exists() and stamp.read_text().strip() == want


@pytest.fixture(scope="module")
def install(tmp_path_factory):
    if not venv_in_step():
        pytest.skip(".venv chưa khớp requirements.lock: bin/run sẽ cài thư viện")
    tmp = tmp_path_factory.mktemp("embedded")
    port = free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
           "STATIC_ROOT": str(tmp / "static"), "MEDIA_ROOT": str(tmp / "media"),
           "EMAIL_FILE_PATH": str(tmp / "mail"), "PORT": str(port), "SWEEP_INTERVAL": "1",
           "SERVE_LOG": str(tmp / "serve.log")}
    env.pop("CELERY_BROKER_URL", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    output = open(tmp / "output.txt", "wb")
    process = subprocess.Popen(["bin/run"], cwd=ROOT, env=env, stdout=output,
                               stderr=subprocess.STDOUT)
    try:
        up = wait_for(lambda: answers(port) or process.poll() is not None, STARTUP)
        assert up and process.poll() is None, (tmp / "output.txt").read_text()[-3000:]
        yield type("Install", (), {"process": process, "port": port, "tmp": tmp})
    finally:
        kill_tree(process.pid)
        process.wait(timeout=10)
        output.close()


def test_a_killed_sweep_is_started_again(install):
    sweep = wait_for(lambda: child_running(install.process.pid, "sweep_deadlines"), RESTART)
    assert sweep, descendants(install.process.pid)
    os.kill(sweep, signal.SIGKILL)
    again = wait_for(lambda: (pid := child_running(install.process.pid, "sweep_deadlines"))
                     and pid != sweep and pid, RESTART)
    assert again, f"quét hạn không chạy lại: {descendants(install.process.pid)}"
    assert answers(install.port)  # the web server did not notice


def test_a_killed_web_server_is_started_again(install):
    web = child_running(install.process.pid, "waitress")
    assert web, descendants(install.process.pid)
    os.kill(web, signal.SIGKILL)
    assert wait_for(lambda: not answers(install.port), 10)
    assert wait_for(lambda: answers(install.port), RESTART), (
        f"máy chủ web không chạy lại; bin/run "
        f"{'đã thoát' if install.process.poll() is not None else 'vẫn chạy'}")
    assert install.process.poll() is None
    assert child_running(install.process.pid, "sweep_deadlines")


def test_stopping_bin_run_stops_everything(install):
    assert install.process.poll() is None
    children = descendants(install.process.pid)
    assert len(children) >= 2
    install.process.send_signal(signal.SIGTERM)
    assert install.process.wait(timeout=RESTART) == 0
    assert wait_for(lambda: not any(Path(f"/proc/{pid}").exists() for pid in children), 10), \
        children
    assert not answers(install.port)

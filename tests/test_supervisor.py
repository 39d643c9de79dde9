"""`manage.py serve`, the supervisor bin/run ends in, with real processes on a throw-away
SQLite file and a free port: restarts with their exit status in the log, backoff, the sweep
running while no page can be served, the heartbeat and `check_health`, a clean stop, and
no child outliving a supervisor killed outright."""
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from config.supervisor import Backoff
from tests.processes import answers, child_running, descendants, free_port, kill_tree, wait_for

ROOT = Path(__file__).resolve().parents[1]
STARTUP, RESTART = 120, 60



def real_processes(test):
    """Starts processes (slow); reads the process tree in /proc (Linux); the embedded
    install is SQLite, so this runs in the SQLite pass of the suite."""
    for mark in [
        pytest.mark.slow,
        pytest.mark.skipif(not sys.platform.startswith("linux"), reason="cần /proc (Linux)"),
        pytest.mark.skipif(os.environ.get("DATABASE_URL", "").startswith("postgres"),
                           reason="cài đặt một máy dùng SQLite: chạy trong lượt SQLite"),
    ]:
        test = mark(test)
    return test


def test_backoff_doubles_after_quick_deaths_and_starts_over_after_a_good_run():
    backoff = Backoff(first=1, ceiling=60, reset_after=60)
    assert [backoff.after_exit(0.5) for _ in range(8)] == [1, 2, 4, 8, 16, 32, 60, 60]
    assert backoff.after_exit(61) == 1
    assert backoff.after_exit(3) == 2


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("serve")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings",
           "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}", "MEDIA_ROOT": str(tmp / "media"),
           "EMAIL_FILE_PATH": str(tmp / "mail")}
    env.pop("CELERY_BROKER_URL", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env,
                   check=True, timeout=STARTUP)
    return type("Database", (), {"env": env, "path": tmp / "db.sqlite3", "tmp": tmp})


class Serve:
    def __init__(self, database, name, port, *options):
        self.port, self.log = port, database.tmp / f"{name}.log"
        self.database = database
        self.output = open(database.tmp / f"{name}.out", "wb")
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "serve", f"--port={port}", "--sweep-every=1",
             f"--log-file={self.log}", "--restart-max=4", *options],
            cwd=ROOT, env=database.env, stdout=self.output, stderr=subprocess.STDOUT)

    def log_text(self):
        return self.log.read_text() if self.log.exists() else ""

    def pids(self, name):
        return [int(pid) for pid in re.findall(rf"\[{name}\] đã khởi động \(pid (\d+)",
                                               self.log_text())]

    def heartbeat(self):
        with sqlite3.connect(self.database.path, timeout=20) as db:
            row = db.execute("SELECT at FROM workflows_heartbeat WHERE name = 'sweep'").fetchone()
        return row and row[0]

    def close(self):
        kill_tree(self.process.pid)
        self.process.wait(timeout=10)
        self.output.close()


@pytest.fixture
def serve(database):
    started = []

    def start(name, *options, port=None):
        started.append(Serve(database, name, port or free_port(), *options))
        return started[-1]
    yield start
    for one in started:
        one.close()


def check_health(database, **env):
    return subprocess.run([sys.executable, "manage.py", "check_health"], cwd=ROOT,
                          env={**database.env, **env}, capture_output=True, text=True,
                          timeout=STARTUP)


@real_processes
def test_restarts_are_logged_with_their_exit_status_and_the_heartbeat_moves_on(serve, database):
    one = serve("restarts")
    assert wait_for(lambda: answers(one.port), STARTUP), one.log_text()
    assert wait_for(one.heartbeat, STARTUP)
    assert check_health(database).returncode == 0

    [web] = one.pids("web")
    os.kill(web, signal.SIGKILL)
    assert wait_for(lambda: len(one.pids("web")) == 2 and answers(one.port), RESTART), \
        one.log_text()
    assert f"[web] pid {web} bị dừng bởi tín hiệu SIGKILL" in one.log_text()

    [sweep] = one.pids("sweep")
    before = one.heartbeat()
    os.kill(sweep, signal.SIGKILL)
    assert wait_for(lambda: len(one.pids("sweep")) == 2, RESTART), one.log_text()
    assert f"[sweep] pid {sweep} bị dừng bởi tín hiệu SIGKILL" in one.log_text()
    # The new sweep process really sweeps: the heartbeat moves past the old one's last.
    assert wait_for(lambda: one.heartbeat() > before, RESTART), one.log_text()

    children = descendants(one.process.pid)
    one.process.send_signal(signal.SIGTERM)
    assert one.process.wait(timeout=RESTART) == 0
    assert not any(Path(f"/proc/{pid}").exists() for pid in children)
    assert one.log_text().rstrip().endswith("Đã dừng.")
    assert not answers(one.port)
    # Nothing sweeps any more: check_health says so (here after 2 s instead of 3 minutes).
    stale = wait_for(lambda: (r := check_health(database, SWEEP_STALE_AFTER="2")).returncode
                     and r, RESTART)
    assert stale.returncode == 1 and "quét hạn chưa chạy từ" in stale.stderr


@real_processes
def test_the_sweep_runs_while_no_page_can_be_served(serve):
    with socket.socket() as taken:  # another program holds the port: waitress cannot start
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        one = serve("port-taken", port=taken.getsockname()[1])
        assert wait_for(lambda: len(one.pids("web")) >= 3, STARTUP), one.log_text()
        delays = re.findall(r"\[web\] pid \d+ thoát với mã \d+ sau [\d.]+ giây; "
                            r"khởi động lại sau (\d+) giây", one.log_text())
        assert [int(d) for d in delays[:2]] == [1, 2]  # backing off, not spinning
        first = wait_for(one.heartbeat, RESTART)
        assert first and wait_for(lambda: one.heartbeat() > first, RESTART)
        assert one.process.poll() is None


@real_processes
def test_a_web_server_that_stopped_answering_is_replaced(serve):
    one = serve("hung", "--check-every=1", "--check-timeout=1", "--check-failures=2",
                "--stop-grace=2")
    [web] = wait_for(lambda: one.pids("web"), STARTUP)
    # Once the supervisor has seen it answer, every silence counts.
    assert wait_for(lambda: f"[web] pid {web} đã trả lời" in one.log_text(), STARTUP), \
        one.log_text()
    os.kill(web, signal.SIGSTOP)  # alive, holding the port, answering nobody
    assert wait_for(lambda: len(one.pids("web")) == 2 and answers(one.port), STARTUP), \
        one.log_text()
    assert f"[web] pid {web} không trả lời 2 lần liên tiếp: dừng để khởi động lại." \
        in one.log_text()
    assert not Path(f"/proc/{web}").exists()


@real_processes
def test_no_child_outlives_a_supervisor_killed_outright(serve):
    one = serve("killed")
    assert wait_for(lambda: answers(one.port), STARTUP), one.log_text()
    assert wait_for(lambda: child_running(one.process.pid, "sweep_deadlines"), RESTART)
    children = descendants(one.process.pid)
    os.kill(one.process.pid, signal.SIGKILL)
    one.process.wait(timeout=10)
    assert wait_for(lambda: not any(Path(f"/proc/{pid}").exists() for pid in children),
                    RESTART), children
    assert not answers(one.port)  # a supervisor started again can have the port

"""Throw-away servers for the fault suite: a PostgreSQL cluster (initdb in a temporary
folder, its own port) and a redis-server (its own port), which the tests stop, kill and
start again. Never the shared servers (5432, 6379)."""
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.processes import free_port, wait_for

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def have_postgres_binaries():
    return (PG_BIN / "initdb").exists() and (PG_BIN / "pg_ctl").exists()


def have_redis_server():
    return shutil.which("redis-server") is not None


class ThrowAwayPostgres:
    """initdb in a temporary folder, trust authentication on 127.0.0.1 and a free port.
    PostgreSQL refuses to run as root: as root, the cluster belongs to `postgres`."""

    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="cw-faults-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U",
                  "postgres", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8")
        self.start()

    def _run(self, *argv, check=True):
        if self.as_root:
            argv = ("runuser", "-u", "postgres", "--", *argv)
        return subprocess.run(argv, check=check, capture_output=True, timeout=60)

    def start(self):
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", options, "-w",
                  "-l", str(self.folder / "server.log"), "start")

    def stop(self, mode="fast"):
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop",
                  check=False)

    def url(self, database="postgres"):
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name):
        self._run(str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
                  "-U", "postgres", name)

    def close(self):
        self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


class ThrowAwayRedis:
    """redis-server on a free port, no persistence; kill() and start() on the same port."""

    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="cw-faults-redis-"))
        self.port = free_port()
        self.process = None
        self.start()

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert wait_for(self.answers, 10), "redis-server did not start"

    def answers(self):
        import socket

        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(7) == b"+PONG\r\n"
        except OSError:
            return False

    def kill(self):
        """A crash: SIGKILL, nothing flushed (what is in memory is lost)."""
        self.process.kill()
        self.process.wait(10)

    def url(self, db=0):
        return f"redis://127.0.0.1:{self.port}/{db}"

    def close(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        shutil.rmtree(self.folder, ignore_errors=True)

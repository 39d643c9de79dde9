"""`sweep_deadlines --loop` outlives its database: PostgreSQL stopped and started again
under it (a throw-away cluster), a SQLite file locked past its busy timeout. Each failed
pass is logged and retried; the process stays up and sweeping resumes within two cycles of
the database coming back (its heartbeat moves).

Before the change the loop ended with exit status 1 on the first error (issue 20)."""
import sqlite3
import sys
from datetime import UTC, datetime

import pytest

from tests.faults.conftest import manage, project_env, start_manage
from tests.faults.servers import ThrowAwayPostgres, have_postgres_binaries
from tests.processes import kill_tree, wait_for

LOOP = 2  # seconds between passes
TWO_CYCLES = 2 * LOOP

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux processes"),
]


class Loop:
    def __init__(self, env, folder):
        self.log = folder / "sweep.out"
        self.output = open(self.log, "wb")
        self.process = start_manage("sweep_deadlines", "--loop", str(LOOP), env=env,
                                    output=self.output)

    def text(self):
        return self.log.read_text(errors="replace")

    def failures(self):
        return self.text().count("quét hạn lỗi")

    def close(self):
        kill_tree(self.process.pid)
        self.process.wait(10)
        self.output.close()


def assert_resumes(loop, heartbeat, back_at):
    """The heartbeat moves past `back_at` within two cycles of the loop (plus the time a
    busy machine takes to run one pass), and the loop says it recovered."""
    moved = wait_for(lambda: (at := heartbeat()) and at > back_at and at, TWO_CYCLES + 20)
    assert loop.process.poll() is None, loop.text()
    assert moved, "the sweep did not resume:\n" + loop.text()
    took = (moved - back_at).total_seconds()
    print(f"sweeping resumed {took:.1f} s after the database came back "
          f"(loop interval {LOOP} s)")
    assert took <= TWO_CYCLES + 10, loop.text()
    assert wait_for(lambda: "chạy lại bình thường" in loop.text(), 5), loop.text()


@pytest.mark.postgres
@pytest.mark.skipif(not have_postgres_binaries(), reason="cần initdb/pg_ctl của PostgreSQL")
def test_the_loop_survives_postgresql_stopped_under_it(tmp_path):
    import psycopg

    pg = ThrowAwayPostgres()
    loop = None
    try:
        pg.create_database("cw")
        env = project_env(DATABASE_URL=pg.url("cw"), MEDIA_ROOT=tmp_path / "media")
        manage("migrate", "-v0", env=env)
        loop = Loop(env, tmp_path)

        def heartbeat():
            try:
                with psycopg.connect(pg.url("cw"), connect_timeout=2) as db:
                    row = db.execute("SELECT at FROM workflows_heartbeat "
                                     "WHERE name = 'sweep'").fetchone()
                    return row and row[0]
            except psycopg.OperationalError:
                return None

        assert wait_for(heartbeat, 30), loop.text()
        pg.stop()
        # Down for longer than before (4 s): several passes fail, none ends the loop.
        assert wait_for(lambda: loop.failures() >= 3, 30), loop.text()
        assert loop.process.poll() is None, loop.text()
        pg.start()
        back_at = datetime.now(UTC)
        assert_resumes(loop, heartbeat, back_at)
    finally:
        if loop:
            loop.close()
        pg.close()


def test_the_loop_survives_a_sqlite_file_locked_past_its_busy_timeout(tmp_path):
    path = tmp_path / "db.sqlite3"
    env = project_env(DATABASE_URL=f"sqlite:///{path}", MEDIA_ROOT=tmp_path / "media",
                      SQLITE_BUSY_TIMEOUT=1)
    manage("migrate", "-v0", env=env)
    loop = Loop(env, tmp_path)

    def heartbeat():
        with sqlite3.connect(path, timeout=5) as db:
            row = db.execute("SELECT at FROM workflows_heartbeat WHERE name = 'sweep'"
                             ).fetchone()
        return row and datetime.fromisoformat(row[0]).replace(tzinfo=UTC)

    try:
        assert wait_for(heartbeat, 30), loop.text()
        locker = sqlite3.connect(path, isolation_level=None)
        locker.execute("BEGIN EXCLUSIVE")
        # Held well past the 1 s busy timeout: several passes fail.
        assert wait_for(lambda: loop.failures() >= 3, 30), loop.text()
        assert loop.process.poll() is None, loop.text()
        locker.execute("ROLLBACK")
        locker.close()
        back_at = datetime.now(UTC)
        assert_resumes(loop, heartbeat, back_at)
    finally:
        loop.close()

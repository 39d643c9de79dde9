"""A small process supervisor for the embedded install (one office PC, no systemd needed).

`manage.py serve` (which bin/run ends in) starts the web server and the deadline sweep as
two child processes and keeps them running: whichever exits, for whatever reason (a crash,
the kernel's out-of-memory killer, someone ending it in the task manager), is logged with
its exit status and started again. So the sweep never depends on the web server, and
neither stays down until a person notices.

- Restarts back off: 1 s after a quick death, doubling to at most 60 s, so a program that
  cannot start (its port taken, its database gone) is retried for ever without spinning;
  a program that stayed up for a minute starts again from 1 s.
- Every start, exit and restart goes to the log file (var/log/serve.log, rotated) and to
  stderr, with the child's pid and exit status.
- SIGTERM or SIGINT (Ctrl+C; a service manager stopping it) is passed on to the children;
  the supervisor waits for them (killing those that do not stop within a grace period)
  and exits 0. Nothing is left behind holding the port.
- A web server that is alive but no longer answers (swapping itself to death, a deadlock)
  is as down as a dead one: the supervisor asks it for a page every `check_every` seconds
  and, after `failures` unanswered requests in a row, ends it (SIGTERM, then SIGKILL) and
  starts it again. Checks count only once it answered the first time, or after a minute.
- On Linux a child is also told to stop when the supervisor itself dies (even by
  SIGKILL), so a service manager restarting the supervisor never finds the old web server
  still bound to the port.

Standard library only, so that it runs on Windows as well as Linux.
"""
import logging
import logging.handlers
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger("casework.supervisor")


@dataclass
class Backoff:
    """Delay before the next start: `first` after a quick death, doubled after each quick
    death up to `ceiling`; back to `first` once a run lasted `reset_after` seconds."""
    first: float = 1.0
    ceiling: float = 60.0
    reset_after: float = 60.0
    current: float = 0.0

    def after_exit(self, ran_for):
        if ran_for >= self.reset_after or not self.current:
            self.current = self.first
        else:
            self.current = min(self.current * 2, self.ceiling)
        return self.current


@dataclass
class HttpCheck:
    """Is a web server answering? Any HTTP reply counts (even an error page: restarting
    would not cure that); silence until `timeout` does not."""
    host: str
    port: int
    host_header: str = "127.0.0.1"
    every: float = 30.0
    failures: int = 3
    timeout: float = 10.0
    startup: float = 60.0  # failures before the first answer count only after this

    def answers(self):
        request = (f"GET / HTTP/1.0\r\nHost: {self.host_header}\r\n"
                   "User-Agent: casework-supervisor\r\n\r\n").encode()
        try:
            with socket.create_connection((self.host, self.port), timeout=self.timeout) as s:
                s.sendall(request)
                return s.recv(8).startswith(b"HTTP/")
        except OSError:
            return False


@dataclass
class Program:
    name: str
    argv: list
    backoff: Backoff = field(default_factory=Backoff)
    check: HttpCheck | None = None
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    start_at: float = 0.0  # monotonic time of the next start while it is down
    starts: int = 0
    next_check: float = 0.0
    answered: bool = False
    silent: int = 0  # unanswered checks in a row
    kill_at: float | None = None  # ended for not answering: SIGKILL if still there then


def _die_with_parent():
    """Linux: the child gets SIGTERM when the supervisor dies, however it dies."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def describe_exit(returncode):
    if returncode is not None and returncode < 0:
        try:
            return f"bị dừng bởi tín hiệu {signal.Signals(-returncode).name}"
        except ValueError:
            return f"bị dừng bởi tín hiệu {-returncode}"
    return f"thoát với mã {returncode}"


class Supervisor:
    POLL = 0.2

    def __init__(self, programs, *, grace=10.0, cwd=None):
        self.programs = programs
        self.grace = grace
        self.cwd = cwd
        self.stopping = False

    def _start(self, program):
        # Children get their own process group: Ctrl+C in the console reaches only the
        # supervisor, which then stops them in order instead of each dying on its own.
        if sys.platform == "win32":
            kwargs = {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
        else:
            kwargs = {"start_new_session": True}
        if sys.platform.startswith("linux"):
            kwargs["preexec_fn"] = _die_with_parent
        kwargs["cwd"] = self.cwd
        try:
            program.process = subprocess.Popen(program.argv, **kwargs)
        except OSError as error:
            log.error("[%s] không khởi động được: %s", program.name, error)
            program.process = None
            program.start_at = time.monotonic() + program.backoff.after_exit(0)
            return
        program.started_at = time.monotonic()
        program.starts += 1
        program.answered, program.silent, program.kill_at = False, 0, None
        program.next_check = program.started_at + (program.check.every if program.check else 0)
        log.info("[%s] đã khởi động (pid %d, lần %d): %s", program.name, program.process.pid,
                 program.starts, " ".join(program.argv))

    def _check(self, program, now):
        if program.process is None:
            if now >= program.start_at:
                self._start(program)
            return
        code = program.process.poll()
        if code is None:
            self._watch(program, now)
            return
        ran_for = now - program.started_at
        delay = program.backoff.after_exit(ran_for)
        log.warning("[%s] pid %d %s sau %.1f giây; khởi động lại sau %g giây.",
                    program.name, program.process.pid, describe_exit(code), ran_for, delay)
        program.process = None
        program.start_at = now + delay

    def _watch(self, program, now):
        """The liveness check of a running program, and the end of one that failed it."""
        if program.kill_at is not None:
            if now >= program.kill_at:
                log.warning("[%s] pid %d vẫn chưa dừng: buộc dừng.", program.name,
                            program.process.pid)
                program.process.kill()
                program.kill_at = float("inf")
            return
        check = program.check
        if check is None or now < program.next_check:
            return
        if check.answers():
            if not program.answered:
                log.info("[%s] pid %d đã trả lời: đang phục vụ.", program.name,
                         program.process.pid)
            program.answered, program.silent = True, 0
        elif program.answered or now - program.started_at >= check.startup:
            program.silent += 1
            log.warning("[%s] pid %d không trả lời (lần %d/%d).", program.name,
                        program.process.pid, program.silent, check.failures)
            if program.silent >= check.failures:
                log.warning("[%s] pid %d không trả lời %d lần liên tiếp: dừng để khởi động "
                            "lại.", program.name, program.process.pid, program.silent)
                program.process.terminate()
                program.kill_at = time.monotonic() + self.grace
        program.next_check = time.monotonic() + check.every

    def request_stop(self, signum, _frame=None):
        if not self.stopping:
            log.info("Nhận tín hiệu %s: dừng các tiến trình con.", signal.Signals(signum).name)
        self.stopping = True

    def run(self):
        """Supervise until asked to stop; returns the exit status (0)."""
        handled = [signal.SIGINT, signal.SIGTERM] + (
            [signal.SIGBREAK] if hasattr(signal, "SIGBREAK") else [])
        for signum in handled:
            signal.signal(signum, self.request_stop)
        for program in self.programs:
            self._start(program)
        while not self.stopping:
            now = time.monotonic()
            for program in self.programs:
                self._check(program, now)
            time.sleep(self.POLL)
        self._stop_all()
        return 0

    def _stop_all(self):
        running = [p for p in self.programs if p.process and p.process.poll() is None]
        for program in running:
            program.process.terminate()
        deadline = time.monotonic() + self.grace
        for program in running:
            try:
                program.process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("[%s] pid %d không dừng sau %g giây: buộc dừng.",
                            program.name, program.process.pid, self.grace)
                program.process.kill()
                program.process.wait()
            log.info("[%s] pid %d đã dừng (%s).", program.name, program.process.pid,
                     describe_exit(program.process.returncode))
        log.info("Đã dừng.")


def configure_logging(log_file):
    """Log to stderr and to a rotated file (1 MB × 5), each line with date and time."""
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(message)s")
    handlers = [logging.StreamHandler(sys.stderr)]
    if log_file:
        Path(log_file).parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.handlers.RotatingFileHandler(
            log_file, maxBytes=1024 * 1024, backupCount=5, encoding="utf-8"))
    for handler in handlers:
        handler.setFormatter(formatter)
        log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False

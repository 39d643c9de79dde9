"""Helpers for tests that start real processes: free ports, the process tree (Linux
/proc), bounded waiting. Every wait has a deadline; none sleeps unboundedly."""
import os
import signal
import socket
import time
from pathlib import Path


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout, interval=0.2):
    """The predicate's first truthy value, or None after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            return None
        time.sleep(interval)


def answers(port):
    """True when something accepts an HTTP request on the port and replies."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            s.sendall(b"GET /dang-nhap/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            return s.recv(12).startswith(b"HTTP/1.")
    except OSError:
        return False


def _alive(pid):
    """Running (a zombie, dead but not yet reaped, does not count)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def descendants(root):
    """{pid: command line} of every living process below `root`."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = {}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid not in found and _alive(pid):
                try:
                    cmdline = (Path(f"/proc/{pid}/cmdline").read_bytes()
                               .replace(b"\0", b" ").decode(errors="replace"))
                except OSError:
                    continue
                found[pid] = cmdline
                frontier.append(pid)
    return found


def child_running(root, marker):
    """The pid of a living process below `root` whose command line holds `marker`."""
    return next((pid for pid, cmd in descendants(root).items() if marker in cmd), None)


def kill_tree(root):
    for pid in [*descendants(root), root]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

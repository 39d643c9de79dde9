"""The "mail server" of the Celery workers that the integration tests start.

Messages are written one file each (Django's file backend names its files by second and
object id, which can collide between forked workers; it appends then, which is safe, but
one file per message keeps the count exact).

With CASEWORK_MAIL_GATE set (a folder), the server accepts the first
CASEWORK_MAIL_GATE_AFTER messages and then holds every further sender *before* it accepts
the message, leaving a "parked-*" file in that folder. The test kills the worker once all
its processes are parked: tasks in flight, rows locked, nothing accepted yet. That is the
crash the outbox must survive without losing or repeating anything. (A crash *after* the
server accepted a message and before the commit repeats it, by design; that case is shown
in-process by test_delivery.py, with the repeat carrying the same Message-ID.)
"""
import os
import time
import uuid
from pathlib import Path

from django.core.mail.backends.filebased import EmailBackend

PARK_LIMIT_SECONDS = 300  # a worker the test forgot to kill does not wait forever


class GatedFileBackend(EmailBackend):
    def _get_filename(self):
        if self._fname is None:
            self._fname = os.path.join(self.file_path, f"{os.getpid()}-{uuid.uuid4().hex}.eml")
        return self._fname

    def send_messages(self, messages):
        gate = os.environ.get("CASEWORK_MAIL_GATE")
        if gate and self._accepted() >= int(os.environ["CASEWORK_MAIL_GATE_AFTER"]):
            self._park(Path(gate))
        return super().send_messages(messages)

    def _accepted(self):
        return sum(1 for name in os.listdir(self.file_path) if name.endswith(".eml"))

    def _park(self, gate):
        (gate / f"parked-{os.getpid()}-{uuid.uuid4().hex}").touch()
        deadline = time.monotonic() + PARK_LIMIT_SECONDS
        while not (gate / "open").exists() and time.monotonic() < deadline:
            time.sleep(0.05)

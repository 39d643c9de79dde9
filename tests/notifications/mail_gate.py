"""The "mail server" of the Celery workers that the integration tests start.

Messages are written one file each (Django's file backend names its files by second and
object id, which can collide between forked workers; it appends then, which is safe, but
one file per message keeps the count exact).

With CASEWORK_MAIL_GATE set (a folder), the server accepts the first
CASEWORK_MAIL_GATE_AFTER messages and then holds every new connection *before* it accepts
anything on it, leaving a "parked-*" file in that folder. Workers send a batch per
connection (notifications/delivery.py), so a parked worker has claimed and locked its
batch, rendered it and connected, and nothing of it is accepted yet. The test kills the
worker once all its processes are parked: that is the crash the outbox must survive without
losing or repeating anything. (A crash *after* the server accepted part of a batch and
before the commit repeats that part, by design; that case is shown in-process by
test_batch_delivery.py, with the repeats carrying the same Message-IDs.)
"""
import os
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend

PARK_LIMIT_SECONDS = 300  # a worker the test forgot to kill does not wait forever


class GatedFileBackend(BaseEmailBackend):
    """One file per accepted message, written whole (renamed into place), so counting the
    files counts exactly what the "server" accepted."""

    def __init__(self, file_path=None, **kwargs):
        super().__init__(**kwargs)
        self.file_path = file_path or settings.EMAIL_FILE_PATH
        os.makedirs(self.file_path, exist_ok=True)
        self.is_open = False

    def open(self):
        if self.is_open:
            return False
        gate = os.environ.get("CASEWORK_MAIL_GATE")
        if gate and self._accepted() >= int(os.environ["CASEWORK_MAIL_GATE_AFTER"]):
            self._park(Path(gate))
        self.is_open = True
        return True

    def close(self):
        self.is_open = False

    def send_messages(self, messages):
        opened = self.open()
        for message in messages:
            name = f"{os.getpid()}-{uuid.uuid4().hex}"
            partial = os.path.join(self.file_path, name + ".part")
            with open(partial, "wb") as out:
                out.write(message.message().as_bytes())
            os.rename(partial, os.path.join(self.file_path, name + ".eml"))
        if opened:
            self.close()
        return len(messages)

    def _accepted(self):
        return sum(1 for name in os.listdir(self.file_path) if name.endswith(".eml"))

    def _park(self, gate):
        (gate / f"parked-{os.getpid()}-{uuid.uuid4().hex}").touch()
        deadline = time.monotonic() + PARK_LIMIT_SECONDS
        while not (gate / "open").exists() and time.monotonic() < deadline:
            time.sleep(0.05)

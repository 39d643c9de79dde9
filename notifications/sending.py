"""Sending one batch's messages to the mail server (notifications/delivery.py).

A batch goes over one connection, or over a few in parallel threads when it is large
(NOTICE_EMAIL_CONNECTIONS, each for at least MIN_PER_CONNECTION messages): most of a
message's time is the round trips of its SMTP conversation, during which the next one can
be rendered or another connection can talk. Messages are handed to the connections while
the batch is still being rendered. Nothing here touches the database: the batch's
transaction, and the marking of what was sent, stay with the caller.

A message the server refuses, or a dropped connection, fails that message alone (the
connection is opened again for the next). A server that cannot be reached fails every
message still to send, with that error, without trying again for each: each try would hold
the batch's transaction for up to EMAIL_TIMEOUT.
"""
import queue
import threading

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend

from notifications.mail import PreparedEmail

MIN_PER_CONNECTION = 50


def connections_for(count):
    return max(1, min(settings.NOTICE_EMAIL_CONNECTIONS, count // MIN_PER_CONNECTION))


def send_all(messages, count, failures):
    """Send the (notice, message) pairs that `messages` yields (at most `count`); returns
    the notices the server accepted and adds the others to `failures` ({notice:
    exception}). An exception that is not an Exception (SystemExit, KeyboardInterrupt) in
    any connection is raised here, after every connection has stopped."""
    state = _Batch()
    n = connections_for(count)
    if n == 1:
        senders = [_Sender(state)]
        senders[0].send(messages)
    else:
        senders = _send_in_threads(messages, n, state)
    sent = []
    for sender in senders:
        sent.extend(sender.sent)
        failures.update(sender.failures)
    return sent


class _Batch:
    """What the connections of one batch share: the error of a server found unreachable."""

    def __init__(self):
        self.unreachable = None


class _Sender:
    """One connection to the mail server, opened when its first message comes."""

    def __init__(self, batch):
        self.batch = batch
        self.mail = get_connection(fail_silently=False)
        self.is_open = False
        self.sent, self.failures = [], {}

    def send(self, messages):
        try:
            for notice, message in messages:
                self._send_one(notice, message)
        finally:
            _close_quietly(self.mail)

    def _send_one(self, notice, message):
        if self.batch.unreachable is not None:
            self.failures[notice] = self.batch.unreachable
            return
        if not self.is_open:
            try:
                self.mail.open()
            except Exception as exc:  # noqa: BLE001 - the server is unreachable
                self.batch.unreachable = exc
                self.failures[notice] = exc
                return
            self.is_open = True
        try:
            _send(self.mail, message)
        except Exception as exc:  # noqa: BLE001 - recorded on this notice
            self.failures[notice] = exc
            _close_quietly(self.mail)
            self.is_open = False
        else:
            self.sent.append(notice)


def _send(mail, message):
    if (getattr(type(mail), "_send", None) is SMTPBackend._send
            and isinstance(message, PreparedEmail)):
        # What Django's SMTP backend does with a message, with the addresses worked out
        # once (PreparedEmail.envelope) rather than parsed again for every message.
        mail.connection.sendmail(*message.envelope(),
                                 message.message().as_bytes(linesep="\r\n"))
    else:
        message.connection = mail
        mail.send_messages([message])


def _send_in_threads(messages, n, batch):
    work = queue.Queue()
    senders = [_Sender(batch) for _ in range(n)]
    fatal = []

    def run(sender):
        try:
            sender.send(iter(work.get, None))
        except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread
            fatal.append(exc)

    threads = [threading.Thread(target=run, args=(sender,), daemon=True)
               for sender in senders]
    for thread in threads:
        thread.start()
    try:
        for item in messages:
            if fatal:
                break
            work.put(item)
    finally:
        for _ in threads:
            work.put(None)
        for thread in threads:
            thread.join()
    if fatal:
        raise fatal[0]
    return senders


def _close_quietly(mail):
    try:
        mail.close()
    except Exception:  # noqa: BLE001, S110 - a connection already broken
        pass

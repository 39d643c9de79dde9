"""The e-mail for one notice.

Building a MIME message and serialising it (encoding the Vietnamese subject, the body's
charset) cost a batch as much as sending it. Copies of the same words (a cause e-mailed to
several people) share one serialised text (`SharedText`); each copy adds only its own To,
Date and Message-ID headers in front (`PreparedEmail`).

The shared text is written here rather than by Python's e-mail package, whose header
folding was two thirds of a batch's time once rendering was cheap: the same headers
Django writes for a plain-text message (MIME-Version, Content-Type text/plain in UTF-8,
an 8bit body), the subject as RFC 2047 encoded words of whole UTF-8 characters, each
line under 78 characters. A body with a line longer than SMTP allows (998 bytes) is left
to Django, which sends it quoted-printable.
"""
import base64
import re
from email import message_from_bytes
from email.utils import formatdate
from functools import lru_cache
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.message import (
    RFC5322_EMAIL_LINE_LENGTH_LIMIT,
    forbid_multi_line_headers,
    sanitize_address,
)
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from notifications.models import NoticeKind
from notifications.rendering import render_notice

_NOT_IN_ID = re.compile(r"[^A-Za-z0-9.-]")


def message_id(notice):
    """Stable for a notice: if a crash between the mail server's acceptance and our commit
    makes a worker send it again, the copy carries the same Message-ID, so mail servers and
    clients that de-duplicate drop it, and anyone can tell it is a repeat."""
    cause = _NOT_IN_ID.sub("-", notice.cause_key)
    return f"<notice-{notice.pk}.{cause}@{_domain(settings.SITE_URL)}>"


@lru_cache(maxsize=4)
def _domain(site_url):
    return urlsplit(site_url).hostname or "casework.invalid"


def _render_email(notice, render, inbox_url=None):
    # No user language is stored: e-mails go out in the office language, whichever
    # language the person whose action caused them happened to be using.
    with translation.override(settings.LANGUAGE_CODE):
        rendered = render_notice(notice, absolute=True, render=render)
        url_label = (_("Xem thông báo")
                     if notice.kind in (NoticeKind.DIGEST, NoticeKind.SUMMARY)
                     else _("Xem hồ sơ"))
        # The frame of every e-mail, formatted here rather than by a template of its own:
        # a third of a batch's rendering was that template.
        all_notices = _("Tất cả thông báo của bạn")
        body = "\n".join([
            rendered.text, "", f"{url_label}: {rendered.url}", "", "-- ",
            _("Thư tự động của hệ thống Casework; xin đừng trả lời thư này."),
            f"{all_notices}: {inbox_url or _inbox_url()}", "", ""])
    return rendered.subject, body


def _inbox_url():
    return settings.SITE_URL + reverse("notifications:inbox")


# Kinds whose words depend only on their cause (an escalation, an event), never on who
# reads them: a batch renders them once for all their recipients.
SHARED_KINDS = (NoticeKind.WARNING, NoticeKind.DUE, NoticeKind.OVERDUE, NoticeKind.REMINDER,
                NoticeKind.EVENT)


def build_email(notice, *, render=None, rendered_cache=None):
    """`render`: a RenderContext loaded for a batch (notifications/delivery.py);
    `rendered_cache`: a dict the batch keeps, so that a cause e-mailed to several people
    is rendered and serialised once."""
    key = (notice.kind, notice.cause_key) if notice.kind in SHARED_KINDS else None
    if rendered_cache is not None and key in rendered_cache:
        shared = rendered_cache[key]
    else:
        inbox_url = None
        if rendered_cache is not None:
            inbox_url = rendered_cache.get("inbox_url") or _inbox_url()
            rendered_cache["inbox_url"] = inbox_url
        shared = SharedText(*_render_email(notice, render, inbox_url))
        if rendered_cache is not None and key is not None:
            rendered_cache[key] = shared
    return PreparedEmail(shared, notice.recipient.email, message_id(notice))


# RFC 3834: no out-of-office replies to a machine.
COMMON_HEADERS = {"Auto-Submitted": "auto-generated"}


class SharedText:
    """Subject and body, and the MIME text built from them once per line ending: every
    header but To, Date and Message-ID, and the body."""

    def __init__(self, subject, body):
        self.subject, self.body = subject, body
        self._serialised = {}

    def as_bytes(self, linesep):
        if linesep not in self._serialised:
            self._serialised[linesep] = (self._written(linesep) or
                                         self._by_django(linesep))
        return self._serialised[linesep]

    def _written(self, linesep):
        lines = self.body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        if any(len(line.encode()) > RFC5322_EMAIL_LINE_LENGTH_LIMIT for line in lines):
            return None
        head = ['Content-Type: text/plain; charset="utf-8"', "MIME-Version: 1.0",
                "Content-Transfer-Encoding: 8bit",
                "Subject: " + subject_header(self.subject, linesep),
                "From: " + _from_header(settings.DEFAULT_FROM_EMAIL),
                *(f"{name}: {value}" for name, value in COMMON_HEADERS.items()), "", ""]
        return (linesep.join(head) + linesep.join(lines)).encode()

    def _by_django(self, linesep):
        # Date and Message-ID given, so Django makes neither; they are the copy's own.
        message = EmailMessage(subject=self.subject, body=self.body, headers={
            **COMMON_HEADERS, "Date": "", "Message-ID": ""}).message()
        del message["Date"]
        del message["Message-ID"]
        return message.as_bytes(linesep=linesep)


# An encoded word of 39 bytes of text is 64 characters; with "Subject: " in front of the
# first, every line stays within RFC 5322's 78.
_WORD_BYTES = 39


def subject_header(subject, linesep="\r\n"):
    """The subject as a header value: as it is if short and ASCII, else RFC 2047 encoded
    words ("=?utf-8?b?…?="), each of whole UTF-8 characters, one a line."""
    if "\n" in subject or "\r" in subject:
        raise ValueError("a subject is one line")
    if subject.isascii() and len(subject) <= 78 - len("Subject: "):
        return subject
    text, words, start = subject.encode(), [], 0
    while start < len(text):
        end = min(start + _WORD_BYTES, len(text))
        while end < len(text) and text[end] & 0xC0 == 0x80:  # inside a character
            end -= 1
        words.append(text[start:end])
        start = end
    return (linesep + " ").join(
        f"=?utf-8?b?{base64.b64encode(word).decode()}?=" for word in words)


@lru_cache(maxsize=8)
def _from_header(from_email):
    # Django's own encoding of the address (a display name may be Vietnamese).
    return forbid_multi_line_headers("From", from_email, "utf-8")[1]


@lru_cache(maxsize=4096)
def _to_header(address, encoding):
    return forbid_multi_line_headers("To", address, encoding)[1]


class PreparedEmail(EmailMessage):
    """An EmailMessage for one recipient whose text is a SharedText. Every mail backend
    sends it as it sends any EmailMessage (they all go through `message()`)."""

    def __init__(self, shared, to, message_id_):
        super().__init__(subject=shared.subject, body=shared.body, to=[to],
                         headers={"Message-ID": message_id_, **COMMON_HEADERS})
        self.shared = shared

    def message(self):
        return PreparedMIME(self)

    def envelope(self):
        """(sender, recipients) as Django's SMTP backend gives them to the server, each
        address worked out once per process (parsing one was a sixth of a send)."""
        encoding = self.encoding or settings.DEFAULT_CHARSET
        return (_envelope_address(self.from_email, encoding),
                [_envelope_address(address, encoding) for address in self.recipients()])


@lru_cache(maxsize=4096)
def _envelope_address(address, encoding):
    return sanitize_address(address, encoding)


class PreparedMIME:
    """What backends use of a MIME message: its bytes (and, for tests, its headers)."""

    def __init__(self, email):
        self.email = email
        self.date = formatdate(localtime=settings.EMAIL_USE_LOCALTIME)

    def as_bytes(self, unixfrom=False, linesep="\n"):
        encoding = self.email.encoding or settings.DEFAULT_CHARSET
        # The same encoding of the address as EmailMessage.message() gives it.
        to = _to_header(", ".join(self.email.to), encoding)
        head = linesep.join([f"To: {to}", f"Date: {self.date}",
                             f"Message-ID: {self.email.extra_headers['Message-ID']}", ""])
        return head.encode() + self.email.shared.as_bytes(linesep)

    def as_string(self, unixfrom=False, linesep="\n"):
        return self.as_bytes(linesep=linesep).decode()

    def get_charset(self):
        return None  # the body part names its own (utf-8)

    def __getitem__(self, name):
        return message_from_bytes(self.as_bytes())[name]

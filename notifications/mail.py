"""The e-mail for one notice.

Building a MIME message and serialising it (encoding the Vietnamese subject, the body's
charset) cost a batch as much as sending it. Copies of the same words (a cause e-mailed to
several people) share one serialised text (`SharedText`); each copy adds only its own To,
Date and Message-ID headers in front (`PreparedEmail`).
"""
import re
from email import message_from_bytes
from email.utils import formatdate
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.message import forbid_multi_line_headers
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from notifications.models import NoticeKind
from notifications.rendering import render_notice


def message_id(notice):
    """Stable for a notice: if a crash between the mail server's acceptance and our commit
    makes a worker send it again, the copy carries the same Message-ID, so mail servers and
    clients that de-duplicate drop it, and anyone can tell it is a repeat."""
    cause = re.sub(r"[^A-Za-z0-9.-]", "-", notice.cause_key)
    domain = urlsplit(settings.SITE_URL).hostname or "casework.invalid"
    return f"<notice-{notice.pk}.{cause}@{domain}>"


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
    """Subject and body, and the MIME text built from them by Django once per line ending:
    every header but To, Date and Message-ID, and the encoded body."""

    def __init__(self, subject, body):
        self.subject, self.body = subject, body
        self._serialised = {}

    def as_bytes(self, linesep):
        if linesep not in self._serialised:
            # Date and Message-ID given, so Django makes neither; they are the copy's own.
            message = EmailMessage(subject=self.subject, body=self.body, headers={
                **COMMON_HEADERS, "Date": "", "Message-ID": ""}).message()
            del message["Date"]
            del message["Message-ID"]
            self._serialised[linesep] = message.as_bytes(linesep=linesep)
        return self._serialised[linesep]


class PreparedEmail(EmailMessage):
    """An EmailMessage for one recipient whose text is a SharedText. Every mail backend
    sends it as it sends any EmailMessage (they all go through `message()`)."""

    def __init__(self, shared, to, message_id_):
        super().__init__(subject=shared.subject, body=shared.body, to=[to],
                         headers={"Message-ID": message_id_, **COMMON_HEADERS})
        self.shared = shared

    def message(self):
        return PreparedMIME(self)


class PreparedMIME:
    """What backends use of a MIME message: its bytes (and, for tests, its headers)."""

    def __init__(self, email):
        self.email = email
        self.date = formatdate(localtime=settings.EMAIL_USE_LOCALTIME)

    def as_bytes(self, unixfrom=False, linesep="\n"):
        encoding = self.email.encoding or settings.DEFAULT_CHARSET
        # The same encoding of the address as EmailMessage.message() gives it.
        _name, to = forbid_multi_line_headers("To", ", ".join(self.email.to), encoding)
        head = linesep.join([f"To: {to}", f"Date: {self.date}",
                             f"Message-ID: {self.email.extra_headers['Message-ID']}", ""])
        return head.encode() + self.email.shared.as_bytes(linesep)

    def as_string(self, unixfrom=False, linesep="\n"):
        return self.as_bytes(linesep=linesep).decode()

    def get_charset(self):
        return None  # the body part names its own (utf-8)

    def __getitem__(self, name):
        return message_from_bytes(self.as_bytes())[name]

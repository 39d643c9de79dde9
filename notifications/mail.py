"""The e-mail for one notice."""
import re
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
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


def _render_email(notice, render):
    # No user language is stored: e-mails go out in the office language, whichever
    # language the person whose action caused them happened to be using.
    with translation.override(settings.LANGUAGE_CODE):
        rendered = render_notice(notice, absolute=True, render=render)
        body = render_to_string("notifications/email.txt", {
            "text": rendered.text,
            "url": rendered.url,
            "url_label": (_("Xem thông báo")
                          if notice.kind in (NoticeKind.DIGEST, NoticeKind.SUMMARY)
                          else _("Xem hồ sơ")),
            "inbox_url": _inbox_url(),
        })
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
    is rendered once."""
    key = (notice.kind, notice.cause_key) if notice.kind in SHARED_KINDS else None
    if rendered_cache is not None and key in rendered_cache:
        subject, body = rendered_cache[key]
    else:
        subject, body = _render_email(notice, render)
        if rendered_cache is not None and key is not None:
            rendered_cache[key] = subject, body
    return EmailMessage(
        subject=subject, body=body, to=[notice.recipient.email],
        headers={"Message-ID": message_id(notice),
                 # RFC 3834: no out-of-office replies to a machine.
                 "Auto-Submitted": "auto-generated"},
    )

"""A form is acted on once.

Each rendering of a form carries a random token in a hidden field. The view runs the
form's action inside `acting_once`, which inserts the token in the SAME transaction as the
action: if the action rolls back (a field refused, a step taken by someone else), so does
the token, and the corrected form can be sent again; if it commits, the token row records
the page the action led to. A second post of the same rendering (double click, reload,
the back button, five tabs, a script replaying the request) then finds that row and is
answered with the first result and a message, writing nothing.

"Once" rests on the token's unique index, not on a look-up before acting: a parallel
duplicate blocks on the index (PostgreSQL) or on the write lock (SQLite's BEGIN IMMEDIATE)
until the first commits, then fails to insert and is answered the same way. The look-up
first (`repeated_post`) only spares the duplicate the form checks (e.g. the duplicate-letter
warning it would otherwise raise against the letter it just created).

One implementation for every form that acts: the intake, each letter transition, each
case task step, the clock forms, opening a case and recording an appeal. Forms that
create a record (the intake) require the token; the others accept a post without one (a
script, an old page), which their expected-state check already guards.
"""
import re
import secrets
from contextlib import contextmanager
from datetime import timedelta

from django import forms
from django.contrib import messages
from django.db import IntegrityError, transaction
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework.models import SubmissionToken

TOKEN_FIELD = "form_token"
# Long enough for a reload the next morning; pruned on each insert after that.
KEEP_FOR = timedelta(days=2)
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32,64}")


def token_from(data):
    value = data.get(TOKEN_FIELD, "") if data is not None else ""
    return value if isinstance(value, str) and _TOKEN.fullmatch(value) else ""


def new_token():
    return secrets.token_urlsafe(32)


class TokenField(forms.CharField):
    widget = forms.HiddenInput

    def bound_data(self, data, initial):
        # A form posted without a (valid) token is shown again with a fresh one, so that
        # sending it again works.
        return data if isinstance(data, str) and _TOKEN.fullmatch(data) else initial


class SubmissionTokenMixin:
    """Adds the hidden token to a form; keeps it out of `cleaned_data` (which views pass
    to services) and offers it as `submission_token`."""

    token_required = False
    missing_token_message = gettext_lazy(
        "Biểu mẫu này thiếu mã gửi (trang đã cũ hoặc không mở từ hệ thống), nên chưa được "
        "ghi. Đề nghị kiểm tra lại các mục rồi bấm gửi lại.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[TOKEN_FIELD] = TokenField(required=False, initial=new_token())

    @property
    def submission_token(self):
        return token_from(self.data) if self.is_bound else ""

    def full_clean(self):
        super().full_clean()
        if not hasattr(self, "cleaned_data"):
            return
        self.cleaned_data.pop(TOKEN_FIELD, None)
        if self.token_required and not self.submission_token:
            self.add_error(None, self.missing_token_message)


class AlreadySubmitted(Exception):
    """Raised by `acting_once` for a duplicate; `response` answers it."""

    def __init__(self, response):
        super().__init__("already submitted")
        self.response = response


class Claim:
    """What the action hands back: the page its success leads to."""

    result_url = ""


def _answer_repeat(request, token, fallback):
    row = SubmissionToken.objects.filter(token=token).first()
    if row is None or row.user_id != request.user.pk or not row.result_url:
        # Another user's token (never shown to them: tokens are random) or one pruned
        # meanwhile: do nothing, and do not say where the first post led.
        messages.error(request, _("Biểu mẫu này đã được gửi trước đó nên không được ghi "
                                  "lần nữa. Đề nghị mở lại trang để xem và nhập lại nếu cần."))
        return redirect(fallback)
    messages.info(request, _("Biểu mẫu này đã được gửi và ghi nhận trước đó; đây là kết quả "
                             "của lần gửi đầu. Lần gửi lại không ghi thêm gì."))
    return redirect(row.result_url)


def repeated_post(request, fallback):
    """For a POST of a form already acted on: the redirect to its first result; else None."""
    if request.method != "POST":
        return None
    token = token_from(request.POST)
    if token and SubmissionToken.objects.filter(token=token).exists():
        return _answer_repeat(request, token, fallback)
    return None


@contextmanager
def acting_once(request, form, *, fallback):
    """Run the body (the form's action) at most once per token. The body sets
    `claim.result_url` to the page it leads to. A duplicate raises AlreadySubmitted, with
    nothing written; anything the body raises rolls the token back with the action.

    Inside an open transaction (the flow lock's) this is a savepoint of it, so the token
    commits or rolls back with the step."""
    token = form.submission_token
    claim = Claim()
    if not token:
        yield claim
        return
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    SubmissionToken.objects.create(token=token, user=request.user)
            except IntegrityError:
                raise _Taken from None
            yield claim
            SubmissionToken.objects.filter(token=token).update(result_url=claim.result_url)
            SubmissionToken.objects.filter(created_at__lt=timezone.now() - KEEP_FOR).delete()
    except _Taken:
        raise AlreadySubmitted(_answer_repeat(request, token, fallback)) from None


class _Taken(Exception):
    pass

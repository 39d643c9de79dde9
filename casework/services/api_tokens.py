"""API keys for machine clients: made, checked and revoked here (the admin and the DRF
authentication class call these).

A key is `cw_` + 40 random URL-safe characters (240 bits); only its SHA-256 is stored,
under a unique index, so a lookup is one indexed equality on the hash: the time it takes
does not depend on how much of a guessed key is right (no character-by-character
comparison of secrets), and a stolen copy of the database holds no usable key.
"""
import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.errors import ActionRefused
from casework.models import ApiToken
from casework.text import clean_line

KEY_PREFIX = "cw_"
PREFIX_LENGTH = 10  # "cw_" and 7 characters: enough to tell keys apart in a list
# A longer header is no key of ours: refused before hashing anything.
KEY_MAX_LENGTH = 100
# last_used_at is written at most this often per key, so reads do not all write.
LAST_USED_EVERY = timedelta(minutes=1)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", errors="replace")).hexdigest()


@transaction.atomic
def api_token_create(*, actor, user, name: str, expires_at=None) -> tuple[ApiToken, str]:
    """Make a key for `user` and return it with the row. The key itself is returned only
    here, once: the caller shows it and it is never stored."""
    if not (actor.is_active and actor.is_superuser):
        raise ActionRefused(_("Chỉ quản trị hệ thống được tạo khóa API."))
    name = clean_line(name or "")[:150]
    key = KEY_PREFIX + secrets.token_urlsafe(30)
    token = ApiToken.objects.create(user=user, name=name, prefix=key[:PREFIX_LENGTH],
                                    key_hash=key_hash(key), created_by=actor,
                                    expires_at=expires_at)
    return token, key


@transaction.atomic
def api_token_revoke(*, actor, token_ids) -> int:
    """Revoke keys at once (a key already revoked keeps its first moment); returns how many
    were revoked now."""
    if not (actor.is_active and actor.is_superuser):
        raise ActionRefused(_("Chỉ quản trị hệ thống được thu hồi khóa API."))
    return ApiToken.objects.filter(pk__in=token_ids, revoked_at=None).update(
        revoked_at=timezone.now())


def api_token_user(key: str):
    """(user, token) for a working key, else (None, message) saying why, in Vietnamese.
    Marks the key used, at most once a minute."""
    if not key or len(key) > KEY_MAX_LENGTH:
        return None, _("Khóa API không hợp lệ.")
    token = (ApiToken.objects.select_related("user").filter(key_hash=key_hash(key)).first())
    if token is None:
        return None, _("Khóa API không hợp lệ.")
    now = timezone.now()
    if token.revoked_at is not None:
        return None, _("Khóa API đã bị thu hồi.")
    if token.expires_at is not None and token.expires_at <= now:
        return None, _("Khóa API đã hết hạn.")
    if not token.user.is_active:
        return None, _("Tài khoản của khóa API đã bị khóa.")
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        # A conditional update: parallel requests of one key write it once.
        ApiToken.objects.filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_EVERY),
            pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token.user, token

"""The sender's status lookup (issue 16): a receipt number and its lookup code give the
letter's current step on a public page, rate-limited, every lookup logged.

Rate limit. The log (StatusLookup) is the counter, so every worker process and the
embedded install share it (the cache is per process): a lookup is refused when, in the
last LOOKUP_WINDOW_MINUTES,
- the client made LOOKUP_LIMIT_PER_CLIENT lookups (its address, behind TRUSTED_PROXY_COUNT
  proxies as the login lockout reads it: config.security.client_ip), or
- the receipt number was tried LOOKUP_LIMIT_PER_NUMBER times with a wrong code, from any
  client: a code cannot be guessed from many addresses at once.
Refused lookups are logged but not counted: the limit is a fixed number of tries per
window, so a client that keeps knocking is not locked out for longer, and one who floods a
citizen's number blocks its lookups only while they keep spending tries on it. Each count
is bounded (COUNT over at most the limit's rows, from an index on (key, outcome, at)), so
a flood of rows does not make a lookup slower. Two lookups at the same instant may both
pass the last free try: the limit can be overrun by the number of concurrent requests.

Keeping the log bounded: rows older than LOOKUP_LOG_KEEP_DAYS go (`prune_lookups`, from
beat's daily task, and a bounded batch on every LOOKUP_PRUNE_EVERY-th lookup, for the
embedded install that runs no beat).
"""
import hashlib
import hmac
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from casework.models import StatusLookup
from casework.numbers import parse_number
from casework.selectors.status_lookup import PublicStatus, letter_for, public_status

PRUNE_BATCH = 5000
COUNTED = (StatusLookup.Outcome.FOUND, StatusLookup.Outcome.NOT_FOUND)


@dataclass(frozen=True)
class LookupAnswer:
    outcome: str  # StatusLookup.Outcome
    status: PublicStatus | None = None
    retry_minutes: int = 0  # when refused: until a try is free again


def client_hash(address) -> str:
    """A keyed hash of the client's address: the same address counts as one client, and
    the log does not keep the address (nor can the hash be reversed by trying every IPv4
    address without the site's key)."""
    key = f"{settings.SECRET_KEY}:status-lookup".encode()
    return hmac.new(key, (address or "").encode(), hashlib.sha256).hexdigest()[:32]


def number_key(text) -> str:
    """The canonical form of a typed receipt number ("1/2026/vpdu" and "001/2026/VPĐU"
    are one), or the text itself if it is not one."""
    typed = parse_number(text)
    if typed is None or typed.year is None:
        return (text or "")[:48]
    return f"{typed.seq}/{typed.year}/{typed.symbol_key or ''}"[:48]


def _retry_minutes(rows, limit, now, window):
    """Minutes until the oldest of the `limit` newest counted rows leaves the window."""
    free_at = rows[limit - 1] + window
    return max(1, -(-int((free_at - now).total_seconds()) // 60))


def _refusal(queryset, limit, now, window):
    if limit <= 0:
        return None
    rows = list(queryset.filter(at__gte=now - window).order_by("-at")
                .values_list("at", flat=True)[:limit])
    return _retry_minutes(rows, limit, now, window) if len(rows) >= limit else None


@transaction.atomic
def petition_status_lookup(*, number: str, code: str, client_address, now=None) -> LookupAnswer:
    """Look a letter up by receipt number and code for an anonymous sender, and log it.

    `number` and `code` come cleaned and bounded from the form (casework.lookup_forms).
    A wrong number and a wrong code are one outcome (NOT_FOUND): the page cannot be used
    to learn which receipt numbers exist."""
    now = now or timezone.now()
    window = timedelta(minutes=settings.LOOKUP_WINDOW_MINUTES)
    client, key = client_hash(client_address), number_key(number)
    wait = _refusal(StatusLookup.objects.filter(client_hash=client, outcome__in=COUNTED),
                    settings.LOOKUP_LIMIT_PER_CLIENT, now, window)
    if wait is None:
        wait = _refusal(StatusLookup.objects.filter(
            number_key=key, outcome=StatusLookup.Outcome.NOT_FOUND),
            settings.LOOKUP_LIMIT_PER_NUMBER, now, window)
    letter, answer = None, None
    if wait is not None:
        answer = LookupAnswer(StatusLookup.Outcome.REFUSED, retry_minutes=wait)
    else:
        typed = parse_number(number)
        letter = letter_for(typed, code) if typed is not None else None
        answer = (LookupAnswer(StatusLookup.Outcome.FOUND, status=public_status(letter))
                  if letter is not None else LookupAnswer(StatusLookup.Outcome.NOT_FOUND))
    row = StatusLookup.objects.create(at=now, client_hash=client, number_typed=number[:40],
                                      number_key=key, outcome=answer.outcome, petition=letter)
    if row.pk % settings.LOOKUP_PRUNE_EVERY == 0:
        prune_lookups(now=now, batch=PRUNE_BATCH)
    return answer


def prune_lookups(*, now=None, batch=None) -> int:
    """Delete the log's rows older than LOOKUP_LOG_KEEP_DAYS (at most `batch` of them);
    returns how many went."""
    now = now or timezone.now()
    old = StatusLookup.objects.filter(
        at__lt=now - timedelta(days=settings.LOOKUP_LOG_KEEP_DAYS))
    if batch is None:
        return old.delete()[0]
    ids = list(old.order_by("at").values_list("pk", flat=True)[:batch])
    return StatusLookup.objects.filter(pk__in=ids).delete()[0] if ids else 0

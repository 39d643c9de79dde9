"""Tamper evidence for the case event log.

The log is append-only in the application, and on PostgreSQL also in the database. That
does not stop someone with direct access to the database file or a superuser account, so
each event also carries a hash chain: its hash covers its own content and the hash of the
previous event of the same case. Editing a row in place no longer matches its hash;
deleting or inserting a row breaks the link of the event after it. `verify` recomputes
every chain so the office can show that the history it prints is the one it wrote.
What a chain cannot show by itself is a case's history rewritten from some event to its
end with every hash recomputed; that needs the chain ends kept outside the database.

`canonical_content`, `event_hash` and `seal` are pure (no database access), so the
migration that seals the rows written before the chain existed uses the same definition.
"""
import hashlib
import json
from dataclasses import dataclass
from datetime import timezone as dt_timezone

from django.db.models import F

# prev_hash of a case's first event. A first event with anything else shows that the
# events before it were removed.
GENESIS = ""


def chain_key(event) -> tuple[str, int]:
    """The chain an event belongs to: one chain per case. The label is also the name of
    the event's foreign key to the case (a letter or an inspection/supervision case)."""
    if event.petition_id is None and getattr(event, "inspection_id", None) is not None:
        return ("inspection", event.inspection_id)
    return ("petition", event.petition_id)


def _utc(value):
    # The database may hand back a different tzinfo object than the one written (UTC on
    # PostgreSQL, the settings zone elsewhere): hash the instant, not its presentation.
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("Thời điểm của sự kiện phải kèm múi giờ (USE_TZ).")
    return value.astimezone(dt_timezone.utc).isoformat(timespec="microseconds")


def canonical_content(event) -> str:
    """The event's content as one deterministic string: sorted keys, no whitespace, and
    only values that come back from SQLite and PostgreSQL exactly as they were written
    (hence ids rather than objects, ISO dates, microsecond precision). `details` should
    hold plain JSON (strings, integers, booleans, lists, objects): PostgreSQL's jsonb may
    rewrite a float such as 1e20, which would then no longer match."""
    kind, case_id = chain_key(event)
    content = {
        kind: case_id,
        "event_type": str(event.event_type),
        "actor": event.actor_id,
        "occurred_at": _utc(event.occurred_at),
        "recorded_at": _utc(event.recorded_at),
        "from_status": str(event.from_status),
        "to_status": str(event.to_status),
        "reason": str(event.reason),
        "doc_number": str(event.doc_number),
        "doc_date": event.doc_date.isoformat() if event.doc_date else None,
        "details": event.details,
    }
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def event_hash(prev_hash: str, event) -> str:
    """Hex SHA-256 over the previous event's hash and this event's content; the newline
    cannot occur in a hex digest, so the two parts cannot be shifted into each other."""
    payload = f"{prev_hash}\n{canonical_content(event)}"
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def seal(event, prev_hash: str) -> None:
    """Link an event that is about to be inserted to the end of its chain."""
    event.prev_hash = prev_hash
    event.hash = event_hash(prev_hash, event)


def last_hash(model, key) -> str:
    """Hash at the end of a chain as stored now. The caller must hold the case's lock (or
    the case must be new): otherwise two writers could both extend the same event and
    fork the chain, which `verify` would then report as a break."""
    kind, case_id = key
    last = (model._base_manager.filter(**{f"{kind}_id": case_id}).order_by("-id")
            .values_list("hash", flat=True).first())
    return GENESIS if last is None else last


# ---- verification ---------------------------------------------------------------------

ALTERED = "altered"        # stored hash ≠ hash recomputed from the stored content
RELINKED = "relinked"      # prev_hash ≠ stored hash of the previous event: row deleted/inserted
HEAD_MISSING = "head"      # the first event left points back to an event: earlier ones removed
TAIL_MISSING = "tail"      # the case's status is not where its last event left it
EMPTY = "empty"            # a case with no event at all: its whole history removed
ANCHORED = "anchored"      # an event saved in an anchor is gone or no longer has that hash


@dataclass
class Break:
    kind: str
    case_kind: str         # first half of the chain key; the second is case_id
    case_id: int
    event_id: int | None = None
    event_type: str = ""
    receipt_number: str = ""
    organisation: str = ""
    case_status: str = ""
    event_status: str = ""


@dataclass
class AuditResult:
    events: int
    cases: int
    breaks: list


def verify(*, case_id: int | None = None, chunk_size: int = 2000) -> AuditResult:
    """Recompute every chain (or one case's) and return what does not match.

    Events are streamed in (case, id) order, holding only the previous event's hash, so
    memory stays flat however long the log is. The tail check compares the case's current
    status with where its last event left it: a hash chain alone cannot notice that its
    newest events were cut off, but every status change writes an event.
    """
    from django.db.models.functions import Coalesce

    from casework.models import CaseEvent, InspectionCase, Petition

    # Grouped by case: a letter's events have no inspection, a case's events no letter.
    events = (CaseEvent.objects.order_by("petition_id", "inspection_id", "id")
              .annotate(case_status=Coalesce(F("petition__status"), F("inspection__status"))))
    cases = Petition.objects.filter(events__isnull=True)
    inspections = InspectionCase.objects.filter(events__isnull=True)
    if case_id is not None:
        events, cases = events.filter(petition_id=case_id), cases.filter(pk=case_id)
        inspections = inspections.none()

    breaks, counted, chains = [], 0, 0
    key = previous = None
    for event in events.iterator(chunk_size=chunk_size):
        counted += 1
        if chain_key(event) != key:
            if previous is not None:
                _check_tail(previous, breaks)
            key, chains = chain_key(event), chains + 1
            if event.prev_hash != GENESIS:
                breaks.append(_break(HEAD_MISSING, event))
        elif event.prev_hash != previous.hash:
            breaks.append(_break(RELINKED, event))
        if event_hash(event.prev_hash, event) != event.hash:
            breaks.append(_break(ALTERED, event))
        previous = event
    if previous is not None:
        _check_tail(previous, breaks)
    empty = [("petition", pk) for pk in cases.values_list("pk", flat=True)]
    empty += [("inspection", pk) for pk in inspections.values_list("pk", flat=True)]
    breaks += [Break(EMPTY, kind, pk) for kind, pk in empty]
    _name_cases(breaks, Petition)
    return AuditResult(events=counted, cases=chains + len(empty), breaks=breaks)


def _break(kind, event, **extra):
    return Break(kind, *chain_key(event), event.pk, event.event_type, **extra)


def _check_tail(event, breaks):
    if event.case_status != event.to_status:
        breaks.append(_break(TAIL_MISSING, event, case_status=event.case_status,
                             event_status=event.to_status))


def _name_cases(breaks, Petition):
    """Number and organisation for the cases that need them, one query per case type."""
    from casework.models import InspectionCase

    for kind, model, number in (("petition", Petition, "receipt_number"),
                                ("inspection", InspectionCase, "number")):
        ids = {b.case_id for b in breaks if b.case_kind == kind}
        found = model.objects.select_related("organisation").in_bulk(ids) if ids else {}
        for b in breaks:
            if b.case_kind == kind and (case := found.get(b.case_id)):
                b.receipt_number = getattr(case, number)
                b.organisation = case.organisation.name


# ---- anchors: chain ends kept outside the database ------------------------------------
#
# A chain proves that nothing changed *inside* it, not that the whole tail of a case was
# not rewritten with fresh hashes. Saving the end of every chain to a file kept elsewhere
# (a USB stick in the office safe, a copy sent to the level above) closes that gap: every
# event up to a saved end is fixed by that end's hash, so a later check against the file
# shows any rewrite of the history the file covers.

def chain_ends():
    """[(case kind, case id, last event id, its hash)] for every case, in one query."""
    from django.db.models import Max, Subquery

    from casework.models import CaseEvent

    last_ids = (CaseEvent.objects.order_by().values("petition_id", "inspection_id")
                .annotate(last=Max("id")).values("last"))
    rows = (CaseEvent.objects.filter(id__in=Subquery(last_ids))
            .order_by("petition_id", "inspection_id")
            .values_list("petition_id", "inspection_id", "id", "hash"))
    return [("petition", p, e, h) if p is not None else ("inspection", i, e, h)
            for p, i, e, h in rows.iterator()]


def check_anchor(ends, *, chunk_size: int = 2000) -> list:
    """Breaks for the saved chain ends that no longer hold: the event is gone, moved to
    another case, or carries another hash. Combined with `verify` (every link after it
    intact) this proves the history up to each saved end is the one that was saved."""
    from casework.models import CaseEvent, Petition

    breaks = []
    for start in range(0, len(ends), chunk_size):
        chunk = ends[start:start + chunk_size]
        now = CaseEvent.objects.in_bulk([event_id for _, _, event_id, _ in chunk])
        for case_kind, case_id, event_id, saved_hash in chunk:
            event = now.get(event_id)
            if (event is None or chain_key(event) != (case_kind, case_id)
                    or event.hash != saved_hash):
                breaks.append(Break(ANCHORED, case_kind, case_id, event_id,
                                    event.event_type if event else ""))
    _name_cases(breaks, Petition)
    return breaks

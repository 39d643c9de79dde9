"""Tamper evidence for the append-only logs: the case event log, the identity-view log
and the history of identity clearances.

Each log is append-only in the application, and on PostgreSQL also in the database. That
does not stop someone with direct access to the database file or a superuser account, so
each row also carries a hash chain: its hash covers its own content and the hash of the
previous row of the same chain. Editing a row in place no longer matches its hash;
deleting or inserting a row breaks the link of the row after it. `verify` recomputes
every chain so the office can show that the history it prints is the one it wrote.
What a chain cannot show by itself is a history rewritten from some row to its end with
every hash recomputed (or its newest rows cut off); that needs the chain ends kept
outside the database (the anchors below).

Which rows form a chain and what a row's hash covers is declared once per model in
`CHAINS`: case events chain per case (a case's status shows where its chain must end);
identity views and clearance changes form one chain each for the whole install, so that
removing any row but the very newest breaks a link.

`canonical_content`, `event_hash` and `seal` are pure (no database access) and work on
the historical models of migrations too (they are looked up by model label), so the
migrations that seal rows written before a chain existed use the same definition.
"""
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC

from django.db.models import F

# prev_hash of a chain's first row. A first row with anything else shows that the rows
# before it were removed.
GENESIS = ""


def _utc(value):
    # The database may hand back a different tzinfo object than the one written (UTC on
    # PostgreSQL, the settings zone elsewhere): hash the instant, not its presentation.
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("Thời điểm của sự kiện phải kèm múi giờ (USE_TZ).")
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def _case_key(event) -> tuple[str, int]:
    # The label is also the name of the event's foreign key to the case (a letter or an
    # inspection/supervision case).
    if event.petition_id is None and getattr(event, "inspection_id", None) is not None:
        return ("inspection", event.inspection_id)
    return ("petition", event.petition_id)


def _case_event_content(event) -> dict:
    return {
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


def _identity_access_content(access) -> dict:
    return {
        "petition": access.petition_id,
        "user": access.user_id,
        "purpose": str(access.purpose),
        "accessed_at": _utc(access.accessed_at),
    }


def _clearance_event_content(event) -> dict:
    return {
        "event_type": str(event.event_type),
        "request": event.request_id,
        "actor": event.actor_id,
        "assignment": event.assignment_id,
        "user": event.user_id,
        "organisation": event.organisation_id,
        "role": str(event.role),
        "grant": bool(event.grant),
        "reason": str(event.reason),
        "occurred_at": _utc(event.occurred_at),
    }


@dataclass(frozen=True)
class Chain:
    """One kind of chained row. `key(row)` names the chain a row belongs to: (foreign key
    name, id) for a chain per case, or (`name`, 0) for a chain over the whole table."""

    name: str
    label: str                       # model label, as in Meta.label_lower
    key: Callable
    content: Callable
    per_case: bool = False

    def filter(self, key) -> dict:
        """Queryset filter selecting the rows of the chain `key`."""
        return {f"{key[0]}_id": key[1]} if self.per_case else {}


def _whole_table(name):
    return lambda row: (name, 0)


CASE_EVENTS = Chain("caseevent", "casework.caseevent", _case_key, _case_event_content,
                    per_case=True)
IDENTITY_ACCESSES = Chain("identityaccess", "casework.identityaccess",
                          _whole_table("identityaccess"), _identity_access_content)
CLEARANCE_EVENTS = Chain("clearance", "casework.clearanceevent", _whole_table("clearance"),
                         _clearance_event_content)
CHAINS = {c.label: c for c in (CASE_EVENTS, IDENTITY_ACCESSES, CLEARANCE_EVENTS)}
WHOLE_TABLE_CHAINS = {c.name: c for c in CHAINS.values() if not c.per_case}


def chain_of(row) -> Chain:
    return CHAINS[row._meta.label_lower]


def chain_key(row) -> tuple[str, int]:
    """The chain a row belongs to (for a case event: its case)."""
    return chain_of(row).key(row)


def canonical_content(row) -> str:
    """The row's content as one deterministic string: sorted keys, no whitespace, and
    only values that come back from SQLite and PostgreSQL exactly as they were written
    (hence ids rather than objects, ISO dates, microsecond precision). JSON fields should
    hold plain JSON (strings, integers, booleans, lists, objects): PostgreSQL's jsonb may
    rewrite a float such as 1e20, which would then no longer match."""
    chain = chain_of(row)
    content = chain.content(row)
    if chain.per_case:
        kind, case_id = chain.key(row)
        content[kind] = case_id
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def event_hash(prev_hash: str, row) -> str:
    """Hex SHA-256 over the previous row's hash and this row's content; the newline
    cannot occur in a hex digest, so the two parts cannot be shifted into each other."""
    payload = f"{prev_hash}\n{canonical_content(row)}"
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def seal(row, prev_hash: str) -> None:
    """Link a row that is about to be inserted to the end of its chain."""
    row.prev_hash = prev_hash
    row.hash = event_hash(prev_hash, row)


def last_hash(model, key) -> str:
    """Hash at the end of a chain as stored now. The caller must hold the chain's lock
    (for a case: the case's row lock, or the case is new; for a whole-table chain:
    `lock_chain`): otherwise two writers could both extend the same row and fork the
    chain, which `verify` would then report as a break."""
    chain = CHAINS[model._meta.label_lower]
    last = (model._base_manager.filter(**chain.filter(key)).order_by("-id")
            .values_list("hash", flat=True).first())
    return GENESIS if last is None else last


def lock_chain(model) -> None:
    """Serialise the writers of a whole-table chain until the transaction ends. PostgreSQL:
    a transaction-level advisory lock named after the table. SQLite: every transaction is
    opened IMMEDIATE (config.settings), so holding one already excludes other writers."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))",
                           [model._meta.db_table])


# ---- verification ---------------------------------------------------------------------

ALTERED = "altered"        # stored hash ≠ hash recomputed from the stored content
RELINKED = "relinked"      # prev_hash ≠ stored hash of the previous row: row deleted/inserted
HEAD_MISSING = "head"      # the first row left points back to a row: earlier ones removed
TAIL_MISSING = "tail"      # the case's status is not where its last event left it
EMPTY = "empty"            # a case with no event at all: its whole history removed
ANCHORED = "anchored"      # a row saved in an anchor is gone or no longer has that hash
# Records that must agree with their logs (casework.services.audit_checks):
UNPROTECTED = "unprotected"  # a letter once recorded as tố cáo whose sender is not protected
KIND_CHANGED = "kind"        # a letter's kind differs from the kind its events last recorded
MOMENT_CHANGED = "moment"    # a letter's logged moment differs from the one its events give
KEPT_COPY = "kept-copy"      # another app's copy of a letter's field differs from the letter
UNRECORDED = "unrecorded"    # a clearance flag that no approved grant in the history explains


@dataclass
class Break:
    kind: str
    case_kind: str         # what the row is about: "petition", "inspection", "assignment"
    case_id: int
    event_id: int | None = None
    event_type: str = ""
    receipt_number: str = ""
    organisation: str = ""
    case_status: str = ""
    event_status: str = ""
    chain: str = CASE_EVENTS.name   # which log the row (event_id) belongs to


@dataclass
class AuditResult:
    events: int
    cases: int
    breaks: list
    accesses: int = 0      # identity views checked
    clearances: int = 0    # clearance history rows checked


def _subject(row) -> tuple[str, int]:
    """What a break names for a row: its case, the letter whose sender was seen, or the
    role assignment whose clearance changed."""
    chain = chain_of(row)
    if chain is IDENTITY_ACCESSES:
        return ("petition", row.petition_id)
    if chain is CLEARANCE_EVENTS:
        return ("assignment", row.assignment_id)
    return chain.key(row)


def _break(kind, row, **extra):
    return Break(kind, *_subject(row), row.pk,
                 getattr(row, "event_type", None) or getattr(row, "purpose", ""),
                 chain=chain_of(row).name, **extra)


def _walk(rows, breaks, tail=None) -> tuple[int, int]:
    """Check every link of the chains in `rows`, which come grouped by chain and in id
    order within a chain; only the previous row is held, so memory stays flat however
    long the log is. Returns (rows, chains)."""
    counted = chains = 0
    key = previous = None
    for row in rows:
        counted += 1
        if chain_key(row) != key:
            if previous is not None and tail:
                tail(previous, breaks)
            key, chains = chain_key(row), chains + 1
            if row.prev_hash != GENESIS:
                breaks.append(_break(HEAD_MISSING, row))
        elif row.prev_hash != previous.hash:
            breaks.append(_break(RELINKED, row))
        if event_hash(row.prev_hash, row) != row.hash:
            breaks.append(_break(ALTERED, row))
        previous = row
    if previous is not None and tail:
        tail(previous, breaks)
    return counted, chains


def verify(*, case_id: int | None = None, chunk_size: int = 2000) -> AuditResult:
    """Recompute every chain (or one letter's) and check the records that must agree with
    the logs; return what does not match.

    The tail check compares a case's current status with where its last event left it: a
    hash chain alone cannot notice that its newest events were cut off, but every status
    change writes an event.
    """
    from django.db.models.functions import Coalesce

    from casework.models import CaseEvent, ClearanceEvent, IdentityAccess, InspectionCase, Petition
    from casework.services import audit_checks

    # Grouped by case: a letter's events have no inspection, a case's events no letter.
    events = (CaseEvent.objects.order_by("petition_id", "inspection_id", "id")
              .annotate(case_status=Coalesce(F("petition__status"), F("inspection__status"))))
    cases = Petition.objects.filter(events__isnull=True)
    inspections = InspectionCase.objects.filter(events__isnull=True)
    if case_id is not None:
        events, cases = events.filter(petition_id=case_id), cases.filter(pk=case_id)
        inspections = inspections.none()

    breaks = []
    counted, chains = _walk(events.iterator(chunk_size=chunk_size), breaks, tail=_check_tail)
    empty = [("petition", pk) for pk in cases.values_list("pk", flat=True)]
    empty += [("inspection", pk) for pk in inspections.values_list("pk", flat=True)]
    breaks += [Break(EMPTY, kind, pk) for kind, pk in empty]
    result = AuditResult(events=counted, cases=chains + len(empty), breaks=breaks)
    breaks += audit_checks.protection_breaks(case_id=case_id)
    # A letter whose log is already broken has its cause named; its moments, computed from
    # what is left of the log, would only repeat it.
    broken = {b.case_id for b in breaks if b.case_kind == "petition"
              and b.kind in (ALTERED, RELINKED, HEAD_MISSING, TAIL_MISSING, EMPTY)}
    breaks += [b for b in audit_checks.moment_breaks(case_id=case_id)
               if b.case_id not in broken]
    # Likewise a letter whose own kind differs from its log: its clocks, which still keep
    # the logged kind, would repeat that break.
    rekinded = {b.case_id for b in breaks if b.kind == KIND_CHANGED}
    breaks += [b for b in audit_checks.kept_copy_breaks(case_id=case_id)
               if not (b.case_kind == "petition" and b.case_id in rekinded)]
    if case_id is None:
        # The whole-table chains cannot be cut to one letter: they are checked in full runs.
        result.accesses, _ = _walk(IdentityAccess.objects.order_by("id")
                                   .iterator(chunk_size=chunk_size), breaks)
        result.clearances, _ = _walk(ClearanceEvent.objects.order_by("id")
                                     .iterator(chunk_size=chunk_size), breaks)
        breaks += audit_checks.clearance_breaks()
    _name_cases(breaks, Petition)
    return result


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
# A chain proves that nothing changed *inside* it, not that the whole tail of a chain was
# not rewritten with fresh hashes (or cut off). Saving the end of every chain to a file
# kept elsewhere (a USB stick in the office safe, a copy sent to the level above) closes
# that gap: every row up to a saved end is fixed by that end's hash, so a later check
# against the file shows any rewrite of the history the file covers.

def _model(chain):
    from django.apps import apps

    return apps.get_model(chain.label)


def chain_ends(*, using="default"):
    """[(chain, chain id, last row id, its hash)] for every case (chain "petition" or
    "inspection", id of the case), then one end per whole-table chain (its name, 0).
    `using`: another database alias, e.g. the copy a backup is reading
    (casework.backup.snapshot)."""
    from django.db.models import Max, Subquery

    from casework.models import CaseEvent

    last_ids = (CaseEvent.objects.using(using).order_by().values("petition_id", "inspection_id")
                .annotate(last=Max("id")).values("last"))
    rows = (CaseEvent.objects.using(using).filter(id__in=Subquery(last_ids))
            .order_by("petition_id", "inspection_id")
            .values_list("petition_id", "inspection_id", "id", "hash"))
    ends = [("petition", p, e, h) if p is not None else ("inspection", i, e, h)
            for p, i, e, h in rows.iterator()]
    for chain in WHOLE_TABLE_CHAINS.values():
        last = _model(chain).objects.using(using).order_by("-id").values_list("id", "hash").first()
        if last is not None:
            ends.append((chain.name, 0, *last))
    return ends


def check_anchor(ends, *, chunk_size: int = 2000) -> list:
    """Breaks for the saved chain ends that no longer hold: the row is gone, moved to
    another chain, or carries another hash. Combined with `verify` (every link after it
    intact) this proves the history up to each saved end is the one that was saved."""
    from casework.models import CaseEvent, Petition

    breaks = []
    whole = [end for end in ends if end[0] in WHOLE_TABLE_CHAINS]
    cases = [end for end in ends if end[0] not in WHOLE_TABLE_CHAINS]
    for start in range(0, len(cases), chunk_size):
        chunk = cases[start:start + chunk_size]
        now = CaseEvent.objects.in_bulk([event_id for _, _, event_id, _ in chunk])
        for case_kind, case_id, event_id, saved_hash in chunk:
            event = now.get(event_id)
            if (event is None or chain_key(event) != (case_kind, case_id)
                    or event.hash != saved_hash):
                breaks.append(Break(ANCHORED, case_kind, case_id, event_id,
                                    event.event_type if event else ""))
    for name, _, row_id, saved_hash in whole:
        chain = WHOLE_TABLE_CHAINS[name]
        row = _model(chain).objects.filter(pk=row_id).first()
        if row is None or row.hash != saved_hash:
            breaks.append(Break(ANCHORED, name, 0, row_id, chain=name))
    _name_cases(breaks, Petition)
    return breaks

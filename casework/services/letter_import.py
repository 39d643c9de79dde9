"""Importing a letters register from Excel: check every row, then write them all in one
transaction, set-wise.

Per row the engine's path (petition_receive, then one service per step) costs a few dozen
queries; at 100,000 rows that is hours. The rules stay where they are: each row is checked
by casework.imports.letters with the services' own checks and step declarations and the
letter's FSM; here the checked rows are written with `bulk_create` in chunks, the receipt
counters moved once per unit and year, and the events sealed into their hash chains in
order by the ledger's own `bulk_create` (casework.models.ledger: the same `seal`).

- **Nothing half-written**: the whole file is checked again inside the transaction (the
  register may have changed since the check the person confirmed) and any error rolls
  everything back.
- **Duplicates**: a row whose letter is already in the register is skipped, so importing
  a file twice writes nothing the second time. The key: the receiving unit, the year and
  the old register's receipt number; for a row without a number, the unit, the day
  received, the senders' names and the summary, folded (casework.search_keys).
- **Numbers**: a letter keeps its old number; the unit's ReceiptCounter is moved past the
  highest imported one, then gives the rows without a number theirs, in row order.
- **History at its real dates**: each step is an event at its own day (`occurred_at`),
  recorded now (`recorded_at`), so the figures of a period count it in that period and the
  notices leave it alone (a back-filled event is history, not news). Every event names the
  import job in its details.
- **Clocks**: the letters still open are announced once per chunk (`letters_imported`,
  with their ids), not each of their events (`case_event_written`, a few queries per
  event in the receivers): workflows starts and stops their deadline clocks set-wise,
  exactly as the events announced in order would, as for a letter received on its date.
  A closed letter is not announced: its clocks would only start and stop again at once.
"""
from collections import defaultdict

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.counters import advance, lock_rows
from casework.errors import ActionRefused
from casework.imports.letters import HEADER_KEYS, SHEET, RowCheck, moment, unnumbered_key
from casework.imports.workbook import ImportInvalid, ImportPlan, read_rows
from casework.models import CaseEvent, EventType, Petition, PetitionSender, ReceiptCounter
from casework.numbers import display_number
from casework.permissions import receiving_organisations
from casework.signals import letters_imported

CHUNK = 2000


def importing_units(actor):
    """The units the person may import letters into: where they may receive letters."""
    return list(receiving_organisations(actor).order_by("path"))


def letter_import_check(*, actor, path, progress=None, every=CHUNK) -> ImportPlan:
    """Read and check the whole file; nothing is written. `progress(rows read)` is called
    every `every` rows."""
    units = importing_units(actor)
    if not units:
        raise ActionRefused(_("Bạn không có quyền tiếp nhận đơn ở đơn vị nào nên không nhập "
                              "được sổ."))
    plan, check, seen = ImportPlan(), RowCheck(units), {}
    for number, raw in read_rows(path, sheet_name=SHEET, columns=HEADER_KEYS):
        plan.read += 1
        row = check.check(number, raw, plan.errors)
        if row is not None:
            key = row.key()
            if key in seen:
                plan.errors.add_row(number, _("trùng với dòng %(row)s (cùng đơn).")
                                    % {"row": seen[key]})
            else:
                seen[key] = number
                plan.rows.append(row)
        if progress and plan.read % every == 0:
            progress(plan.read)
    if not plan.read:
        plan.errors.add_row(2, _("tệp không có dòng dữ liệu nào."))
    existing = _existing_keys(plan.rows)
    kept = [row for row in plan.rows if row.key() not in existing]
    plan.skipped, plan.rows = len(plan.rows) - len(kept), kept
    return plan


def _existing_keys(rows):
    """The keys of the rows whose letters are in the register already: a query per unit
    and year for the numbered rows, one per unit for the others (their days)."""
    keys = set()
    numbered, unnumbered = defaultdict(set), defaultdict(set)
    for row in rows:
        if row.seq is not None:
            numbered[(row.organisation.pk, row.year)].add(row.seq)
        else:
            unnumbered[row.organisation.pk].add(row.received_on)
    for (unit, year), seqs in numbered.items():
        found = (Petition.objects.filter(organisation_id=unit, receipt_year=year,
                                         receipt_seq__in=sorted(seqs))
                 .values_list("receipt_seq", flat=True)) if len(seqs) < 500 else (
            Petition.objects.filter(organisation_id=unit, receipt_year=year)
            .values_list("receipt_seq", flat=True))
        keys |= {("n", unit, year, seq) for seq in found}
    for unit, days in unnumbered.items():
        letters = (Petition.objects.filter(organisation_id=unit, received_on__in=sorted(days))
                   .prefetch_related("senders").only("pk", "received_on", "summary"))
        for letter in letters:
            keys.add(unnumbered_key(unit, letter.received_on,
                                    [s.full_name for s in letter.senders.all()],
                                    letter.summary))
    return keys


@transaction.atomic
def letter_import(*, actor, path, job_id=None, progress=None, every=CHUNK) -> dict:
    """Check the file again and write every new letter with its history, all or nothing.
    Raises ImportInvalid (nothing written) when a row does not pass. Returns the summary
    the result page shows."""
    # The heartbeat goes on while the file is checked again (no rows written yet).
    plan = letter_import_check(actor=actor, path=path,
                               progress=(lambda rows: progress(0)) if progress else None)
    if plan.errors:
        raise ImportInvalid(plan)
    pairs = sorted({(row.organisation.pk, row.year) for row in plan.rows})
    # The counters first, in a fixed order: a second import into the same units (or a
    # clerk receiving a letter there) waits here, so the duplicate check below is final.
    lock_rows(ReceiptCounter, [{"organisation_id": unit, "year": year} for unit, year in pairs])
    existing = _existing_keys(plan.rows)
    rows = [row for row in plan.rows if row.key() not in existing]
    skipped = plan.skipped + len(plan.rows) - len(rows)
    _number(rows, pairs)
    now = timezone.now()
    written = 0
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start:start + CHUNK]
        _write_chunk(chunk, actor, job_id, now)
        _announce(chunk)
        written += len(chunk)
        if progress:
            progress(written)
    return {"imported": written, "skipped": skipped, "units": _summary(rows)}


def _number(rows, pairs):
    by_pair = defaultdict(list)
    for row in rows:
        by_pair[(row.organisation.pk, row.year)].append(row)
    for unit, year in pairs:
        group = by_pair.get((unit, year), [])
        bare = [row for row in group if row.seq is None]
        first = advance(ReceiptCounter, organisation_id=unit, year=year,
                        past=max((row.seq for row in group if row.seq), default=0),
                        take=len(bare))
        for offset, row in enumerate(bare):
            row.seq = first + offset


def _write_chunk(rows, actor, job_id, now):
    """Insert the letters, their senders and their events."""
    events_of = []
    for row in rows:
        letter = row.letter
        letter.receipt_seq, letter.created_by = row.seq, actor
        letter.protect_identity()
        letter.fill_search_keys()
        events = [_received(row, actor, job_id, now)]
        events += [CaseEvent(event_type=planned.step.event, actor=actor,
                             from_status=planned.from_status, to_status=planned.to_status,
                             reason=next((planned.values[n] for n in planned.step.reason
                                          if planned.values.get(n)), ""),
                             doc_number=planned.values.get(planned.step.doc[0]) or "",
                             doc_date=planned.values.get(planned.step.doc[1]),
                             details={**planned.details, "import": job_id},
                             occurred_at=planned.at, recorded_at=now)
                   for planned in row.steps]
        for event in events:
            for name, value in letter.log_moments(event).items():
                setattr(letter, name, value)
        events_of.append(events)
    Petition.objects.bulk_create([row.letter for row in rows])
    senders = []
    for row in rows:
        for sender in row.senders:
            person = PetitionSender(petition=row.letter, full_name=sender.full_name,
                                    address=sender.address, phone=sender.phone,
                                    id_number=sender.id_number)
            person.fill_search_keys()
            senders.append(person)
    PetitionSender.objects.bulk_create(senders)
    for row, events in zip(rows, events_of, strict=True):
        for event in events:
            event.petition = row.letter
    CaseEvent.objects.bulk_create([e for events in events_of for e in events], fresh=True)


def _received(row, actor, job_id, now):
    letter = row.letter
    number = display_number(row.seq, row.year, row.organisation.symbol)
    return CaseEvent(event_type=EventType.RECEIVED, actor=actor, from_status="",
                     to_status="received",
                     details={"receipt_number": number, "channel": letter.channel,
                              "kind": letter.kind, "attachments": 0, "import": job_id},
                     occurred_at=moment(row.received_on, 0), recorded_at=now)


def _announce(rows):
    """The open letters of a chunk, announced at once (see module)."""
    opened = [row.letter.pk for row in rows if row.letter.is_open]
    if opened:
        letters_imported.send(sender=Petition, petition_ids=opened)


def _summary(rows):
    groups = defaultdict(list)
    for row in rows:
        groups[(row.organisation.pk, row.year)].append(row.seq)
    names = {row.organisation.pk: row.organisation.name for row in rows}
    return [[unit, names[unit], year, min(seqs), max(seqs), len(seqs)]
            for (unit, year), seqs in sorted(groups.items())]

"""The register export's rows: the letters a register filter selected, oldest first, as
plain values, with the senders the file may carry.

A province's year is 170,000 letters: model instances (and `prefetch_related`'s per-row
bookkeeping) cost more than writing the cells. So each letter is one row of
`values_list` (its unit, subject member and subject organisation joined in the same
query), read from a server-side cursor in chunks, and each chunk's senders come in ONE
more query: 1 + letters / CHUNK queries whatever the size, none per row.

Scope and masking are decided by the caller: `letters` is already scoped (by
`letters.letter_register`), and `senders` names the sender rows the file may show
(`services.identity.unmasked_senders` for a cleared user who asked for identities, the
unprotected ones otherwise), so a protected letter's senders are not even read.
"""
from itertools import islice

from django.db.models import F

# Letters read per round trip, and senders fetched per query.
CHUNK = 2000
# The paper register's order: by day received, then the receipt number.
EXPORT_ORDER = ("received_on", "receipt_year", "receipt_seq", "pk")

_FIELDS = {
    "organisation_symbol": F("organisation__symbol"),
    "organisation_name": F("organisation__name"),
    "organisation_path": F("organisation__path"),
    "subject_member_name": F("subject_member__full_name"),
    "subject_organisation_name": F("subject_organisation__name"),
}
_COLUMNS = ("pk", "receipt_seq", "receipt_year", "received_on", "channel", "forwarded_by",
            "kind", "sender_type", "identity_confidential", "subject_name", "summary",
            "status", "handled_by", "decision_number", "decision_date", "closed_on",
            *_FIELDS)


def export_letters(letters, *, senders, chunk=CHUNK):
    """Yield (letter, [(full name, address)]) for each letter of `letters`, oldest first.
    `letter` is a named row: the Petition fields of `_COLUMNS`, plus organisation_symbol,
    organisation_name, organisation_path, subject_member_name and
    subject_organisation_name. A letter whose senders `senders` excludes gets []."""
    rows = (letters.order_by(*EXPORT_ORDER).annotate(**_FIELDS)
            .values_list(*_COLUMNS, named=True).iterator(chunk_size=chunk))
    while batch := list(islice(rows, chunk)):
        by_letter = {}
        for petition_id, name, address in (
                senders.filter(petition_id__in=[letter.pk for letter in batch])
                .order_by("petition_id", "pk")
                .values_list("petition_id", "full_name", "address")):
            by_letter.setdefault(petition_id, []).append((name, address))
        for letter in batch:
            yield letter, by_letter.get(letter.pk, [])

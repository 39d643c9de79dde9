"""Đơn trùng: a hint when the same sender sent a similar letter, in any year.

Senders are matched by name key (`casework.search_keys`, the register search's normaliser:
accents, case, "Đ"/"D" and NFC/NFD folded away), by ID number, or by address key (a
household writing again under another member's name); in SQL, each way capped, the
most recent first. Only the few candidates found are compared for content in Python,
word by word on the same keys. No look-back window: a third letter about the same road
two years after the first is exactly what the clerk must be told about. It is a hint for
the clerk, never a block: the law requires every letter to be logged.
"""
from dataclasses import dataclass
from difflib import SequenceMatcher

from django.db.models import Q

from casework.models import Petition, PetitionSender
from casework.search_keys import key_for, search_key

SIMILAR_ENOUGH = 0.5
CANDIDATES = 50  # per way of matching: the most recent letters of that sender
# An address this short ("thôn Lại") names a village, not a household.
MIN_ADDRESS_KEY = 12


@dataclass
class DuplicateHint:
    petition: Petition
    similarity: float  # 0..1

    @property
    def percent(self):
        return round(self.similarity * 100)


def _words(text):
    return search_key(text).split()


def similarity(a, b):
    """The better of word-set overlap and sequence similarity of the normalised texts:
    overlap catches reworded letters, sequence catches copies with small edits."""
    wa, wb = set(_words(a)), set(_words(b))
    if not wa or not wb:
        return 0.0
    overlap = len(wa & wb) / len(wa | wb)
    sequence = SequenceMatcher(None, " ".join(_words(a)), " ".join(_words(b))).ratio()
    return max(overlap, sequence)


def find_duplicates(*, visible, senders, summary, received_on, exclude_id=None, limit=5):
    """Letters in `visible` (already scoped to the user) from the same sender (name, ID
    number or household address), whatever their date, whose summary is similar, most
    similar first. `received_on` is None while the form's date is not valid: no hint yet."""
    name_length = PetitionSender._meta.get_field("name_key").max_length
    address_length = PetitionSender._meta.get_field("address_key").max_length
    keys = {key_for(s.full_name, name_length) for s in senders if s.full_name.strip()}
    ids = {s.id_number.strip() for s in senders if s.id_number.strip()}
    addresses = {key for key in (key_for(s.address, address_length) for s in senders)
                 if len(key) >= MIN_ADDRESS_KEY}
    if not keys and not ids and not addresses or received_on is None:
        return []
    ways = [Q(senders__name_key__in=keys) | Q(senders__id_number__in=ids)]
    if addresses:
        ways.append(Q(senders__address_key__in=addresses))
    found = {}
    for who in ways:
        for petition in (visible.filter(who).exclude(pk=exclude_id).distinct()
                         .select_related("organisation")
                         .order_by("-received_on", "-pk")[:CANDIDATES]):
            found.setdefault(petition.pk, petition)
    hints = [DuplicateHint(p, similarity(summary, p.summary)) for p in found.values()]
    hints = [h for h in hints if h.similarity >= SIMILAR_ENOUGH]
    hints.sort(key=lambda h: (-h.similarity, -h.petition.received_on.toordinal()))
    return hints[:limit]

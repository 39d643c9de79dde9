"""Đơn trùng: a hint when the same sender sent a similar letter in the last 12 months.

Senders are matched by name key (`casework.search_keys`, the register search's normaliser)
or ID number, in SQL on indexed columns; only the few candidates found are compared for
content in Python, word by word on the same keys. It is a hint for the clerk, never
a block: the law requires every letter to be logged.
"""
from dataclasses import dataclass
from datetime import timedelta
from difflib import SequenceMatcher

from django.db.models import Q

from casework.models import Petition, PetitionSender
from casework.search_keys import key_for, search_key

LOOKBACK = timedelta(days=365)
SIMILAR_ENOUGH = 0.5


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
    """Letters in `visible` (already scoped to the user) from the same sender within 12
    months before `received_on`, whose summary is similar, most similar first."""
    length = PetitionSender._meta.get_field("name_key").max_length
    keys = {key_for(s.full_name, length) for s in senders if s.full_name.strip()}
    ids = {s.id_number.strip() for s in senders if s.id_number.strip()}
    if not keys and not ids or received_on is None:
        return []
    who = Q(senders__name_key__in=keys) | Q(senders__id_number__in=ids)
    candidates = (visible.filter(who, received_on__gte=received_on - LOOKBACK,
                                 received_on__lte=received_on)
                  .exclude(pk=exclude_id).distinct().select_related("organisation")[:50])
    hints = [DuplicateHint(p, similarity(summary, p.summary)) for p in candidates]
    hints = [h for h in hints if h.similarity >= SIMILAR_ENOUGH]
    hints.sort(key=lambda h: -h.similarity)
    return hints[:limit]

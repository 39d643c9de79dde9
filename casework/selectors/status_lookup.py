"""What the public status lookup (/tra-cuu/) may read of a letter: its current step, the
date of that step and the unit that has it now. Nothing else leaves this module: no name,
address, content, subject, kind or document of the letter or its sender, so the page
cannot show what it is never given.

The one read without a user: the scope is the letter whose receipt number and lookup code
were both typed (`letter_for`), and the letters an in-system hand-off made from it.
"""
import hmac
from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from casework.models import CaseEvent, Organisation, Petition, PetitionStatus
from casework.models.lookup import LOOKUP_ALPHABET, LOOKUP_CODE_LENGTH
from casework.numbers import TypedNumber
from casework.search_keys import search_key

# A chain of hand-offs is short (a commune's office to a branch, perhaps on to another);
# the bound keeps a corrupt loop of links from costing more than this many reads.
MAX_HOPS = 10
# Compared with when no letter has the number, so that a wrong number costs what a wrong
# code costs.
_DUMMY_CODE = LOOKUP_ALPHABET[:LOOKUP_CODE_LENGTH]


@dataclass(frozen=True)
class PublicStatus:
    status: str  # PetitionStatus code of the letter that has it now
    label: str  # its Vietnamese label
    is_open: bool
    step_on: date | None  # the day that step was logged
    unit: str  # the unit that has the letter now
    unit_parent: str  # the organisation above it, to tell "Văn phòng Đảng ủy"s apart
    handed_on: bool  # the letter went on to another unit inside the system
    outside: bool  # transferred to a body outside the system


def _unit_for(typed: TypedNumber):
    """The unit whose folded symbol was typed. Symbols are unique once folded (see
    Organisation.validate_unique); folded here since the fold is not SQL on every
    database. A province has a few thousand units: one narrow read."""
    for pk, symbol in Organisation.objects.values_list("pk", "symbol").iterator():
        if search_key(symbol) == typed.symbol_key:
            return pk
    return None


def letter_for(typed: TypedNumber, code: str):
    """The letter with this receipt number if `code` is its lookup code, else None. The
    code is compared in constant time, also when no letter has the number."""
    unit = _unit_for(typed) if typed.symbol_key and typed.year else None
    letter = None
    if unit is not None:
        letter = (Petition.objects.filter(organisation_id=unit, receipt_year=typed.year,
                                          receipt_seq=typed.seq)
                  .only("pk", "lookup_code").first())
    expected = letter.lookup_code if letter is not None and letter.lookup_code else _DUMMY_CODE
    matches = hmac.compare_digest(expected.encode(), code.encode())
    return letter if matches and letter is not None and letter.lookup_code else None


def public_status(letter) -> PublicStatus:
    """The step of the letter that has it now: `letter` itself, or the last of the letters
    its in-system hand-offs wrote (Petition.forwarded_from), each of which the recipient
    unit handles in its own register."""
    current = Petition.objects.select_related("organisation__parent").get(pk=letter.pk)
    handed_on = False
    for _ in range(MAX_HOPS):
        following = (Petition.objects.filter(forwarded_from_id=current.pk)
                     .select_related("organisation__parent").order_by("-pk").first())
        if following is None:
            break
        current, handed_on = following, True
    moment = (CaseEvent.objects.filter(petition_id=current.pk, to_status=current.status)
              .order_by("-occurred_at", "-pk").values_list("occurred_at", flat=True).first())
    organisation = current.organisation
    status = PetitionStatus(current.status)
    return PublicStatus(
        status=status.value, label=str(status.label), is_open=current.is_open,
        step_on=timezone.localdate(moment) if moment else None,
        unit=organisation.name,
        unit_parent=organisation.parent.name if organisation.parent_id else "",
        handed_on=handed_on,
        outside=status == PetitionStatus.TRANSFERRED and current.handed_to_id is None)


def lookup_page_url() -> str:
    """The page's full address as the receipt prints it (LOOKUP_PUBLIC_URL, else
    SITE_URL)."""
    from django.conf import settings
    from django.urls import reverse

    base = settings.LOOKUP_PUBLIC_URL or settings.SITE_URL
    return base + reverse("casework:status-lookup")

"""Denouncer identity: shown only to cleared users, and every showing is logged.

Views, exports and the API never read a protected letter's senders or scanned files
directly; they ask here. An uncleared user gets a mask (the rows are not even loaded),
a cleared user gets the real rows and an `IdentityAccess` row is written for each letter.
"""
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from casework.models import IdentityAccess, IdentityAccessPurpose, PetitionSender
from casework.permissions import may_see_identity
from casework.selectors.scope import identity_visible_q

MASK = _("Người tố cáo (danh tính được bảo mật)")
MASK_SHORT = _("Đã bảo mật")


@dataclass(frozen=True)
class MaskedSender:
    """Stands in for a protected sender: same attributes, nothing personal."""

    full_name: str = MASK
    address: str = ""
    phone: str = ""
    id_number: str = ""
    masked: bool = True


def log_identity_access(*, user, petitions, purpose):
    """One row per protected letter whose identity is about to be shown to `user`."""
    IdentityAccess.objects.bulk_create([
        IdentityAccess(petition_id=p.pk, user=user, purpose=purpose)
        for p in petitions if p.identity_confidential
    ])


def log_search_hits(*, user, filterset):
    """After a register search (page, export, API): one row per protected letter that the
    search returned because its sender's name or address matched. The list masks the
    sender, but the user typed the name and saw the letter come back. Only cleared users
    get such hits (the filter keeps others from matching protected senders at all)."""
    IdentityAccess.objects.bulk_create([
        IdentityAccess(petition_id=pk, user=user, purpose=IdentityAccessPurpose.SEARCH)
        for pk in filterset.identity_hits()
    ])


def senders_for(*, user, petition, purpose):
    """(senders, masked) for showing one letter. Logs the access when a protected identity
    is shown."""
    if not petition.identity_confidential:
        return list(petition.senders.all()), False
    if may_see_identity(user, petition):
        log_identity_access(user=user, petitions=[petition], purpose=purpose)
        return list(petition.senders.all()), False
    count = petition.senders.count()
    return [MaskedSender()] * min(count, 1), True


def unmasked_senders(user):
    """Sender rows the user may see, for prefetching into lists and exports."""
    return PetitionSender.objects.filter(identity_visible_q(user, prefix="petition__"))


def identity_visible(queryset, user):
    """Letters of `queryset` whose senders the user may see (for duplicate hints and
    sender-name search, which would otherwise reveal who sent a protected letter)."""
    return queryset.filter(identity_visible_q(user))


"""The hand-off links a letter page shows: where the letter came from and where it went,
each with its letter's number, unit and current status, and a link only when the viewer may
see that letter (`letters_visible`, the scope of casework.selectors.scope: a unit of another
commune shows its name and status, never a way into its register). Two queries at most,
whatever the chain: the linked letters, then which of them the viewer sees."""
from dataclasses import dataclass

from django.db.models import Q
from django.urls import reverse

from casework.models import Petition
from casework.selectors.letters import letters_visible


@dataclass(frozen=True)
class HandoffLink:
    number: str
    unit: str
    status: str
    status_label: str
    url: str | None


def handoff_links(*, user, petition):
    """{"came_from": HandoffLink | None, "went_to": [HandoffLink]} for `petition`."""
    if petition.forwarded_from_id is None and petition.handed_to_id is None:
        return {"came_from": None, "went_to": []}
    linked = list(Petition.objects.filter(Q(pk=petition.forwarded_from_id)
                                          | Q(forwarded_from=petition))
                  .select_related("organisation").order_by("pk"))
    seen = set(letters_visible(user=user).filter(pk__in=[p.pk for p in linked])
               .values_list("pk", flat=True))

    def link(letter):
        return HandoffLink(letter.receipt_number, letter.organisation.name, letter.status,
                           letter.get_status_display(),
                           reverse("casework:petition-detail", args=[letter.pk])
                           if letter.pk in seen else None)

    return {"came_from": next((link(p) for p in linked if p.pk == petition.forwarded_from_id),
                              None),
            "went_to": [link(p) for p in linked if p.forwarded_from_id == petition.pk]}

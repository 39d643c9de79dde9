"""Demo documents: `load_demo` makes the Word documents of a few demo letters' steps (the
receipt, the phiếu chuyển đơn, a numbered follow-up), as the office would have made them
for steps already recorded (casework.services.documents.document_for_event: each takes
the number the step recorded). The tố cáo is among them: its phiếu chuyển carries no
identity, its receipt only opens for cleared users.

Run again, it makes nothing twice: a step that has its document is skipped.
"""
from casework.documents.kinds import BY_EVENT
from casework.models import CaseEvent, Petition, PetitionKind
from casework.services.documents import document_for_event

LETTERS = 4  # the first letters of the year, plus every tố cáo


def issue_demo_documents(*, actor, organisation, year):
    letters = Petition.objects.filter(organisation=organisation, receipt_year=year)
    chosen = [*letters.order_by("receipt_seq").values_list("pk", flat=True)[:LETTERS],
              *letters.filter(kind=PetitionKind.DENUNCIATION).values_list("pk", flat=True)]
    events = (CaseEvent.objects.filter(petition_id__in=chosen, event_type__in=list(BY_EVENT),
                                       documents__isnull=True)
              .exclude(event_type="followed_up", doc_number="")
              .exclude(event_type__in=["accepted", "filed"])
              .order_by("petition_id", "occurred_at", "id"))
    made = 0
    for event in events:
        document_for_event(actor=actor, event_id=event.pk)
        made += 1
    return made

"""Demo documents: `load_demo` makes the Word documents of a few demo letters' steps (the
receipt, the phiếu chuyển đơn, a numbered follow-up), as the office would have made them
for steps already recorded (casework.services.documents.document_for_event: each takes
the number the step recorded). The tố cáo is among them: its phiếu chuyển carries no
identity, its receipt only opens for cleared users.

`load_demo_inspections` does the same for a few of the current year's UBKT cases: the
decision that opened each, and its notice of conclusion where the case got that far.

Run again, it makes nothing twice: a step that has its document is skipped.
"""
from casework.documents.kinds import BY_EVENT
from casework.models import CaseEvent, InspectionCase, Petition, PetitionKind
from casework.services.documents import document_for_event, may_issue

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


CASES = 3


def issue_demo_case_documents(*, actor, organisation, year):
    cases = (InspectionCase.objects.filter(organisation=organisation, year=year)
             .order_by("seq").values_list("pk", flat=True)[:CASES])
    events = (CaseEvent.objects.filter(inspection_id__in=list(cases),
                                       event_type__in=["case_opened", "case_notified"],
                                       documents__isnull=True)
              .select_related("inspection__organisation").order_by("inspection_id", "id"))
    made = 0
    for event in events:
        if may_issue(BY_EVENT[event.event_type], event.inspection, actor):
            document_for_event(actor=actor, event_id=event.pk)
            made += 1
    return made

"""Event notices: who hears of what happens to a letter.

Runs on `case_event_written`, inside the transaction that wrote the event, so a notice
commits or rolls back with its cause. Two rules:

- a newly received tố cáo or khiếu nại is reported to the committee's leaders of the
  receiving organisation (`notifications.audiences`: its leaders and those of every level
  above it, short of a province);
- anything later done to a letter by someone else is reported to the person who logged it
  (the clerk follows "their" letters);
- a letter handed to a unit inside the system (its RECEIVED event names the letter it
  came from: casework.services.handoff) is reported to those who handle letters at that
  unit, since nobody there logged it; what the unit then does comes back to the sender's
  letter as an event of its own, reported to whoever logged that one.

Back-filled events (a paper register being transcribed) are history, not news: no notice.
The person who acted is never told of their own action. An imported register announces
its open letters at once (`letters_imported`), not their events: those events that are
not back-filled (a step dated within the hour before the import) are reported here as if
each had been announced.
"""
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db.models import F, Q

from casework.models import CaseEvent, EventType, PetitionKind, RoleAssignment
from casework.permissions import ACTION_ROLES
from notifications.audiences import committee_leader_ids
from notifications.models import NoticeKind
from notifications.outbox import write_notices

REPORTED_TO_LEADERS = (PetitionKind.DENUNCIATION, PetitionKind.COMPLAINT)


def notify_case_event(sender, event, **kwargs):
    if event.is_backfilled or event.petition_id is None:
        return
    petition = event.petition
    recipients = _recipients(event, petition)
    if recipients:
        write_notices(cause_key=f"evt:{event.pk}", kind=NoticeKind.EVENT,
                      recipients=recipients, event=event, petition=petition)


def notify_imported_letters(sender, petition_ids, **kwargs):
    # CaseEvent.is_backfilled in SQL, so that the history of the letters is not read.
    recent = (CaseEvent.objects
              .filter(petition_id__in=list(petition_ids),
                      occurred_at__gte=F("recorded_at") - timedelta(hours=1))
              .select_related("petition").order_by("petition_id", "id"))
    for event in recent:
        notify_case_event(CaseEvent, event)


def _recipients(event, petition):
    users = get_user_model().objects.filter(is_active=True)
    if event.event_type == EventType.RECEIVED:
        told = Q(pk__in=[])
        if petition.kind in REPORTED_TO_LEADERS:
            told |= Q(pk__in=committee_leader_ids(petition.organisation_id))
        if petition.forwarded_from_id:
            told |= Q(pk__in=RoleAssignment.objects.filter(
                organisation_id=petition.organisation_id,
                role__in=ACTION_ROLES["classify"] | ACTION_ROLES["accept"]).values("user_id"))
        users = users.filter(told)
    elif petition.created_by_id:
        users = users.filter(pk=petition.created_by_id)
    else:
        return []
    if event.actor_id:
        users = users.exclude(pk=event.actor_id)
    return list(users.values_list("pk", "email").distinct().order_by("pk"))

"""Event notices: who hears of what happens to a letter.

Runs on `case_event_written`, inside the transaction that wrote the event, so a notice
commits or rolls back with its cause. Two rules:

- a newly received tố cáo or khiếu nại is reported to the committee's leaders of the
  receiving organisation (`notifications.audiences`: its leaders and those of every level
  above it, short of a province);
- anything later done to a letter by someone else is reported to the person who logged it
  (the clerk follows "their" letters).

Back-filled events (a paper register being transcribed) are history, not news: no notice.
The person who acted is never told of their own action.
"""
from django.contrib.auth import get_user_model

from casework.models import EventType, PetitionKind
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


def _recipients(event, petition):
    users = get_user_model().objects.filter(is_active=True)
    if event.event_type == EventType.RECEIVED:
        if petition.kind not in REPORTED_TO_LEADERS:
            return []
        users = users.filter(pk__in=committee_leader_ids(petition.organisation_id))
    elif petition.created_by_id:
        users = users.filter(pk=petition.created_by_id)
    else:
        return []
    if event.actor_id:
        users = users.exclude(pk=event.actor_id)
    return list(users.values_list("pk", "email").distinct().order_by("pk"))

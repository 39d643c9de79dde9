"""Notices to the branches a case is about (issue 14 part 3: one case, several subjects).

The secretary of an inspected or supervised branch answers for it (the decision is
announced to the branch, it reports, it receives the conclusion): when a case is decided,
announced, or its conclusion or results notified, every branch secretary of every subject
hears of it: of the subject organisations themselves, and of the branches of the subject
members. A supervision of four branches tells the four secretaries. Written in the event's
transaction, as the letters' event notices (`notifications.receivers`); back-filled
history is not news; the person who acted is not told of their own action.
"""
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.models import CaseStatus, CaseSubject, EventType, Role
from casework.templatetags.casework_tags import person_name
from notifications.models import NoticeKind
from notifications.outbox import write_notices

TOLD_TO_SUBJECTS = (EventType.CASE_OPENED, EventType.ANNOUNCED, EventType.CASE_NOTIFIED)


def subject_secretaries(case_id):
    """The active users holding the branch-secretary role at an organisation subject of
    the case or at the branch of a member subject: (id, e-mail) pairs, one query."""
    subjects = CaseSubject.objects.filter(case_id=case_id)
    units = Q(role_assignments__organisation__in=subjects.filter(
        organisation__isnull=False).values("organisation_id")) | Q(
        role_assignments__organisation__in=subjects.filter(
            member__isnull=False).values("member__organisation_id"))
    return (get_user_model().objects.filter(is_active=True)
            .filter(units, role_assignments__role=Role.BRANCH_SECRETARY))


def notify_case_subjects(sender, event, **kwargs):
    if (event.inspection_id is None or event.is_backfilled
            or event.event_type not in TOLD_TO_SUBJECTS):
        return
    users = subject_secretaries(event.inspection_id)
    if event.actor_id:
        users = users.exclude(pk=event.actor_id)
    recipients = list(users.values_list("pk", "email").distinct().order_by("pk"))
    if recipients:
        write_notices(cause_key=f"evt:{event.pk}", kind=NoticeKind.EVENT,
                      recipients=recipients, event=event)


def case_event_context(notice, absolute):
    """What a notice of a case's event says (notifications/event*.txt): the case by its
    number, kind and running unit, as a clock's notice names it."""
    from notifications.rendering import display, link, path_of

    event, case = notice.event, notice.event.inspection
    return {
        "case_label": _("Cuộc kiểm tra, giám sát số %(number)s") % {"number": case.number},
        "petition_kind": display(case, "kind"),
        "organisation": case.organisation.name,
        "event_label": display(event, "event_type"),
        "is_new": False,
        "status": str(CaseStatus(event.to_status).label) if event.to_status else "",
        "actor": person_name(event.actor) if event.actor_id else _("hệ thống"),
        "occurred_at": timezone.localtime(event.occurred_at),
        "url": link(path_of("casework:case-detail", case.pk), absolute),
    }

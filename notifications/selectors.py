"""Reads of notifications: a user's own in-app notices (the inbox, the unread count in
the menu). Scoped by recipient in SQL, so someone else's notice is a 404 whatever the URL;
each page of the inbox reads its notices and what they name in one query (the rest of
what rendering needs is loaded once per page by `rendering.RenderContext`)."""
from notifications.models import Channel, Notice

# What a notice names: its escalation, its clock (rule, letter, case, organisation,
# handler), the event and who acted, the letter and where it was received.
# A letter's or case's number carries its unit's symbol: the unit comes with the row.
INBOX_RELATED = ("escalation", "clock__rule", "clock__petition__organisation",
                 "clock__inspection__organisation",
                 "clock__organisation", "clock__assignee", "event__actor",
                 "petition__organisation", "event__inspection__organisation")


def own_notices(*, user):
    return Notice.objects.filter(recipient=user, channel=Channel.IN_APP)


def inbox_notices(*, user):
    """The inbox's rows, newest first."""
    return own_notices(user=user).select_related(*INBOX_RELATED).order_by("-created_at", "-pk")


def unread_count(request):
    """Unread in-app notices of the request's user: one COUNT on the (recipient, channel,
    read_at) index, kept on the request, since a page renders its panels with the request
    too (each render would run the context processor again)."""
    if not hasattr(request, "_unread_notice_count"):
        request._unread_notice_count = own_notices(user=request.user).filter(
            read_at__isnull=True).count()
    return request._unread_notice_count

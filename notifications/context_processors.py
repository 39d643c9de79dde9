"""The unread count in the menu of every page."""
from notifications.models import Channel, Notice


def unread_notices(request):
    """One COUNT on the (recipient, channel, read_at) index, and none for visitors who
    are not logged in (the login page)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notice_count": Notice.objects.filter(
        recipient=user, channel=Channel.IN_APP, read_at__isnull=True).count()}

"""The unread count in the menu of every page."""
from notifications.selectors import unread_count


def unread_notices(request):
    """One COUNT per request (`notifications.selectors.unread_count`), and none for
    visitors who are not logged in (the login page)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notice_count": unread_count(request)}

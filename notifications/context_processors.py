"""The unread count in the menu of every page."""
from notifications.selectors import unread_count


def unread_notices(request):
    """One COUNT per request (`notifications.selectors.unread_count`), and none for
    visitors who are not logged in (the login page)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notice_count": unread_count(request)}


def service_health(request):
    """The banner on the pages of leaders and administrators when the deadline sweep is
    late, a notice has waited too long, or (with a broker) the worker stopped
    (config/health.py). The reading is cached for half a minute per process; whether the
    user is a leader is asked only when something is wrong."""
    from config.health import read_health

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    health = read_health(cached=True)
    if not (health.sweep_stale or health.notices_stale or health.worker_stale):
        return {}
    if not (user.is_staff or user.is_superuser or _is_leader(user)):
        return {}
    return {"service_health": health}


def _is_leader(user):
    from casework.models import RoleAssignment
    from casework.permissions import LEADER

    return RoleAssignment.objects.filter(user=user, role=LEADER).exists()

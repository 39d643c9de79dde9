"""The stale-sweep banner on every page of an administrator (workflows.health). The deadline
overview shows it to everyone who opens it; other users' pages do not pay the lookup."""
from workflows.health import sweep_health as read_sweep_health


def sweep_health(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_staff:
        return {}
    return {"sweep_health": read_sweep_health()}

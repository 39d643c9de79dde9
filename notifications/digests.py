"""The leaders' daily digest: what is overdue in their scope, and what falls due this week.

One notice per leader per day (cause "digest:<date>"), so a second run on the same day,
or a retried task, writes nothing new. Its payload holds the clock ids of both groups as
they stood that morning; the text is rendered from them (notifications/rendering.py).

Only running clocks count: a paused clock (waiting for the sender to supplement the
letter) has no deadline running, and its due date moves when it resumes.
"""
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from casework.models import Role, RoleAssignment
from casework.selectors.scope import under
from notifications.models import NoticeKind
from notifications.outbox import enqueue_dispatch, write_notices
from workflows.models import ClockStatus, DeadlineClock

WINDOW_DAYS = 7


def leader_scopes():
    """{user id: (e-mail, [organisation paths where they are a leader])}, active users."""
    scopes = {}
    rows = (RoleAssignment.objects.filter(role=Role.LEADER, user__is_active=True)
            .values_list("user_id", "user__email", "organisation__path").order_by("user_id"))
    for user_id, email, path in rows:
        scopes.setdefault(user_id, (email, []))[1].append(path)
    return scopes


def clocks_to_report(paths, today):
    """(overdue ids, due-soon ids) of running clocks of the organisations under `paths`,
    in one indexed query, earliest due first."""
    # The clock's own organisation (`casework.selectors.scope`), as on the deadlines page.
    scope = under("organisation__path", paths)
    # A window of a right (the month to appeal a discipline decision) is nobody's work.
    rows = (DeadlineClock.objects.filter(scope, status=ClockStatus.RUNNING, lapses=False,
                                         due_on__lte=today + timedelta(days=WINDOW_DAYS))
            .order_by("due_on", "pk").values_list("pk", "due_on"))
    overdue = [pk for pk, due_on in rows if due_on < today]
    due_soon = [pk for pk, due_on in rows if due_on >= today]
    return overdue, due_soon


@transaction.atomic
def write_daily_digests(today=None):
    """Write today's digest for every leader with something to report; returns how many
    leaders got one. Loops over leaders (a few per committee), never over cases."""
    today = today or timezone.localdate()
    written = emails = 0
    for user_id, (email, paths) in leader_scopes().items():
        overdue, due_soon = clocks_to_report(paths, today)
        if not (overdue or due_soon):
            continue
        emails += write_notices(cause_key=f"digest:{today.isoformat()}",
                                kind=NoticeKind.DIGEST, recipients=[(user_id, email)],
                                payload={"overdue": overdue, "due_soon": due_soon},
                                enqueue=False)
        written += 1
    if emails:
        transaction.on_commit(enqueue_dispatch)
    return written

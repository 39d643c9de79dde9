"""Thời hạn: the open deadline clocks a leader or a clerk may see, overdue first, of
letters and of inspection/supervision cases alike.

Scoped in SQL by `workflows.selectors.clocks_visible` (the clock's own organisation, under
the rules for letters and for cases) and cut short in SQL: one query counts the open
clocks by table (overdue, due within `HORIZON_DAYS`, later, paused), one for each table
reads the ids of its first `ROWS_PER_TABLE` rows, and one more reads those rows with
their relations.
Windows of a right (the month to appeal a discipline decision) are nobody's work to do and
are left out.
"""
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from casework.query_names import unknown_parameters_message
from workflows.clock_filters import ClockFilter
from workflows.health import sweep_health
from workflows.models import ClockStatus, DeadlineClock
from workflows.panels import clock_state, request_calendar
from workflows.selectors import clocks_visible

HORIZON_DAYS = 7
ROWS_PER_TABLE = 100


@login_required
@require_GET
def clock_overview(request):
    today = timezone.localdate()
    horizon = today + timedelta(days=HORIZON_DAYS)
    user = request.user
    visible = clocks_visible(user=user).filter(lapses=False)
    # ?don-vi=, ?loai=, ?nguoi-xu-ly= (the leaders' overview links here with them).
    filters = ClockFilter(request.GET, queryset=visible, user=user)
    if unknown := unknown_parameters_message(request.GET, set(filters.filters)):
        messages.warning(request, unknown)
    if filters.is_valid():
        visible = filters.qs
    # Counted in one pass over the open clocks in scope (each arm of the OR read through
    # its own partial index: running clocks by due date, paused ones), and each table's
    # first rows read apart, in the due-date index's own order, then only those rows with
    # their letter, case, rule and people. Ranked with window functions, the 50,000
    # running clocks of a province were sorted to keep 200 (issue 18).
    running = Q(status=ClockStatus.RUNNING)
    buckets = {True: Q(due_on__lt=today), False: Q(due_on__gte=today, due_on__lte=horizon)}
    counts = (visible.filter(running | Q(status=ClockStatus.PAUSED))
              .aggregate(overdue=Count("pk", filter=running & buckets[True]),
                         soon=Count("pk", filter=running & buckets[False]),
                         later=Count("pk", filter=running & Q(due_on__gt=horizon)),
                         paused=Count("pk", filter=Q(status=ClockStatus.PAUSED))))
    first = [pk for late in (True, False)
             for pk in visible.filter(running & buckets[late]).order_by("due_on", "pk")
             .values_list("pk", flat=True)[:ROWS_PER_TABLE]]
    urgent = (DeadlineClock.objects.filter(pk__in=first)
              .select_related("rule", "petition__organisation", "inspection__organisation",
                              "organisation", "assignee")
              .order_by("due_on", "pk"))
    cal = request_calendar(request)
    tables = {True: [], False: []}
    totals = {True: counts["overdue"], False: counts["soon"]}
    for clock in urgent:
        clock.state = clock_state(clock, today, cal)
        tables[clock.due_on < today].append(clock)
    rest = counts
    rows = tables[True] + tables[False]
    return render(request, "workflows/overview.html", {
        "today": today, "horizon": horizon,
        "tables": [
            {"id": "qua-han", "title": _("Quá hạn"), "rows": tables[True],
             "total": totals[True], "left": _("Quá hạn"),
             "empty": _("Không có thời hạn nào quá hạn.")},
            {"id": "sap-den-han",
             "title": _("Đến hạn trong %(n)s ngày tới") % {"n": HORIZON_DAYS},
             "rows": tables[False], "total": totals[False], "left": _("Còn lại"),
             "empty": _("Không có thời hạn nào đến hạn trong %(n)s ngày tới.")
             % {"n": HORIZON_DAYS}},
        ],
        "later": rest["later"], "paused": rest["paused"], "filters": filters,
        "several_places": len({c.organisation_id for c in rows}) > 1,
        # Deadlines are only as good as the sweep that warns of them.
        "sweep_health": sweep_health(),
    })

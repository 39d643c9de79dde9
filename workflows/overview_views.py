"""Thời hạn: the open deadline clocks a leader or a clerk may see, overdue first, of
letters and of inspection/supervision cases alike.

Scoped in SQL by `workflows.selectors.clocks_visible` (the clock's own organisation, under
the rules for letters and for cases) and cut short in SQL: one query reads the rows of
both tables, at most `ROWS_PER_TABLE` each with each table's full count beside every row
(window functions over the clock table alone), one more reads those rows with their
relations, and one more counts the rest.
Windows of a right (the month to appeal a discipline decision) are nobody's work to do and
are left out.
"""
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q, Window
from django.db.models.functions import RowNumber
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
    overdue = ExpressionWrapper(Q(due_on__lt=today), output_field=BooleanField())
    # Two steps: the window functions rank the clocks in scope on the clock table alone
    # (its organisation joined for the scope, nothing else), then only the rows kept are
    # read with their letter, case, rule and people. Ranked with every relation joined,
    # the sort carried each clock's joined rows: at a province's 50,000 running clocks,
    # the page's slowest query (issue 18).
    ranked = list(visible.filter(status=ClockStatus.RUNNING, due_on__lte=horizon)
                  .annotate(overdue=overdue,
                            rank=Window(RowNumber(), partition_by=[overdue],
                                        order_by=[F("due_on").asc(), F("pk").asc()]),
                            total=Window(Count("pk"), partition_by=[overdue]))
                  .filter(rank__lte=ROWS_PER_TABLE)
                  .values_list("pk", "overdue", "total"))
    kept = {pk: (is_overdue, total) for pk, is_overdue, total in ranked}
    urgent = (DeadlineClock.objects.filter(pk__in=list(kept))
              .select_related("rule", "petition__organisation", "inspection__organisation",
                              "organisation", "assignee")
              .order_by("due_on", "pk"))
    cal = request_calendar(request)
    tables = {True: [], False: []}
    totals = {True: 0, False: 0}
    for clock in urgent:
        clock.overdue, clock.total = kept[clock.pk]
        clock.state = clock_state(clock, today, cal)
        tables[bool(clock.overdue)].append(clock)
        totals[bool(clock.overdue)] = clock.total
    # Each arm of the OR is read through its own partial index (running clocks by due date,
    # paused ones), never the whole clock table.
    rest = (visible.filter(Q(status=ClockStatus.RUNNING, due_on__gt=horizon)
                           | Q(status=ClockStatus.PAUSED))
            .aggregate(later=Count("pk", filter=Q(status=ClockStatus.RUNNING)),
                       paused=Count("pk", filter=Q(status=ClockStatus.PAUSED))))
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

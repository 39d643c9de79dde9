"""/tong-quan/, the leaders' overview, and the site's home, which opens it for a leader.

Thin: the figures come from `workflows.leader_overview`; this view picks the organisation
(?don-vi=CODE among those the user may see; by default the top of their roles), builds the
links each figure leads to and hands the monthly figures to the chart as JSON (json_script:
the page runs no inline script)."""
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from casework.formatting import date_text
from casework.models import Role
from casework.query_names import param, unknown_parameters_message
from casework.selectors.scope import assignments
from workflows import leader_overview as figures
from workflows.models import Unit
from workflows.panels import clock_state, request_calendar


def home(request):
    """The first page after signing in: the overview for whoever holds a leader's role,
    the register for everyone else."""
    user = request.user
    if user.is_authenticated and any(role == Role.LEADER for role, *_rest in assignments(user)):
        return redirect("workflows:leader-overview")
    return redirect("casework:petition-list")


def _query(**params):
    return "?" + urlencode({param(k): v for k, v in params.items() if v not in (None, "")})


class Links:
    """The lists behind the figures: /thoi-han/ filtered by unit, kind and handler (its
    "Quá hạn" and "Đến hạn" tables), and the register filtered by unit and dates."""

    def __init__(self, focus, today):
        self.focus, self.today = focus, today
        self.clocks = reverse("workflows:clock-overview")
        self.register = reverse("casework:petition-list")
        self.jan1 = today.replace(month=1, day=1)

    def deadlines(self, bucket, *, org=None, kind="", handler=""):
        anchor = "#qua-han" if bucket == "overdue" else "#sap-den-han"
        return self.clocks + _query(organisation=(org or self.focus).code, kind=kind,
                                    handler=handler) + anchor

    # The letters' lists name the roll-up (?tong-hop=, the focus): a letter handed on
    # inside the focus's subtree is counted once, at its recipient (leader_overview).
    def received(self, org=None, start=None, end=None):
        return self.register + _query(organisation=(org or self.focus).pk,
                                      received_from=(start or self.jan1).isoformat(),
                                      received_to=(end or self.today).isoformat(),
                                      rollup=self.focus.pk)

    def closed(self, org=None, start=None, end=None):
        return self.register + _query(organisation=(org or self.focus).pk,
                                      closed_from=(start or self.jan1).isoformat(),
                                      closed_to=(end or self.today).isoformat(),
                                      rollup=self.focus.pk)

    def drill(self, org):
        return reverse("workflows:leader-overview") + _query(organisation=org.code)


def _focus(request):
    code = request.GET.get(param("organisation"), "").strip()
    if not code:
        return figures.default_focus(request.user)
    focus = figures.focus_choices(request.user).filter(code=code[:50]).first()
    if focus is None:
        messages.warning(request, _("Đơn vị “%(code)s” không có hoặc bạn không được xem; dưới "
                                    "đây là số liệu của đơn vị bạn phụ trách.")
                         % {"code": code[:50]})
        return figures.default_focus(request.user)
    return focus


def _breadcrumb(user, focus):
    """The organisations from the top of the user's scope down to the focus: one query."""
    ids = focus.ancestor_ids()[:-1]
    above = {org.pk: org for org in figures.focus_choices(user).filter(pk__in=ids)}
    return [above[pk] for pk in ids if pk in above]


@login_required
@require_GET
def leader_overview(request):
    user = request.user
    if unknown := unknown_parameters_message(request.GET, {param("organisation")}):
        messages.warning(request, unknown)
    focus = _focus(request)
    if focus is None:
        raise PermissionDenied(_("Bạn chưa được phân quyền ở tổ chức nào."))
    today = timezone.localdate()
    data = figures.overview(user=user, focus=focus, today=today)
    links = Links(focus, today)
    for row in [*data["units"], data["total"]]:
        org = row.organisation
        row.urls = {
            "overdue_letters": links.deadlines("overdue", org=org, kind=figures.LETTERS),
            "overdue_cases": links.deadlines("overdue", org=org, kind=figures.CASES),
            "soon_letters": links.deadlines("soon", org=org, kind=figures.LETTERS),
            "soon_cases": links.deadlines("soon", org=org, kind=figures.CASES),
            "received": links.received(org), "closed": links.closed(org),
            "drill": links.drill(org),
        }
    for _code, _label, counts in data["kinds"]:
        counts.urls = {bucket: links.deadlines(bucket, kind=_code)
                       for bucket in ("overdue", "soon")}
    for handler in data["handlers"]:
        who = handler.user_id or figures.UNASSIGNED
        handler.urls = {bucket: links.deadlines(bucket, handler=who)
                        for bucket in ("overdue", "soon")}
    cal = request_calendar(request)
    for clock in data["most_overdue"]:
        clock.state = clock_state(clock, today, cal)
        clock.days_late = (today - clock.due_on).days
        # A working-day rule's own count ("quá hạn 238 ngày làm việc") is said beside it.
        clock.working_days = clock.rule.counting_unit != Unit.CALENDAR
    months = [{"start": start, "end": end, "received": received, "closed": closed,
               "label": start.strftime("%m/%Y"),
               "received_url": links.received(start=start, end=end),
               "closed_url": links.closed(start=start, end=end)}
              for start, end, received, closed in data["months"]]
    chart = {"labels": [m["label"] for m in months],
             "received": [m["received"] for m in months],
             "closed": [m["closed"] for m in months],
             "received_label": _("Đơn nhận"), "closed_label": _("Đơn kết thúc")}
    return render(request, "workflows/leader_overview.html", {
        **data, "focus": focus, "today": today, "links": links, "months": months,
        "chart": chart, "breadcrumb": _breadcrumb(user, focus),
        "definition": figures.ON_TIME_DEFINITION, "since": date_text(links.jan1),
        "horizon_days": figures.HORIZON_DAYS,
    })

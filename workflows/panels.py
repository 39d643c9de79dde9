"""The "Thời hạn xử lý" section of the case page, and the words used for a clock on every
page that shows one (the case page, the action pages, the overview).

Read-only: a clock's dates come from its row, which the services keep current, and its
explanation from `compute` on its ledger, so the page says exactly how the date was
obtained. Who may pause, resume or extend is decided by the same checks the services make;
the buttons only spare people a form that would be refused.
"""
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework.formatting import count_text, date_text
from casework.models import EventType, InspectionCase
from casework.permissions import roles_at
from workflows.calendar import get_calendar, weekday_name
from workflows.models import ClockEntry, ClockStatus, DeadlineClock, Unit
from workflows.services.clocks import compute, days_left, may_follow_up_clock

# A clock with this many days left (in its own unit) or fewer is shown as urgent.
URGENT_DAYS = 2

ACTION_LABELS = {
    "pause": gettext_lazy("Tạm dừng"),
    "resume": gettext_lazy("Tính tiếp"),
    "extend": gettext_lazy("Gia hạn"),
}
ACTION_URLS = {"pause": "workflows:clock-pause", "resume": "workflows:clock-resume",
               "extend": "workflows:clock-extend"}


def request_calendar(request):
    """One calendar per request: `get_calendar` costs a query each time it is asked."""
    cal = getattr(request, "_workflows_calendar", None)
    if cal is None:
        cal = request._workflows_calendar = get_calendar()
    return cal


def unit_count(rule, n):
    """"03 ngày làm việc", "15 ngày": office prose writes counts below ten with a zero."""
    return _("%(n)s %(unit)s") % {"n": count_text(n), "unit": Unit(rule.counting_unit).label}


def day_with_weekday(d: date) -> str:
    return _("%(weekday)s, %(date)s") % {"weekday": weekday_name(d), "date": date_text(d)}


@dataclass
class ClockState:
    """How a clock stands today, in words first: the colour only repeats `flag`."""

    level: str  # overdue | soon | ok | paused | met | late | lapsed
    flag: str  # a word that reads in black-and-white print
    text: str  # "còn 03 ngày làm việc", "quá hạn 02 ngày", "đúng hạn", ...
    days: int | None = None  # days left (negative: overdue), in the rule's unit


def _event_labels(codes):
    labels = []
    for code in codes:
        try:
            labels.append(str(EventType(code).label).lower())
        except ValueError:
            labels.append(code)
    return ", ".join(labels)


def clock_state(clock, today, cal):
    rule = clock.rule
    if clock.status == ClockStatus.LAPSED:
        # Not late: nobody had to act (the subject did not appeal within the month). The
        # first stop event of a right's rule is the one exercising it; the others end the
        # window otherwise (a late first-instance decision replaces it).
        return ClockState("lapsed", _("Hết thời hạn"),
                          _("không có %(what)s trong thời hạn")
                          % {"what": _event_labels(rule.stop_events[:1])})
    if clock.status == ClockStatus.STOPPED:
        if clock.due_on is None or clock.stopped_on is None or clock.stopped_on <= clock.due_on:
            return ClockState("met", _("Đã kết thúc"), _("đúng hạn"))
        late = -days_left(clock, today=clock.stopped_on, cal=cal)
        # A working-day clock stopped on the weekend after its due date is late by no
        # working day, but it is still late.
        text = (_("trễ %(days)s") % {"days": unit_count(rule, late)} if late > 0
                else _("trễ hạn"))
        return ClockState("late", _("Đã kết thúc"), text)
    if clock.status == ClockStatus.PAUSED or clock.due_on is None:
        text = (_("tạm dừng từ %(day)s") % {"day": date_text(clock.paused_on)} if clock.paused_on
                else _("tạm dừng"))
        return ClockState("paused", _("Tạm dừng"), text)
    n = days_left(clock, today=today, cal=cal)
    if clock.due_on < today:
        # On a weekend right after a working-day due date no working day has passed yet.
        text = _("quá hạn %(days)s") % {"days": unit_count(rule, -n)} if n < 0 else _("quá hạn")
        return ClockState("overdue", _("Quá hạn"), text, n)
    if clock.due_on == today:
        return ClockState("soon", _("Đến hạn"), _("đến hạn hôm nay"), 0)
    text = _("còn %(days)s") % {"days": unit_count(rule, n)}
    if n <= URGENT_DAYS:
        return ClockState("soon", _("Sắp đến hạn"), text, n)
    return ClockState("ok", _("Trong hạn"), text, n)


def may_decide_extension(user, organisation, rule):
    """Only the roles named in the rule decide a gia hạn (as in `clock_extend`)."""
    return user.is_superuser or bool(roles_at(user, organisation)
                                     & set(rule.extension_decided_by))


def extension_caps(rule, used):
    if not rule.max_extensions:
        return _("Quy tắc này không cho phép gia hạn.")
    return _("Gia hạn tối đa %(max)s lần, mỗi lần không quá %(each)s; đã gia hạn %(used)s "
             "lần.") % {"max": rule.max_extensions, "each": unit_count(rule, rule.extension_length),
                        "used": used}


ROLE_REFUSAL = gettext_lazy("Vai trò của bạn không được phép thực hiện thao tác này "
                            "đối với thời hạn này.")


def role_allows(user, clock, organisation, action):
    if action == "extend":
        return may_decide_extension(user, organisation, clock.rule)
    return may_follow_up_clock(user, clock, organisation)


def refusal(user, clock, organisation, action):
    """Why `action` cannot be taken on this clock now, or None. The same checks, in the
    same order, as the services, which stay the judge when the form is posted."""
    if not role_allows(user, clock, organisation, action):
        return ROLE_REFUSAL
    if not clock.is_open:
        return _("Thời hạn này đã kết thúc.")
    if action == "pause" and clock.status == ClockStatus.PAUSED:
        return _("Thời hạn này đang tạm dừng.")
    if action == "resume" and clock.status != ClockStatus.PAUSED:
        return _("Thời hạn này không tạm dừng.")
    if action == "extend" and clock.extensions_used >= clock.rule.max_extensions:
        rule = clock.rule
        if not rule.max_extensions:
            return _("Quy tắc “%(rule)s” không cho phép gia hạn.") % {"rule": rule}
        return (_("Quy tắc “%(rule)s” chỉ cho phép gia hạn tối đa %(max)s lần; thời hạn này "
                  "đã gia hạn %(used)s lần.") % {"rule": rule, "max": rule.max_extensions,
                                                 "used": clock.extensions_used})
    return None


@dataclass
class ClockView:
    clock: DeadlineClock
    state: ClockState
    due_text: str
    lines: list
    calendar_lines: list = field(default_factory=list)
    conclusion: str = ""
    note: str = ""
    entries: list = field(default_factory=list)
    actions: list = field(default_factory=list)
    caps: str = ""


def describe(clock, *, user, organisation, today, cal, entries=None):
    entries = list(clock.entries.all()) if entries is None else entries
    computation = compute(clock, entries=entries, cal=cal)
    view = ClockView(
        clock=clock, state=clock_state(clock, today, cal),
        due_text=day_with_weekday(clock.due_on) if clock.due_on else "",
        lines=computation.lines, entries=entries,
        caps=extension_caps(clock.rule, clock.extensions_used) if clock.rule.max_extensions
        else "")
    if computation.due_on is not None and computation.due_on != clock.due_on:
        # Only an ended clock can differ (open ones are recomputed on every calendar edit):
        # it keeps the date it had when it ended.
        view.note = _("Lịch ngày nghỉ đã sửa sau khi thời hạn kết thúc; tính theo lịch hiện "
                      "nay hạn sẽ là %(due)s, nhưng hạn được giữ như lúc kết thúc.") % {
            "due": date_text(computation.due_on)}
    elif computation.due_on is not None and computation.calendar_explanation is not None:
        # The calendar's reasoning goes before compute's last line ("Hạn: …"), which
        # concludes it.
        view.calendar_lines = computation.calendar_explanation.lines()
        view.lines, view.conclusion = computation.lines[:-1], computation.lines[-1]
    view.actions = [
        (str(ACTION_LABELS[name]), reverse(ACTION_URLS[name], args=[clock.pk]))
        for name in ("pause", "resume", "extend")
        if refusal(user, clock, organisation, name) is None]
    return view


def clock_panel(request, record):
    """The deadline section of a letter's page or of an inspection/supervision case's page
    (registered with casework.panels, which calls it with either): open clocks first, most
    urgent first, then the ones that ended. Three queries whatever the number of clocks
    (clocks with their rules, ledgers with their authors, the calendar version) and one for
    the user's roles."""
    if isinstance(record, InspectionCase):
        return case_clock_panel(request, record)
    return _panel(request, record, DeadlineClock.objects.filter(petition=record),
                  record.organisation)


def case_clock_panel(request, case):
    """The "Thời hạn" section of an inspection or supervision case's page: every step's
    clock, the decision's own end date and the appeal month."""
    clocks = DeadlineClock.objects.filter(inspection=case)
    return _panel(request, case, clocks, case.organisation)


def _panel(request, record, clocks, organisation):
    clocks = list(
        clocks.select_related("rule")
        .prefetch_related(Prefetch("entries",
                                   queryset=ClockEntry.objects.select_related("actor"))))
    if not clocks:
        return ""
    if isinstance(record, InspectionCase):
        for clock in clocks:
            clock.inspection = record  # compute reads the decision's end date from it
    cal = request_calendar(request)
    today = timezone.localdate()
    clocks.sort(key=lambda c: (not c.is_open,
                               c.due_on or date.max if c.is_open else date.max,
                               -(c.stopped_on or date.min).toordinal(), c.pk))
    views = [describe(c, user=request.user, organisation=organisation, today=today,
                      cal=cal, entries=list(c.entries.all())) for c in clocks]
    return render_to_string("workflows/_clock_panel.html", {
        "record": record, "clocks": views,
        "open_count": sum(1 for v in views if v.clock.is_open),
    }, request=request)

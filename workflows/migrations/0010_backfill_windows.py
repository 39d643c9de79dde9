"""Create the clocks that resolving a letter starts, for letters resolved since 1/7/2026 before
the rules that start them were installed (issue 17).

Resolving a letter starts, since issue 17, two clocks that the letters resolved before it
never got (0009 only recomputed clocks that were running):

- a first-instance complaint: the complainant's window to file the second complaint, 30
  days (45 where the organisation is in a remote area) from the day the decision was
  received, else from the decision's date (Luật Khiếu nại Điều 33(1)) — a right that lapses;
- a letter forwarded by another body: reporting the result back to that body within 07
  working days of resolving it (Luật Tiếp công dân Điều 27(2)) — a duty, with its ladder.

Which letters, decided here:
- resolved (their latest "resolved" event, on its document's date) on or after 1/7/2026,
  the date from which the corrected rules apply (0009 uses the same line);
- without a clock of that step already (so running this twice creates nothing);
- where the event that ends the clock has not happened: no second complaint recorded on the
  first one; no report-back recorded;
- where the period has not passed today: a window that already closed would only be
  created to be marked "lapsed", and a report-back already overdue would fire an
  "overdue" notice for work nobody was told to do. Those are left as they are.
Each clock created gets one START ledger line saying why it was created late, and from
which day and rule it counts. Nothing else changes: no other clock, event or letter is
written to, and no notice is sent (the ladder of a report-back clock tells its handler in
due course, as for any new clock).

The window counted from the end of a first-instance period that passed without a decision
needs no backfill: the sweep starts it from the running resolution clock (workflows.sweep).

Self-contained on purpose (historical models, the `holidays` package and the override
table; no imports of the project's code): the rule rows below are a frozen copy of
`workflows.default_rules` as of this migration, and a test holds them equal.
"""
from datetime import date, timedelta

import holidays
from django.db import migrations
from django.utils import timezone

JULY = date(2026, 7, 1)
LUAT_KHIEU_NAI = "Luật Khiếu nại số 02/2011/QH13"

WINDOW = dict(procedure="complaint", step="second_window", start_event="resolved",
              stop_events=["second_complaint"], unit="calendar",
              counted_from="decision_received", lapses=True, warn_days_before=0,
              reminder_every_days=0, legal_basis="Luật Khiếu nại 2011, Điều 33 khoản 1",
              source_article="Điều 33 khoản 1", source_title=LUAT_KHIEU_NAI,
              source_date=date(2011, 11, 11), confirmed=True)
RULES = {
    "khieu-nai-thoi-han-lan-hai": dict(
        WINDOW, length=30, effective_from=date(2012, 7, 1),
        note="Quyền của người khiếu nại: hết thời hạn mà không có đơn lần hai thì thời hạn "
             "kết thúc là “hết thời hạn”, không phải quá hạn."),
    "khieu-nai-thoi-han-lan-hai-vung-xa": dict(
        WINDOW, length=45, effective_from=date(2012, 7, 1), start_condition="remote_area",
        note="Vùng sâu, vùng xa: 45 ngày."),
    "don-bao-cao-ket-qua": dict(
        procedure="petition", step="report_back", start_event="resolved",
        start_condition="forwarded", stop_events=["reported_back"], length=7,
        unit="working", legal_basis="Luật Tiếp công dân 2013, Điều 27 khoản 2",
        effective_from=date(2014, 7, 1), source_article="Điều 27 khoản 2",
        source_title="Luật Tiếp công dân số 42/2013/QH13", source_date=date(2013, 11, 25),
        confirmed=True,
        note="Đơn do cơ quan khác chuyển đến: báo cáo kết quả cho cơ quan đã chuyển trong "
             "07 ngày làm việc kể từ khi giải quyết xong."),
}


class Calendar:
    """Working days as `workflows.calendar` counts them: Monday to Friday, less the public
    holidays of `holidays.VN`, with the override table having the last word. Counting
    starts the day after the start; a count of days ending on a day off moves on."""

    def __init__(self, overrides):
        self.overrides = overrides
        self.off = holidays.VN(years=range(2025, 2031))

    def working(self, d):
        if d in self.overrides:
            return self.overrides[d]
        return d.weekday() < 5 and d not in self.off

    def add_working(self, d, n):
        while n > 0:
            d += timedelta(days=1)
            n -= self.working(d)
        return d

    def subtract_working(self, d, n):
        while n > 0:
            d -= timedelta(days=1)
            n -= self.working(d)
        return d

    def due(self, start, n, unit):
        if unit == "working":
            return self.add_working(start, n)
        d = start + timedelta(days=n)
        while not self.working(d):
            d += timedelta(days=1)
        return d


def fmt(d):
    return d.strftime("%d/%m/%Y")


def _rule(Rule, code):
    data = dict(RULES[code])
    rule, _ = Rule.objects.get_or_create(code=code, effective_from=data.pop("effective_from"),
                                         defaults=data)
    return rule


def _in_force(Rule, code, on):
    """The latest version of `code` in force on `on` (a later version, if the administrator
    added one, wins as in rule selection)."""
    return (Rule.objects.filter(code=code, effective_from__lte=on)
            .order_by("-effective_from", "-id").first())


def backfill(apps, schema_editor):
    Rule = apps.get_model("workflows", "DeadlineRule")
    Clock = apps.get_model("workflows", "DeadlineClock")
    Entry = apps.get_model("workflows", "ClockEntry")
    Event = apps.get_model("casework", "CaseEvent")
    Override = apps.get_model("workflows", "CalendarOverride")
    for code in RULES:
        _rule(Rule, code)
    cal = Calendar(dict(Override.objects.values_list("day", "is_working_day")))
    today = timezone.localdate()

    def day_of(event):  # as the clock service dates an event: its document, else its day
        return event.doc_date or timezone.localdate(event.occurred_at)

    latest = {}  # petition id -> its latest "resolved" event
    for event in (Event.objects.select_related("petition__organisation")
                  .filter(event_type="resolved", petition__isnull=False)
                  .order_by("petition_id", "occurred_at", "id")):
        latest[event.petition_id] = event
    for event in latest.values():
        resolved_on, petition = day_of(event), event.petition
        if resolved_on < JULY:
            continue
        happened = set(Event.objects.filter(petition=petition)
                       .values_list("event_type", flat=True))
        steps = set(Clock.objects.filter(petition=petition).values_list("rule__step", flat=True))
        if (petition.kind == "complaint" and petition.instance == 1
                and "second_window" not in steps and "second_complaint" not in happened):
            code = ("khieu-nai-thoi-han-lan-hai-vung-xa" if petition.organisation.remote_area
                    else "khieu-nai-thoi-han-lan-hai")
            delivered = (event.details or {}).get("delivered_on")
            start = date.fromisoformat(delivered) if delivered else resolved_on
            what = ("ngày nhận quyết định giải quyết lần đầu" if delivered else
                    "ngày quyết định giải quyết lần đầu; không ghi ngày người khiếu nại nhận")
            _create(Clock, Entry, cal, today, _in_force(Rule, code, start), event, start,
                    f"Thời hạn khiếu nại lần hai tính từ ngày {fmt(start)} ({what})")
        if (petition.channel == "forwarded" and "report_back" not in steps
                and "reported_back" not in happened):
            _create(Clock, Entry, cal, today,
                    _in_force(Rule, "don-bao-cao-ket-qua", resolved_on), event, resolved_on,
                    "Báo cáo kết quả cho cơ quan đã chuyển đơn, tính từ ngày giải quyết xong "
                    f"{fmt(resolved_on)}")


def _create(Clock, Entry, cal, today, rule, event, start, what):
    """The clock, as the clock service starts one, if its period has not passed today."""
    due = cal.due(start, rule.length, rule.unit)
    if due < today:
        return None
    petition = event.petition
    clock = Clock(rule=rule, petition=petition, organisation=petition.organisation,
                  assignee=event.actor, start_event=event, started_on=start, due_on=due,
                  lapses=rule.lapses, status="running", cycle=0, last_rung=-1)
    if not rule.lapses:
        clock.warn_on = (cal.subtract_working(due, rule.warn_days_before)
                         if rule.warn_days_before else None)
        clock.overdue_on = cal.add_working(due, rule.overdue_days_after)
        clock.reminder_every = rule.reminder_every_days
        clock.next_escalation_on = clock.warn_on or due
    clock.save()
    Entry.objects.create(
        clock=clock, kind="start", on=start, due_after=due,
        reason=f"{what}; tạo bổ sung ngày {fmt(today)} vì đơn được giải quyết xong ngày "
               f"{fmt(event.doc_date or timezone.localdate(event.occurred_at))}, trước khi "
               f"có quy tắc “{rule.legal_basis}” trong phần mềm; hạn {fmt(due)}.")
    return clock


class Migration(migrations.Migration):

    dependencies = [
        ("workflows", "0010_elapsed_start"),
        ("casework", "0008_complaint_instance_remote_area"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]

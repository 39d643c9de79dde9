"""Recompute the running clocks of letters received since 1/7/2026 under the corrected rules.

The check of the rules against the statutes (issue 17) found that from 1/7/2026 a complaint
is accepted (thụ lý) in 07 working days, not 10 days (NĐ 155/2026 Điều 10), and that some
rules counted from the wrong day. Those corrections are new rule versions effective
1/7/2026; this migration installs them (the post-migrate install would come too late for
it) and moves every open clock of a letter received since then from the version it started
under onto the corrected one:

- its due date, warning and escalation dates are recomputed from the corrected rule, its
  start day (the receipt where the rule now counts from it) and its own ledger (pauses,
  extensions), on the working-day calendar;
- one ledger line (kind "rule") says which rule and why, with the old and new due dates;
- the handler (the clock's assignee) gets a notice when the due date moved.

Nothing else changes: closed clocks, clocks of letters received before 1/7/2026 and clocks
of inspection cases keep their rule and dates. Paused clocks are moved onto the new rule;
their due date is computed when they resume, as for any paused clock.

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
ND_155 = "Nghị định 155/2026/NĐ-CP (sửa đổi Nghị định 124/2020/NĐ-CP)"
LUAT_TO_CAO = "Luật Tố cáo số 25/2018/QH14"
CLOSING = ["resolved", "withdrawn", "filed"]
ROUTED = ["classified", "accepted", "transferred", "guided"] + CLOSING
COMPLEX_NOTE = ("Gia hạn chỉ khi vụ việc phức tạp, ghi nhận bằng văn bản (Nghị định "
                "155/2026/NĐ-CP Điều 3a); quyết định tạm đình chỉ dừng tính thời hạn, tính "
                "tiếp từ ngày có quyết định tiếp tục giải quyết.")

# The versions of 1/7/2026 that replace a version a letter's clock may have started under,
# with the reason written in the ledger of each clock moved onto it.
RULES = [
    (dict(code="khieu-nai-thu-ly", procedure="complaint", step="accept",
          start_event="received", stop_events=["accepted", "transferred", "guided"] + CLOSING,
          length=7, unit="working",
          legal_basis="Luật Khiếu nại 2011, Điều 27; Nghị định 155/2026/NĐ-CP",
          source_article="Điều 27 (Luật Khiếu nại); Điều 10, sửa Điều 16 khoản 1 Nghị định "
                         "124/2020/NĐ-CP (Nghị định 155)",
          source_title=f"{LUAT_KHIEU_NAI}; {ND_155}", source_date=date(2011, 11, 11),
          confirmed=True, note="07 ngày làm việc kể từ ngày nhận đơn (từ 01/07/2026)."),
     "Thụ lý khiếu nại: từ 01/07/2026 là 07 ngày làm việc kể từ ngày nhận đơn (Nghị định "
     "155/2026/NĐ-CP Điều 10), không còn 10 ngày."),
    (dict(code="khieu-nai-giai-quyet-lan-dau", procedure="complaint", step="resolve",
          start_event="accepted", stop_events=CLOSING, length=30, unit="calendar",
          max_extensions=1, extension_length=15, extension_decided_by=["leader", "ubkt"],
          legal_basis="Luật Khiếu nại 2011, Điều 28; Nghị định 155/2026/NĐ-CP",
          source_article="Điều 28 (Luật Khiếu nại); Điều 3a (Nghị định 155)",
          source_title=f"{LUAT_KHIEU_NAI}; {ND_155}", source_date=date(2011, 11, 11),
          confirmed=True, extension_needs_complex=True, may_suspend=True, note=COMPLEX_NOTE),
     "Giải quyết khiếu nại lần đầu: từ 01/07/2026 gia hạn chỉ khi vụ việc phức tạp ghi nhận "
     "bằng văn bản, có tạm đình chỉ (Nghị định 155/2026/NĐ-CP); thời hạn 30 ngày giữ nguyên."),
    (dict(code="to-cao-phan-loai", procedure="denunciation", step="classify",
          start_event="received", stop_events=ROUTED, length=7, unit="working",
          max_extensions=1, extension_length=3, extension_decided_by=["leader", "ubkt"],
          legal_basis="Luật Tố cáo 2018, Điều 24 khoản 1", source_article="Điều 24 khoản 1",
          source_title=LUAT_TO_CAO, source_date=date(2018, 6, 12), confirmed=True,
          note="Kéo dài đến 10 ngày làm việc khi phải kiểm tra, xác minh ở nhiều địa điểm "
               "hoặc khi ủy quyền, giao cơ quan, tổ chức, cá nhân khác kiểm tra, xác minh."),
     "Thụ lý tố cáo: đã đối chiếu Luật Tố cáo Điều 24 khoản 1; được kéo dài đến 10 ngày làm "
     "việc cả khi ủy quyền kiểm tra, xác minh; thời hạn 07 ngày làm việc giữ nguyên."),
    (dict(code="to-cao-chuyen-don", procedure="denunciation", step="transfer",
          start_event="classified", start_condition="competence_other",
          counted_from="received", stop_events=["transferred", "guided"] + CLOSING, length=5,
          unit="working", legal_basis="Luật Tố cáo 2018, Điều 24 khoản 2",
          source_article="Điều 24 khoản 2", source_title=LUAT_TO_CAO,
          source_date=date(2018, 6, 12), confirmed=True,
          note="05 ngày làm việc kể từ ngày nhận đơn (bắt đầu theo dõi khi phân loại là "
               "không thuộc thẩm quyền)."),
     "Chuyển đơn tố cáo không thuộc thẩm quyền: 05 ngày làm việc tính từ ngày nhận đơn, "
     "không phải từ ngày phân loại (Luật Tố cáo Điều 24 khoản 2)."),
    (dict(code="to-cao-dang-vien-giai-quyet", procedure="denunciation_member", step="resolve",
          start_event="accepted", counted_from="received", stop_events=CLOSING, length=90,
          unit="working", max_extensions=1, extension_length=30,
          extension_decided_by=["leader", "ubkt"],
          legal_basis="Quy định 296-QĐ/TW; Hướng dẫn 08-HD/TW",
          source_article="Quy định 296-QĐ/TW; Hướng dẫn 08-HD/TW",
          source_title="Quy định 296-QĐ/TW", source_date=date(2025, 5, 30), confirmed=False,
          note="Tính từ ngày cơ quan đảng có thẩm quyền nhận đơn; số ngày chưa xác nhận."),
     "Giải quyết tố cáo đảng viên: tính từ ngày cơ quan đảng có thẩm quyền nhận đơn, không "
     "phải từ ngày thụ lý."),
]


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

    def next_working(self, d):
        while not self.working(d):
            d += timedelta(days=1)
        return d

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

    def between(self, a, b):
        """Working days d with a < d <= b."""
        return sum(self.working(a + timedelta(days=i)) for i in range(1, (b - a).days + 1))

    def due(self, start, n, unit):
        if unit == "working":
            return self.add_working(start, n)
        return self.next_working(start + timedelta(days=n))


def _due(clock, rule, start, entries, cal):
    """The due date under `rule` from `start` with the clock's ledger; None while paused."""
    total, paused = rule.length, None
    for entry in entries:
        if entry.kind == "extend":
            total += entry.days
        elif entry.kind in ("pause", "suspend"):
            paused = entry.on
        elif entry.kind == "resume" and paused is not None:
            total += (cal.between(paused, entry.on) if rule.unit == "working"
                      else (entry.on - paused).days)
            paused = None
    return None if paused is not None else cal.due(start, total, rule.unit)


def fmt(d):
    return d.strftime("%d/%m/%Y") if d else "—"


def recompute(apps, schema_editor):
    Rule = apps.get_model("workflows", "DeadlineRule")
    Clock = apps.get_model("workflows", "DeadlineClock")
    Entry = apps.get_model("workflows", "ClockEntry")
    Override = apps.get_model("workflows", "CalendarOverride")
    Notice = apps.get_model("notifications", "Notice")
    cal = Calendar(dict(Override.objects.values_list("day", "is_working_day")))
    today = timezone.localdate()
    now = timezone.now()
    for data, why in RULES:
        data = dict(data)
        new, _ = Rule.objects.get_or_create(code=data.pop("code"), effective_from=JULY,
                                            defaults=data)
        clocks = (Clock.objects.select_related("rule", "petition", "assignee")
                  .filter(rule__code=new.code, rule__effective_from__lt=JULY,
                          status__in=("running", "paused"), petition__isnull=False,
                          petition__received_on__gte=JULY)
                  .order_by("id"))
        for clock in clocks:
            old_rule, before = clock.rule, clock.due_on
            entries = list(Entry.objects.filter(clock=clock).order_by("recorded_at", "id"))
            if new.counted_from == "received":
                clock.started_on = clock.petition.received_on
            clock.rule = new
            due = _due(clock, new, clock.started_on, entries, cal)
            if clock.status == "running":
                if due != before:
                    clock.cycle += 1
                    clock.last_rung = -1
                clock.due_on = due
                clock.warn_on = (cal.subtract_working(due, new.warn_days_before)
                                 if new.warn_days_before else None)
                clock.overdue_on = cal.add_working(due, new.overdue_days_after)
                clock.reminder_every = new.reminder_every_days
                rung = clock.last_rung
                clock.next_escalation_on = (
                    (clock.warn_on or due) if rung < 0 else due if rung == 0
                    else clock.overdue_on if rung == 1
                    else (clock.overdue_on + timedelta(days=(rung - 1) * clock.reminder_every)
                          if clock.reminder_every else None))
            clock.save()
            if clock.status == "paused":
                outcome = "đang tạm dừng: hạn được tính khi tính tiếp"
            elif clock.due_on == before:
                outcome = f"hạn không đổi ({fmt(before)})"
            else:
                outcome = f"hạn {fmt(before)} → {fmt(clock.due_on)}"
            entry = Entry.objects.create(
                clock=clock, kind="rule", on=today, due_before=before, due_after=clock.due_on,
                reason=f"{why} Quy tắc áp dụng từ {fmt(new.effective_from)} thay quy tắc áp "
                       f"dụng từ {fmt(old_rule.effective_from)}; {outcome}.")
            user = clock.assignee
            if clock.due_on != before and user is not None and user.is_active:
                fields = dict(kind="moved", clock=clock, petition=clock.petition,
                              payload={"entry": entry.pk, "before": fmt(before),
                                       "after": fmt(clock.due_on)})
                key = dict(cause_key=f"moved:{entry.pk}", recipient=user)
                Notice.objects.get_or_create(**key, channel="in_app", defaults={
                    **fields, "status": "sent", "sent_at": now})
                if user.email:
                    # Sent by the periodic dispatch, like any pending e-mail notice.
                    Notice.objects.get_or_create(**key, channel="email", defaults={
                        **fields, "status": "pending"})


class Migration(migrations.Migration):

    dependencies = [
        ("workflows", "0007_sweep_heartbeat"),
        ("casework", "0008_complaint_instance_remote_area"),
        ("notifications", "0005_deadline_moved_notice"),
    ]

    operations = [migrations.RunPython(recompute, migrations.RunPython.noop)]

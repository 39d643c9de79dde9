"""`manage.py load_demo_deadlines`: letters of the current year whose clocks are live today,
placed backwards from "today" on the working-day calendar. Each test travels to a day, runs
`load_demo` then `load_demo_deadlines`, and checks the clocks (dates worked out by hand in the
comments; 2026: Tết off 16–20/02 with the weekends 14–22/02, 02/01 off, Saturday 10/01
worked)."""
import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from casework.errors import ActionRefused
from casework.models import CaseEvent, Organisation, Petition, PetitionStatus
from workflows import demo
from workflows.calendar import get_calendar
from workflows.models import ClockEntry, ClockStatus, DeadlineClock
from workflows.services import clocks as clock_services

D = dt.date
HANOI = dt.timezone(dt.timedelta(hours=7))
pytestmark = pytest.mark.django_db


def at(day, hour=9):
    return dt.datetime.combine(day, dt.time(hour), tzinfo=HANOI)


def run(command):
    out = StringIO()
    call_command(command, stdout=out, stderr=StringIO())
    return out.getvalue()


def load_both(day, hour=9):
    with time_machine.travel(at(day, hour), tick=False):
        run("load_demo")
        return run("load_demo_deadlines")


def letters(year=2026):
    orgs = {o.code: o for o in Organisation.objects.filter(code__in=demo.ORG_CODES)}
    return demo.existing_letters(year, orgs)


def clock(petition, step):
    return (DeadlineClock.objects.select_related("rule")
            .get(petition=petition, rule__step=step, status__in=["running", "paused"]))


def counts():
    return {m.__name__: m.objects.count()
            for m in (Petition, CaseEvent, DeadlineClock, ClockEntry)}


def assert_histories_on_working_days(found, year=2026):
    cal = get_calendar()
    for petition in found.values():
        assert petition.receipt_year == year and petition.received_on.year == year
        for event in petition.events.all():
            day = dt.datetime.fromtimestamp(event.occurred_at.timestamp(), HANOI).date()
            assert day.year == year and cal.is_working_day(day), (petition.summary[:30], day)
            assert event.doc_date is None or cal.is_working_day(event.doc_date)
        for entry in ClockEntry.objects.filter(clock__petition=petition, kind__in=["pause",
                                                                                  "extend"]):
            assert cal.is_working_day(entry.on)


def assert_fresh(found, today, received):
    p = found["moi-nhan"]
    assert p.received_on == received and p.status == PetitionStatus.RECEIVED
    c = clock(p, "classify")
    left = clock_services.days_left(c, today=today)
    assert c.status == ClockStatus.RUNNING and left >= 9
    assert clock(p, "answer").due_on > today  # a kiến nghị: its 15-day answer clock too


def assert_extended(found, today, *, accepted=None):
    p = found["to-cao-da-gia-han"]
    assert p.status == PetitionStatus.ACCEPTED and p.organisation.code == "ubkt"
    c = clock(p, "resolve")
    assert c.rule.code == "to-cao-giai-quyet"
    assert 30 <= (today - c.started_on).days <= 42  # about five weeks ago
    if accepted:
        assert c.started_on == accepted
    (entry,) = c.entries.filter(kind="extend")
    assert entry.decision_number.endswith("-QĐ/UBKT") and entry.reason
    assert c.started_on < entry.decision_date < today and entry.actor.username == "lanhdao"
    # Decided before the 30 days ran out, for at most 30 more days.
    assert entry.decision_date <= get_calendar().add_calendar_days(c.started_on, 30)
    assert 1 <= entry.days <= 30 and c.extensions_used == 1
    assert 3 <= get_calendar().working_days_between(today, c.due_on) <= 5
    return c


def assert_paused(found, today):
    p = found["khieu-nai-tam-dung"]
    c = clock(p, "resolve")
    assert c.status == ClockStatus.PAUSED and c.due_on is None and c.paused_on <= today
    assert "bổ sung" in c.entries.get(kind="pause").reason
    # The thụ lý clock ended in time.
    accept = DeadlineClock.objects.get(petition=p, rule__step="accept")
    assert accept.status == ClockStatus.STOPPED and accept.stopped_on <= accept.due_on


def assert_overdue(found, today):
    p = found["da-chuyen-qua-han-don-doc"]
    assert p.status == PetitionStatus.TRANSFERRED and p.forwarded_by
    c = clock(p, "chase")
    assert c.status == ClockStatus.RUNNING and c.due_on < today and c.overdue_on <= today
    assert not p.events.filter(event_type="followed_up").exists()
    return c


def test_a_normal_wednesday_shows_every_state():
    today = D(2026, 4, 15)
    output = load_both(today)
    found = letters()
    assert len(found) == 5
    assert "Đã tạo 05 đơn năm 2026 có thời hạn đang chạy (hôm nay Thứ Tư, 15/04/2026):" in output
    assert "Chưa đạt" not in output and "Không tạo được" not in output

    assert_fresh(found, today, received=D(2026, 4, 14))
    # Thụ lý of a khiếu nại, 10 days: received Mon 06/04 -> Thu 16/04 (01 working day left)
    # or Tue 07/04 -> Fri 17/04 (02 left): the latter, the first day of the warning rung.
    complaint = found["khieu-nai-sap-den-han-thu-ly"]
    c = clock(complaint, "accept")
    assert complaint.status == PetitionStatus.CLASSIFIED and complaint.competence == "here"
    assert complaint.received_on == D(2026, 4, 7) and c.due_on == D(2026, 4, 17)
    assert c.warn_on == today
    assert_extended(found, today)
    assert_paused(found, today)
    assert_overdue(found, today)
    assert_histories_on_working_days(found)
    assert "còn 02 ngày (02 ngày làm việc; sắp đến hạn: đã đến mốc nhắc trước hạn)" in output
    assert "quá hạn" in output and "tạm dừng từ" in output and "đã gia hạn 01 lần" in output


def test_a_second_run_creates_nothing_that_day_or_later():
    today = D(2026, 4, 15)
    load_both(today)
    before = counts()
    with time_machine.travel(at(today, 16), tick=False):
        output = run("load_demo_deadlines")
    assert counts() == before
    assert ("Đơn mẫu năm 2026 có thời hạn đang chạy đã có (05 đơn), không tạo thêm."
            in output)
    # A week later the same letters are still recognised: nothing new either.
    with time_machine.travel(at(D(2026, 4, 22)), tick=False):
        output = run("load_demo_deadlines")
        assert "đã có (05 đơn), không tạo thêm" in output
        run("load_demo")
    assert counts() == before


def test_a_monday_after_a_weekend_says_what_it_cannot_show():
    # Due on Tue or Wed, a 10-day thụ lý clock needs a letter received on a Saturday or a
    # Sunday: the nearest state a working day gives is "due today" (received Thu 05/03 or
    # Fri 06/03: 15 and 16/03 -> Mon 16/03).
    today = D(2026, 3, 16)
    output = load_both(today)
    found = letters()
    assert len(found) == 5
    c = clock(found["khieu-nai-sap-den-han-thu-ly"], "accept")
    assert c.status == ClockStatus.RUNNING and c.due_on == today
    assert "Chưa đạt đúng trạng thái dự kiến (01 đơn):" in output
    assert "hạn thụ lý Thứ Hai, 16/03/2026 (đến hạn hôm nay)" in output
    # Yesterday was a Sunday: the fresh letter is received today.
    assert_fresh(found, today, received=today)
    assert_extended(found, today)
    assert_paused(found, today)
    assert_overdue(found, today)
    assert_histories_on_working_days(found)


def test_just_after_tet_2026():
    today = D(2026, 2, 24)
    output = load_both(today)
    found = letters()
    assert len(found) == 5
    assert_fresh(found, today, received=D(2026, 2, 23))  # the first working day after Tết
    # No working day gives a thụ lý due on 25 or 26/02: 15 and 16/02 are Tết. A letter of
    # Thu 12/02 was due Mon 23/02 (22/02 is Sunday), so it is late; the nearest open one is
    # received Mon 23/02 -> Thu 05/03/2026.
    c = clock(found["khieu-nai-sap-den-han-thu-ly"], "accept")
    assert c.due_on == D(2026, 3, 5)
    assert "hạn thụ lý Thứ Năm, 05/03/2026 (còn 07 ngày làm việc)" in output
    # Accepted about five weeks before, across Tết: 30 days would end during the holiday
    # (rolled to Mon 23/02), extended before then.
    extended = assert_extended(found, today)
    assert extended.entries.get(kind="extend").decision_date < D(2026, 2, 14)
    assert_paused(found, today)
    overdue = assert_overdue(found, today)
    assert overdue.due_on < D(2026, 2, 14)  # due before Tết, not chased since
    assert_histories_on_working_days(found)


def test_early_january_creates_what_the_young_year_allows():
    # 01/01 is Tết Dương lịch, 02/01 a day off, 03–04/01 a weekend: the year's first working
    # day is Mon 05/01/2026.
    today = D(2026, 1, 8)
    output = load_both(today)
    found = letters()
    assert set(found) == {"moi-nhan", "khieu-nai-sap-den-han-thu-ly", "khieu-nai-tam-dung"}
    assert "Đã tạo 03 đơn năm 2026 có thời hạn đang chạy" in output
    assert "Không tạo được 02 đơn hôm nay:" in output
    assert "chưa thể có đơn tố cáo thụ lý" in output
    assert "chưa thể quá hạn đôn đốc" in output
    assert_fresh(found, today, received=D(2026, 1, 7))
    # Received on the first working day, Mon 05/01 -> Thu 15/01: 06 working days left
    # (Saturday 10/01 is worked).
    c = clock(found["khieu-nai-sap-den-han-thu-ly"], "accept")
    assert found["khieu-nai-sap-den-han-thu-ly"].received_on == D(2026, 1, 5)
    assert c.due_on == D(2026, 1, 15)
    assert "(còn 06 ngày làm việc)" in output
    assert_paused(found, today)
    assert_histories_on_working_days(found)
    # The 2025 letters of load_demo are untouched, and a second run adds nothing.
    # (17 + 1, and the branch's copy of 016/2025, handed to it inside the system)
    assert Petition.objects.filter(receipt_year=2025).count() == 19
    before = counts()
    with time_machine.travel(at(today, 15), tick=False):
        assert "đã có (03 đơn), không tạo thêm" in run("load_demo_deadlines")
    assert counts() == before


def test_new_year_s_day_creates_nothing_and_says_why():
    output = load_both(D(2026, 1, 1))
    assert letters() == {}
    assert "Chưa tạo đơn mẫu nào của năm 2026" in output
    assert "Không tạo được 05 đơn hôm nay:" in output


def test_load_demo_s_2025_figures_are_unchanged():
    load_both(D(2026, 4, 15))
    with time_machine.travel(at(D(2026, 4, 15), 10), tick=False):
        output = run("load_demo")
    assert "Dữ liệu mẫu đã có, không tạo thêm." in output
    assert ("Năm 2025, Văn phòng Đảng ủy: 17 đơn (01 tố cáo, 05 khiếu nại, 11 kiến nghị); đã "
            "chuyển 17, cho rút 03, lưu 02, giải quyết xong 08, đang xem xét, giải quyết 04."
            in output)
    assert Petition.objects.filter(receipt_year=2026).count() == 5


def test_receipt_numbers_follow_the_order_of_receipt():
    load_both(D(2026, 4, 15))
    for code in demo.ORG_CODES:
        rows = list(Petition.objects.filter(organisation__code=code, receipt_year=2026)
                    .order_by("receipt_seq").values_list("receipt_seq", "received_on"))
        assert [seq for seq, _ in rows] == list(range(1, len(rows) + 1))
        assert [day for _, day in rows] == sorted(day for _, day in rows)


def test_without_load_demo_it_refuses_in_vietnamese():
    with time_machine.travel(at(D(2026, 4, 15)), tick=False):
        with pytest.raises(CommandError, match="python manage.py load_demo"):
            run("load_demo_deadlines")
    assert Petition.objects.count() == 0


def test_a_failure_half_way_leaves_nothing(monkeypatch):
    def refuse(**kwargs):
        raise ActionRefused("Lỗi giả lập.")

    with time_machine.travel(at(D(2026, 4, 15)), tick=False):
        run("load_demo")
        before = counts()
        monkeypatch.setattr(clock_services, "clock_extend", refuse)
        with pytest.raises(CommandError, match="chưa ghi gì: Lỗi giả lập"):
            run("load_demo_deadlines")
    assert counts() == before and letters() == {}


def test_a_clock_not_as_planned_is_an_error_and_rolls_back(monkeypatch):
    def wrong(self, clock, ctx, plan):
        raise demo.NotAsIntended("giả lập sai lệch")

    monkeypatch.setattr(demo.PausedComplaint, "verify", wrong)
    with time_machine.travel(at(D(2026, 4, 15)), tick=False):
        run("load_demo")
        before = counts()
        with pytest.raises(CommandError, match="không đúng như dự kiến.*giả lập sai lệch"):
            run("load_demo_deadlines")
    assert counts() == before

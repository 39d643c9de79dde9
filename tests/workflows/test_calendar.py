"""The working-day calendar: hand-computed due dates around the 2025 and 2026 holidays, the
precomputed tables against a naive day-by-day walk, the cache, the edit services and the
admin. Weekdays are written next to each date so the hand computations can be checked."""
import sys
import types
from datetime import date, datetime, timedelta

import holidays
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from workflows.calendar import (
    Override,
    WorkingCalendar,
    get_calendar,
    invalidate_calendar,
    load_overrides,
)
from workflows.models import CalendarOverride, DeadlineRule
from workflows.services.calendar import calendar_clear_day, calendar_set_day

D = date
pytestmark = pytest.mark.django_db


@pytest.fixture
def cal():
    invalidate_calendar()
    return get_calendar()


@pytest.fixture
def recompute_calls(monkeypatch):
    """Records what the services ask the clocks to recompute (the clocks are tested in
    test_clocks.py)."""
    calls = []

    def fake(*, days, reason, actor=None):
        calls.append({"days": days, "reason": reason, "actor": actor})
        return 0

    try:
        import workflows.services.clocks as clocks
    except ImportError:  # written by another engineer; not there yet
        clocks = types.ModuleType("workflows.services.clocks")
        monkeypatch.setitem(sys.modules, "workflows.services.clocks", clocks)
    monkeypatch.setattr(clocks, "recompute_for_calendar_change", fake, raising=False)
    return calls


# --------------------------------------------------------------------- hand-computed cases

def test_tet_2025(cal):
    # Off: Sat 25/01 .. Sun 02/02/2025 (holidays.VN: Mon 27/01 .. Sat 01/02, plus weekends).
    # From Thu 23/01: 1st working day Fri 24/01, 2nd Mon 03/02, 5th Thu 06/02.
    assert cal.add_working_days(D(2025, 1, 23), 1) == D(2025, 1, 24)
    assert cal.add_working_days(D(2025, 1, 23), 2) == D(2025, 2, 3)
    assert cal.add_working_days(D(2025, 1, 23), 5) == D(2025, 2, 6)
    # Mon 20/01 + 7 days = Mon 27/01 (29 Tết, off) -> first working day Mon 03/02.
    assert cal.add_calendar_days(D(2025, 1, 20), 7) == D(2025, 2, 3)
    assert all(not cal.is_working_day(D(2025, 1, 25) + timedelta(days=i)) for i in range(9))


def test_tet_2026_the_whole_fortnight_is_off(cal):
    # Off: Sat 14/02 .. Sun 22/02/2026 (Mon 16 .. Fri 20 are override rows, the rest weekends).
    assert [cal.is_working_day(D(2026, 2, 14) + timedelta(days=i)) for i in range(9)] == [False] * 9
    assert cal.is_working_day(D(2026, 2, 13)) and cal.is_working_day(D(2026, 2, 23))
    # From Tue 10/02: Wed 11 (1), Thu 12 (2), Fri 13 (3), [14..22 off], Mon 23 (4) .. Fri 27 (8),
    # Mon 02/03 (9), Tue 03/03 (10).
    assert cal.add_working_days(D(2026, 2, 10), 10) == D(2026, 3, 3)
    # Fri 13/02 + 1 day = Sat 14/02 -> Mon 23/02; + 10 days = Mon 23/02, a working day already.
    assert cal.add_calendar_days(D(2026, 2, 13), 1) == D(2026, 2, 23)
    assert cal.add_calendar_days(D(2026, 2, 13), 10) == D(2026, 2, 23)


def test_30_april_1_may_2025_with_make_up_saturday_26_april(cal):
    # Sat 26/04 is worked; Wed 30/04, Thu 01/05, Fri 02/05 (swap) off; Sat 03, Sun 04 weekend.
    # From Fri 25/04: Sat 26 (1), Mon 28 (2), Tue 29 (3), Mon 05/05 (4).
    assert cal.is_working_day(D(2025, 4, 26))
    assert not cal.is_working_day(D(2025, 5, 2))
    assert [cal.add_working_days(D(2025, 4, 25), n) for n in (1, 2, 3, 4)] == [
        D(2025, 4, 26), D(2025, 4, 28), D(2025, 4, 29), D(2025, 5, 5)]
    # Working days in (Fri 25/04, Mon 28/04]: Sat 26 and Mon 28.
    assert cal.working_days_between(D(2025, 4, 25), D(2025, 4, 28)) == 2
    # Fri 25/04 + 1 day = the make-up Saturday, a working day: no rolling forward.
    assert cal.add_calendar_days(D(2025, 4, 25), 1) == D(2025, 4, 26)
    # Thu 24/04 + 7 days = Thu 01/05 (off) -> Fri 02/05 (off) -> Mon 05/05.
    assert cal.add_calendar_days(D(2025, 4, 24), 7) == D(2025, 5, 5)


def test_national_day_2025(cal):
    # Mon 01/09 and Tue 02/09/2025 off, with the weekend before.
    # From Fri 29/08: first working day Wed 03/09.
    assert cal.add_working_days(D(2025, 8, 29), 1) == D(2025, 9, 3)
    # Fri 22/08 + 10 days = Mon 01/09 (off) -> Wed 03/09.
    assert cal.add_calendar_days(D(2025, 8, 22), 10) == D(2025, 9, 3)


def test_national_day_2026_with_31_august_off_and_22_august_worked(cal):
    # Sat 22/08 worked; Sat 29, Sun 30, Mon 31/08 (swap), Tue 01/09, Wed 02/09 off.
    # From Fri 21/08: Sat 22 (1), Mon 24 (2). From Fri 28/08: Thu 03/09 (1).
    assert cal.add_working_days(D(2026, 8, 21), 1) == D(2026, 8, 22)
    assert cal.add_working_days(D(2026, 8, 21), 2) == D(2026, 8, 24)
    assert cal.add_working_days(D(2026, 8, 28), 1) == D(2026, 9, 3)
    # Fri 21/08 + 10 days = Mon 31/08 (off) -> Thu 03/09.
    assert cal.add_calendar_days(D(2026, 8, 21), 10) == D(2026, 9, 3)


def test_vietnamese_culture_day_24_november_2026(cal):
    # Tue 24/11/2026 off (new holiday from 2026). From Mon 23/11: Wed 25/11 (1).
    assert not cal.is_working_day(D(2026, 11, 24))
    assert cal.add_working_days(D(2026, 11, 23), 1) == D(2026, 11, 25)
    # Sat 14/11 + 10 days = Tue 24/11 (off) -> Wed 25/11.
    assert cal.add_calendar_days(D(2026, 11, 14), 10) == D(2026, 11, 25)
    # The holiday did not exist in 2025: Mon 24/11/2025 is an ordinary working day.
    assert cal.is_working_day(D(2025, 11, 24))


def test_new_year_2026_with_2_january_off_and_make_up_saturday_10_january(cal):
    # Thu 01/01 holiday, Fri 02/01 swap day off, Sat 03 / Sun 04 weekend; Sat 10/01 worked.
    # From Wed 31/12/2025: Mon 05/01 (1). From Fri 09/01: Sat 10/01 (1), Mon 12/01 (2).
    assert cal.add_working_days(D(2025, 12, 31), 1) == D(2026, 1, 5)
    assert cal.add_working_days(D(2026, 1, 9), 1) == D(2026, 1, 10)
    assert cal.add_working_days(D(2026, 1, 9), 2) == D(2026, 1, 12)
    # From Mon 05/01: Tue 6 .. Fri 9 (4), Sat 10 (5), Mon 12 .. Fri 16 (10).
    assert cal.add_working_days(D(2026, 1, 5), 10) == D(2026, 1, 16)
    # Mon 05/01 + 5 days = Sat 10/01, a make-up working day: kept.
    assert cal.add_calendar_days(D(2026, 1, 5), 5) == D(2026, 1, 10)
    # Tue 30/12/2025 + 3 days = Fri 02/01 (off) -> Mon 05/01.
    assert cal.add_calendar_days(D(2025, 12, 30), 3) == D(2026, 1, 5)


def test_compensatory_day_27_april_2026(cal):
    # Giỗ Tổ falls on Sun 26/04/2026 -> Mon 27/04 off; Thu 30/04, Fri 01/05 off.
    # From Fri 24/04: Tue 28 (1), Wed 29 (2), Mon 04/05 (3).
    assert [cal.add_working_days(D(2026, 4, 24), n) for n in (1, 2, 3)] == [
        D(2026, 4, 28), D(2026, 4, 29), D(2026, 5, 4)]
    # Mon 20/04 + 10 days = Thu 30/04 (off) -> Fri 01/05 (off) -> Sat, Sun -> Mon 04/05.
    assert cal.add_calendar_days(D(2026, 4, 20), 10) == D(2026, 5, 4)


def test_calendar_days_ending_on_an_ordinary_weekend_roll_to_monday(cal):
    # Mon 02/03/2026 + 5 days = Sat 07/03 -> Mon 09/03; + 6 = Sun 08/03 -> Mon 09/03.
    assert cal.add_calendar_days(D(2026, 3, 2), 5) == D(2026, 3, 9)
    assert cal.add_calendar_days(D(2026, 3, 2), 6) == D(2026, 3, 9)
    # + 4 = Fri 06/03, a working day.
    assert cal.add_calendar_days(D(2026, 3, 2), 4) == D(2026, 3, 6)


def test_working_days_between(cal):
    # (Wed 31/12/2025, Fri 16/01/2026]: Mon 5 .. Fri 9 (5), Sat 10 (1), Mon 12 .. Fri 16 (5).
    assert cal.working_days_between(D(2025, 12, 31), D(2026, 1, 16)) == 11
    # (Fri 13/02, Mon 23/02/2026]: only Mon 23.
    assert cal.working_days_between(D(2026, 2, 13), D(2026, 2, 23)) == 1
    assert cal.working_days_between(D(2026, 2, 14), D(2026, 2, 22)) == 0
    assert cal.working_days_between(D(2026, 2, 23), D(2026, 2, 13)) == 0
    assert cal.working_days_between(D(2026, 2, 23), D(2026, 2, 23)) == 0


def test_subtract_working_days(cal):
    # Before Mon 23/02/2026: Fri 13/02 (1), Thu 12/02 (2).
    assert cal.subtract_working_days(D(2026, 2, 23), 2) == D(2026, 2, 12)
    # Before Mon 05/01/2026 (01, 02/01 off, weekend): Wed 31/12/2025.
    assert cal.subtract_working_days(D(2026, 1, 5), 1) == D(2025, 12, 31)
    # Before Mon 12/01/2026: the make-up Saturday 10/01.
    assert cal.subtract_working_days(D(2026, 1, 12), 1) == D(2026, 1, 10)
    # Before Mon 05/05/2025: Tue 29/04 (1), Mon 28/04 (2), Sat 26/04 (3).
    assert cal.subtract_working_days(D(2025, 5, 5), 3) == D(2025, 4, 26)
    # From a day off it counts back from the day before: Sun 22/02/2026 -> Fri 13/02.
    assert cal.subtract_working_days(D(2026, 2, 22), 1) == D(2026, 2, 13)


def test_next_working_day(cal):
    assert cal.next_working_day(D(2026, 2, 13)) == D(2026, 2, 13)
    assert cal.next_working_day(D(2026, 2, 14)) == D(2026, 2, 23)
    assert cal.next_working_day(D(2026, 1, 10)) == D(2026, 1, 10)


def test_zero_and_negative_lengths(cal):
    assert cal.add_working_days(D(2026, 2, 14), 0) == D(2026, 2, 14)
    assert cal.subtract_working_days(D(2026, 2, 14), 0) == D(2026, 2, 14)
    with pytest.raises(ValueError):
        cal.add_working_days(D(2026, 2, 14), -1)
    with pytest.raises(ValueError):
        cal.add_calendar_days(D(2026, 2, 14), -1)
    with pytest.raises(ValueError):
        cal.due_date(D(2026, 2, 14), 3, "weeks")


# --------------------------------------------------------------------- notes and explanations

def test_day_notes_are_vietnamese(cal):
    assert cal.day_note(D(2026, 3, 7)) == "Thứ Bảy"
    assert cal.day_note(D(2026, 3, 8)) == "Chủ nhật"
    assert cal.day_note(D(2026, 3, 9)) is None
    assert cal.day_note(D(2025, 9, 2)) == "Quốc khánh"
    assert cal.day_note(D(2026, 11, 24)) == "Ngày Văn hóa Việt Nam"
    assert cal.day_note(D(2026, 1, 1)) == "Tết Dương lịch"
    assert cal.day_note(D(2026, 1, 2)).startswith("Nghỉ hoán đổi dịp Tết Dương lịch")
    assert cal.day_note(D(2026, 1, 10)).startswith("Làm bù cho ngày nghỉ thứ Sáu 02/01/2026")
    # A make-up Saturday whose reason does not say so gets the prefix.
    other = WorkingCalendar({D(2027, 3, 6): Override(True, "Đại hội chi bộ")})
    assert other.day_note(D(2027, 3, 6)) == "Làm bù: Đại hội chi bộ"


def test_every_holiday_name_from_the_package_is_vietnamese():
    names = set(holidays.VN(years=range(2024, 2031), language="vi").values())
    assert "Tết Nguyên Đán" in names and "Ngày Giỗ Tổ Hùng Vương" in names
    english = ("Day", "Year", "King", "Labor", "observed", "substituted")
    assert not [n for n in names if any(word in n for word in english)]


def test_explain_a_working_day_deadline_across_tet_2026(cal):
    e = cal.explain(D(2026, 2, 10), 10, "working")
    # (10/02, 03/03]: 21 days = 10 working + 5 Tết days + 6 weekend days (14, 15, 21, 22/02,
    # 28/02, 01/03).
    assert (e.due, e.calendar_days, e.working_days, e.weekend_days) == (D(2026, 3, 3), 21, 10, 6)
    assert [d.day for d in e.days_off] == [D(2026, 2, 16 + i) for i in range(5)]
    assert e.days_off[1].note == "Tết Nguyên đán Bính Ngọ: mùng 1 Tết"
    assert e.made_up == () and not e.rolled_forward
    text = "\n".join(line for line, _items in e.lines())
    assert "Thứ Ba, 03/03/2026" in text and "Thứ Bảy, Chủ nhật không tính: 06 ngày" in text


def test_explain_counts_a_make_up_saturday(cal):
    e = cal.explain(D(2026, 1, 5), 10, "working")
    # (05/01, 16/01]: 11 days = 10 working (Sat 10 among them) + Sun 11.
    assert (e.due, e.calendar_days, e.weekend_days) == (D(2026, 1, 16), 11, 1)
    assert [d.day for d in e.made_up] == [D(2026, 1, 10)]
    assert e.days_off == ()


def test_explain_a_calendar_day_deadline_rolled_forward(cal):
    e = cal.explain(D(2026, 4, 20), 10, "calendar")
    # Counted: (20/04, 30/04] with Sun 26 (Giỗ Tổ), Mon 27 (nghỉ bù), Thu 30 (holiday) and
    # Sat 25 as the only plain weekend day; 30/04 is off, so the due date rolls over
    # Fri 01/05 and the weekend to Mon 04/05.
    assert e.due == D(2026, 5, 4) and e.nominal_due == D(2026, 4, 30) and e.rolled_forward
    assert e.calendar_days == 14 and e.weekend_days == 1
    assert [d.day for d in e.days_off] == [D(2026, 4, 26), D(2026, 4, 27), D(2026, 4, 30)]
    assert e.rolled_reason == "Ngày Chiến thắng"
    assert [d.day for d in e.rolled_over] == [D(2026, 5, 1)]
    assert "chuyển sang ngày làm việc tiếp theo: Thứ Hai, 04/05/2026" in e.lines()[-1][0]


def test_explain_a_calendar_day_deadline_not_rolled(cal):
    e = cal.explain(D(2026, 3, 2), 4, "calendar")
    assert e.due == D(2026, 3, 6) and not e.rolled_forward and e.rolled_reason == ""
    assert "hạn giữ nguyên" in e.lines()[-1][0]


# --------------------------------------------------------------------- against a naive walk

def _naive(overrides):
    public = holidays.VN(years=range(2024, 2029), language="vi")

    def working(d):
        if d in overrides:
            return overrides[d].is_working_day
        return d.weekday() < 5 and d not in public

    def add_working(start, n):
        d = start
        while n:
            d += timedelta(days=1)
            n -= working(d)
        return d

    def add_calendar(start, n):
        d = start + timedelta(days=n)
        while not working(d):
            d += timedelta(days=1)
        return d

    def subtract(d, n):
        while n:
            d -= timedelta(days=1)
            n -= working(d)
        return d

    def between(a, b):
        return sum(working(a + timedelta(days=i)) for i in range(1, (b - a).days + 1))

    return working, add_working, add_calendar, subtract, between


def test_the_tables_agree_with_a_day_by_day_walk_over_2025_and_2026(cal):
    working, add_working, add_calendar, subtract, between = _naive(load_overrides())
    day, mismatches = D(2025, 1, 1), []
    while day <= D(2026, 12, 31):
        if cal.is_working_day(day) != working(day):
            mismatches.append(("is_working_day", day))
        for n in range(1, 41):
            for name, fast, slow in (
                ("add_working_days", cal.add_working_days(day, n), add_working(day, n)),
                ("add_calendar_days", cal.add_calendar_days(day, n), add_calendar(day, n)),
                ("subtract_working_days", cal.subtract_working_days(day, n), subtract(day, n)),
                ("working_days_between", cal.working_days_between(day, day + timedelta(n)),
                 between(day, day + timedelta(n))),
            ):
                if fast != slow:
                    mismatches.append((name, day, n, fast, slow))
        day += timedelta(days=1)
    assert mismatches == []


def test_the_batch_agrees_with_one_by_one_and_datetimes_count_as_their_day(cal):
    starts = [D(2025, 1, 1) + timedelta(days=i) for i in range(0, 730, 3)]
    items = [(s, n, u) for s in starts for n in (1, 7, 40, 90) for u in ("working", "calendar")]
    assert cal.due_dates(*zip(*items)) == [cal.due_date(*item) for item in items]
    noon = datetime(2026, 2, 10, 12, 0)
    assert cal.add_working_days(noon, 10) == D(2026, 3, 3)
    assert cal.add_calendar_days(noon, 4) == D(2026, 2, 23)
    assert cal.is_working_day(noon) and cal.day_note(datetime(2026, 2, 14, 8)) == "Thứ Bảy"


def test_the_span_grows_when_a_date_falls_outside_it():
    # Growing is allowed up to the calendar's limits (by default the window around today).
    small = WorkingCalendar(first_year=2025, last_year=2025, limits=(2000, 2080))
    big = WorkingCalendar(first_year=2000, last_year=2080)
    for fn, day, n in (("add_working_days", D(2025, 12, 20), 300),
                       ("subtract_working_days", D(2025, 1, 10), 50)):
        assert getattr(small, fn)(day, n) == getattr(big, fn)(day, n)
    assert small.add_calendar_days(D(2071, 2, 1), 3) == big.add_calendar_days(D(2071, 2, 1), 3)
    assert small.working_days_between(D(2003, 1, 1), D(2030, 1, 1)) == big.working_days_between(
        D(2003, 1, 1), D(2030, 1, 1))
    assert small.span[0] <= 2003 and small.span[1] >= 2071


# --------------------------------------------------------------------- cache and edits

def test_the_cached_calendar_is_reused_until_the_overrides_change(cal):
    assert get_calendar() is cal
    # Another process (the admin on another worker) adds a day off: no invalidate call here,
    # the version check notices it.
    CalendarOverride.objects.create(day=D(2027, 3, 15), is_working_day=False,
                                    reason="Nghỉ đột xuất")
    fresh = get_calendar()
    assert fresh is not cal and not fresh.is_working_day(D(2027, 3, 15))
    CalendarOverride.objects.filter(day=D(2027, 3, 15)).delete()
    assert get_calendar().is_working_day(D(2027, 3, 15))


def test_an_override_added_at_runtime_changes_the_due_date(cal, admin_user, recompute_calls):
    # Fri 12/03/2027 + 1 working day = Mon 15/03; with 15/03 off it becomes Tue 16/03.
    assert cal.add_working_days(D(2027, 3, 12), 1) == D(2027, 3, 15)
    calendar_set_day(day=D(2027, 3, 15), is_working_day=False, reason="Nghỉ bầu cử",
                     source="Quyết định của UBND tỉnh", actor=admin_user)
    assert get_calendar().add_working_days(D(2027, 3, 12), 1) == D(2027, 3, 16)
    assert recompute_calls == [{
        "days": [D(2027, 3, 15)], "actor": admin_user,
        "reason": "Lịch: 15/03/2027 chuyển thành ngày nghỉ (lý do: Nghỉ bầu cử)"}]
    row = CalendarOverride.objects.get(day=D(2027, 3, 15))
    assert (row.updated_by, row.source) == (admin_user, "Quyết định của UBND tỉnh")

    assert calendar_clear_day(day=D(2027, 3, 15), actor=admin_user) is True
    assert get_calendar().add_working_days(D(2027, 3, 12), 1) == D(2027, 3, 15)
    assert recompute_calls[-1]["reason"] == (
        "Lịch: bỏ điều chỉnh ngày 15/03/2027 (trước là ngày nghỉ, lý do: Nghỉ bầu cử); "
        "nay là ngày làm việc theo lịch chung")
    assert calendar_clear_day(day=D(2027, 3, 15), actor=admin_user) is False


def test_a_make_up_saturday_set_at_runtime(cal, admin_user, recompute_calls):
    # Fri 05/03/2027 + 1 working day = Mon 08/03; with Sat 06/03 worked it is Sat 06/03.
    calendar_set_day(day=D(2027, 3, 6), is_working_day=True, reason="Làm bù ngày 15/03",
                     actor=admin_user)
    assert get_calendar().add_working_days(D(2027, 3, 5), 1) == D(2027, 3, 6)
    assert recompute_calls[0]["reason"] == (
        "Lịch: 06/03/2027 chuyển thành ngày làm việc (lý do: Làm bù ngày 15/03)")


def test_setting_a_day_needs_a_reason(admin_user, recompute_calls):
    with pytest.raises(ValidationError) as caught:
        calendar_set_day(day=D(2027, 3, 15), is_working_day=False, reason="  ",
                         actor=admin_user)
    assert caught.value.message_dict == {"reason": ["Chưa nhập lý do điều chỉnh ngày này."]}
    assert not CalendarOverride.objects.filter(day=D(2027, 3, 15)).exists()
    assert recompute_calls == []


def test_the_real_recompute_runs_inside_the_service(admin_user):
    # No monkeypatch: the clocks' function is called for real (no open clock is affected).
    calendar_set_day(day=D(2027, 3, 15), is_working_day=False, reason="Nghỉ bầu cử",
                     actor=admin_user)
    assert not get_calendar().is_working_day(D(2027, 3, 15))


def test_the_migration_prefilled_the_2025_and_2026_swaps():
    rows = {r.day: r for r in CalendarOverride.objects.all()}
    worked = {d for d, r in rows.items() if r.is_working_day}
    off = {d for d, r in rows.items() if not r.is_working_day}
    assert worked >= {D(2025, 4, 26), D(2026, 1, 10), D(2026, 8, 22)}
    assert off >= {D(2025, 5, 2), D(2026, 1, 2), D(2026, 4, 27), D(2026, 8, 31),
                   *(D(2026, 2, 16 + i) for i in range(5))}
    assert all(r.reason and r.source for r in rows.values())


# --------------------------------------------------------------------- admin

def test_admin_saves_a_day_through_the_service(client, admin_user, recompute_calls):
    client.force_login(admin_user)
    url = reverse("admin:workflows_calendaroverride_add")
    response = client.post(url, {"day": "15/03/2027", "is_working_day": "",
                                 "reason": "Nghỉ bầu cử", "source": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert recompute_calls[0]["days"] == [D(2027, 3, 15)]
    assert not get_calendar().is_working_day(D(2027, 3, 15))

    row = CalendarOverride.objects.get(day=D(2027, 3, 15))
    response = client.post(reverse("admin:workflows_calendaroverride_delete", args=[row.pk]),
                           {"post": "yes"})
    assert response.status_code == 302
    assert get_calendar().is_working_day(D(2027, 3, 15))
    assert "bỏ điều chỉnh ngày 15/03/2027" in recompute_calls[-1]["reason"]

    page = client.get(reverse("admin:workflows_calendaroverride_changelist")).content.decode()
    assert "10/01/2026" in page and "Thứ Bảy" in page and "Làm việc" in page


def test_admin_asks_for_a_reason(client, admin_user, recompute_calls):
    client.force_login(admin_user)
    response = client.post(reverse("admin:workflows_calendaroverride_add"),
                           {"day": "15/03/2027", "reason": "", "source": ""})
    assert response.status_code == 200
    assert "reason" in response.context["adminform"].form.errors
    assert recompute_calls == []


def test_only_superusers_edit_the_calendar_and_rules(client, tree):
    from django.contrib.auth.models import Permission

    from tests.factories import UserFactory

    staff = UserFactory(username="nhanvien", is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="workflows",
        codename__in=["view_calendaroverride", "add_calendaroverride",
                      "change_calendaroverride", "view_deadlinerule", "change_deadlinerule"]))
    client.force_login(staff)
    assert client.get(reverse("admin:workflows_calendaroverride_changelist")).status_code == 200
    assert client.get(reverse("admin:workflows_calendaroverride_add")).status_code == 403
    response = client.post(reverse("admin:workflows_calendaroverride_add"),
                           {"day": "15/03/2027", "reason": "Thử", "source": ""})
    assert response.status_code == 403
    assert not CalendarOverride.objects.filter(day=D(2027, 3, 15)).exists()


def test_rule_admin_keeps_history_read_only_except_the_ladder(client, admin_user):
    rule = DeadlineRule.objects.create(
        code="thu-nghiem", procedure="complaint", step="accept", start_event="received",
        length=10, unit="calendar", legal_basis="Luật Khiếu nại 2011, Điều 27",
        effective_from=D(2012, 7, 1))
    client.force_login(admin_user)
    page = client.get(reverse("admin:workflows_deadlinerule_changelist")).content.decode()
    assert "dòng MỚI cùng mã quy tắc" in page and "Luật Khiếu nại 2011, Điều 27" in page
    response = client.get(reverse("admin:workflows_deadlinerule_change", args=[rule.pk]))
    form = response.context["adminform"].form
    assert "length" not in form.fields and "warn_days_before" in form.fields
    for name in ("deadlineclock", "clockentry", "escalation"):
        assert client.get(reverse(f"admin:workflows_{name}_changelist")).status_code == 200
        assert client.get(reverse(f"admin:workflows_{name}_add")).status_code == 403

"""The working-day calendar: which days count, and deadline arithmetic on them.

A day is a working day unless it is a Saturday or Sunday or a public holiday of
`holidays.VN`; a row of `CalendarOverride` always wins (an extra day off, a make-up Saturday).

The sweep and the recomputation after a calendar edit ask for thousands of due dates, so
nothing here walks day by day. For a span of years we keep, indexed by day:
`working` (1/0), `cum` (working days from the start of the span up to and including that day)
and `kth` (the ordinal of the k-th working day of the span). "The n-th working day after d" is
then `kth[cum[d] + n - 1]`: two array reads. The span grows when a date falls outside it.

Processes share nothing, so `get_calendar()` compares a cheap version of the override table
(row count, last edit) on each call and rebuilds when an administrator changed it, in this
process or another. Hot loops take one calendar and pass it around.
"""
from __future__ import annotations

import threading
from array import array
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate

import holidays
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

FIRST_YEAR = 2010
LAST_YEAR = 2060
# When a date falls outside the span, grow by at least this much so that a run of far-off
# dates costs one rebuild, not one per date.
GROW_YEARS = 10
# Fewer working days than this in any year cannot happen (365 - 104 weekend days - holidays),
# so n working days never need more than n // 200 + 1 years.
MIN_WORKING_DAYS_PER_YEAR = 200

WORKING = "working"
CALENDAR = "calendar"

WEEKDAY_NAMES = (
    gettext_lazy("Thứ Hai"), gettext_lazy("Thứ Ba"), gettext_lazy("Thứ Tư"),
    gettext_lazy("Thứ Năm"), gettext_lazy("Thứ Sáu"), gettext_lazy("Thứ Bảy"),
    gettext_lazy("Chủ nhật"),
)


def weekday_name(d: date) -> str:
    return str(WEEKDAY_NAMES[d.weekday()])


def fmt(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def _count(n: int) -> str:
    # Office prose writes counts below ten with a leading zero ("05 ngày").
    return f"{n:02d}"


@dataclass(frozen=True)
class Override:
    is_working_day: bool
    reason: str


@dataclass(frozen=True)
class NotableDay:
    day: date
    note: str

    @property
    def weekday(self) -> str:
        return weekday_name(self.day)


@dataclass(frozen=True)
class Explanation:
    """How a due date was obtained, for people: what was counted and what was skipped."""

    start: date
    length: int
    unit: str
    due: date
    calendar_days: int  # days in (start, due]
    # The counted window is (start, due] for working days and (start, start + length] for
    # calendar days; the four fields below describe that window.
    working_days: int
    weekend_days: int  # plain Saturdays and Sundays off, counted but not listed one by one
    days_off: tuple[NotableDay, ...]  # holidays and override days off
    made_up: tuple[NotableDay, ...]  # weekend days that are working days (make-up Saturdays)
    nominal_due: date  # a calendar-day deadline before rolling forward; `due` otherwise
    rolled_reason: str = ""  # why the nominal end is not a working day
    rolled_over: tuple[NotableDay, ...] = ()  # holidays passed over after the nominal end

    @property
    def rolled_forward(self) -> bool:
        return self.nominal_due != self.due

    def lines(self) -> list[tuple[str, list[str]]]:
        """Short Vietnamese sentences, each with its sub-items (dates and names)."""
        def items(days):
            return [_("%(date)s (%(weekday)s): %(note)s") % {
                "date": fmt(x.day), "weekday": x.weekday, "note": x.note} for x in days]

        def how_many(days):
            return {"n": _count(len(days))}

        args = {"start": fmt(self.start), "due": fmt(self.due), "length": self.length,
                "count": _count(self.length), "weekday": weekday_name(self.due),
                "span": _count(self.calendar_days)}
        out = []
        if self.unit == WORKING:
            out.append((_("Hạn là ngày làm việc thứ %(length)s kể từ sau ngày %(start)s: "
                          "%(weekday)s, %(due)s (trải qua %(span)s ngày theo lịch).") % args, []))
            if self.days_off:
                out.append((_("Ngày nghỉ lễ, nghỉ bù, nghỉ hoán đổi không tính (%(n)s ngày):")
                            % how_many(self.days_off), items(self.days_off)))
        else:
            out.append((_("Hạn là %(count)s ngày theo lịch kể từ sau ngày %(start)s: "
                          "%(weekday)s, %(due)s.") % args, []))
            if self.days_off:
                out.append((_("Ngày nghỉ lễ trong thời hạn vẫn được tính vì thời hạn tính theo "
                              "ngày (%(n)s ngày):") % how_many(self.days_off),
                            items(self.days_off)))
        if self.made_up:
            out.append((_("Thứ Bảy làm bù được tính là ngày làm việc (%(n)s ngày):")
                        % how_many(self.made_up), items(self.made_up)))
        if self.weekend_days:
            text = (_("Thứ Bảy, Chủ nhật không tính: %(n)s ngày.") if self.unit == WORKING
                    else _("Thứ Bảy, Chủ nhật trong thời hạn: %(n)s ngày."))
            out.append((text % {"n": _count(self.weekend_days)}, []))
        if self.unit == CALENDAR:
            nominal = {"nominal": fmt(self.nominal_due), "weekday": weekday_name(self.nominal_due),
                       "why": self.rolled_reason, "due": fmt(self.due),
                       "due_weekday": weekday_name(self.due)}
            if not self.rolled_forward:
                out.append((_("Ngày cuối của thời hạn là ngày làm việc nên hạn giữ nguyên."), []))
            elif self.rolled_reason == nominal["weekday"]:
                out.append((_("Ngày cuối của thời hạn, %(nominal)s, là %(weekday)s nên hạn "
                              "chuyển sang ngày làm việc tiếp theo: %(due_weekday)s, %(due)s.")
                            % nominal, items(self.rolled_over)))
            else:
                out.append((_("Ngày cuối của thời hạn, %(nominal)s (%(weekday)s), là ngày nghỉ "
                              "(%(why)s) nên hạn chuyển sang ngày làm việc tiếp theo: "
                              "%(due_weekday)s, %(due)s.") % nominal, items(self.rolled_over)))
        return out


class _Tables:
    """The precomputed arrays for one span of years. Never changed once built: growing the
    span builds new tables and swaps the reference, so a reader in another thread always sees
    one consistent set."""

    __slots__ = ("first_year", "last_year", "epoch", "size", "working", "cum", "kth", "count",
                 "holiday_names", "notable")

    def __init__(self, first_year: int, last_year: int, overrides: dict[date, Override]):
        self.first_year, self.last_year = first_year, last_year
        self.epoch = date(first_year, 1, 1).toordinal()
        self.size = date(last_year, 12, 31).toordinal() - self.epoch + 1
        epoch, size = self.epoch, self.size
        # date.toordinal() is 1 for Monday 0001-01-01, hence (ordinal + 6) % 7 == weekday().
        working = bytearray(1 if (epoch + i + 6) % 7 < 5 else 0 for i in range(size))
        names = {}
        for day, name in holidays.VN(years=range(first_year, last_year + 1),
                                     language="vi").items():
            i = day.toordinal() - epoch
            if 0 <= i < size:
                working[i] = 0
                names[day.toordinal()] = name
        for day, override in overrides.items():
            i = day.toordinal() - epoch
            if 0 <= i < size:
                working[i] = 1 if override.is_working_day else 0
        self.working = working
        self.cum = array("l", accumulate(working))
        self.kth = array("l", (epoch + i for i in range(size) if working[i]))
        self.count = len(self.kth)
        self.holiday_names = names
        # Days an explanation names one by one: non-working days that are not plain weekends,
        # and weekend days that are working days.
        special = set(names) | {d.toordinal() for d in overrides}
        self.notable = array("l", sorted(
            o for o in special if 0 <= o - epoch < size
            and (working[o - epoch] == 0 or (o + 6) % 7 >= 5)))


class WorkingCalendar:
    """Deadline arithmetic on precomputed tables. Counting always starts the day after the
    triggering date (domain rule: "kể từ ngày tiếp theo")."""

    def __init__(self, overrides: dict[date, Override] | None = None, *,
                 first_year: int = FIRST_YEAR, last_year: int = LAST_YEAR, version=None):
        self.overrides = dict(overrides or {})
        self.version = version
        self._lock = threading.Lock()
        self._t = _Tables(first_year, last_year, self.overrides)

    @property
    def span(self) -> tuple[int, int]:
        t = self._t
        return t.first_year, t.last_year

    def _grow(self, first_year: int, last_year: int) -> None:
        with self._lock:
            t = self._t
            if first_year >= t.first_year and last_year <= t.last_year:
                return
            if first_year < t.first_year:
                first_year = min(first_year, t.first_year - GROW_YEARS)
            if last_year > t.last_year:
                last_year = max(last_year, t.last_year + GROW_YEARS)
            self._t = _Tables(max(1, min(first_year, t.first_year)),
                              min(9998, max(last_year, t.last_year)), self.overrides)

    def _index(self, d: date) -> tuple[_Tables, int]:
        t = self._t
        i = d.toordinal() - t.epoch
        if 0 <= i < t.size:
            return t, i
        self._grow(d.year, d.year)
        t = self._t
        return t, d.toordinal() - t.epoch

    # --------------------------------------------------------------- the fast functions

    def is_working_day(self, d: date) -> bool:
        t, i = self._index(d)
        return t.working[i] == 1

    def next_working_day(self, d: date) -> date:
        """`d` itself if it is a working day, else the first working day after it."""
        t, i = self._index(d)
        if t.working[i]:
            return d
        k = t.cum[i]
        if k < t.count:
            return date.fromordinal(t.kth[k])
        self._grow(d.year, d.year + 1)
        return self.next_working_day(d)

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after `start` (`start` itself does not count; n=0 gives
        `start` back)."""
        if n <= 0:
            if n == 0:
                return start
            raise ValueError("n must not be negative")
        t = self._t
        i = start.toordinal() - t.epoch
        if 0 <= i < t.size:
            k = t.cum[i] + n - 1
            if k < t.count:
                return date.fromordinal(t.kth[k])
        self._grow(start.year, start.year + n // MIN_WORKING_DAYS_PER_YEAR + 1)
        return self.add_working_days(start, n)

    def add_calendar_days(self, start: date, n: int) -> date:
        """`start` + n days, moved on to the next working day if that day is not one."""
        if n < 0:
            raise ValueError("n must not be negative")
        t = self._t
        o = start.toordinal() + n
        i = o - t.epoch
        if 0 <= i < t.size:
            if t.working[i]:
                return date.fromordinal(o)
            k = t.cum[i]
            if k < t.count:
                return date.fromordinal(t.kth[k])
        return self.next_working_day(start + timedelta(days=n))

    def subtract_working_days(self, d: date, n: int) -> date:
        """The n-th working day before `d` (for "warn N working days before the due date")."""
        if n <= 0:
            if n == 0:
                return d
            raise ValueError("n must not be negative")
        t, i = self._index(d)
        k = t.cum[i] - t.working[i] - n
        if k >= 0:
            return date.fromordinal(t.kth[k])
        self._grow(d.year - n // MIN_WORKING_DAYS_PER_YEAR - 1, d.year)
        return self.subtract_working_days(d, n)

    def working_days_between(self, a: date, b: date) -> int:
        """Working days d with a < d <= b; 0 if b is not after a."""
        if b <= a:
            return 0
        self._index(a)
        t, j = self._index(b)
        return t.cum[j] - t.cum[a.toordinal() - t.epoch]

    def due_date(self, start: date, length: int, unit: str) -> date:
        if unit == WORKING:
            return self.add_working_days(start, length)
        if unit == CALENDAR:
            return self.add_calendar_days(start, length)
        raise ValueError(f"unknown unit {unit!r}")

    # --------------------------------------------------------------- for people

    def day_note(self, d: date) -> str | None:
        """Why a day is special ("Chủ nhật", a holiday's name, an override's reason), or None
        for an ordinary working weekday."""
        override = self.overrides.get(d)
        weekend = d.weekday() >= 5
        if override is not None:
            made_up = _("Làm bù")
            if (override.is_working_day and weekend
                    and not override.reason.lower().startswith(made_up.lower())):
                return _("%(made_up)s: %(reason)s") % {"made_up": made_up,
                                                       "reason": override.reason}
            return override.reason
        t, _i = self._index(d)
        name = t.holiday_names.get(d.toordinal())
        if name:
            return name
        if weekend:
            return weekday_name(d)
        return None

    def explain(self, start: date, length: int, unit: str) -> Explanation:
        """The due date with what was counted and skipped. Cost grows with the number of
        notable days in the window (a bisection finds them), not with its length."""
        due = self.due_date(start, length, unit)
        nominal = start + timedelta(days=length) if unit == CALENDAR else due
        self._index(start)
        self._index(nominal)
        t, _j = self._index(due)
        lo, hi, end = start.toordinal(), nominal.toordinal(), due.toordinal()
        notable = t.notable

        def notable_days(after, upto):
            for o in notable[bisect_right(notable, after):bisect_right(notable, upto)]:
                d = date.fromordinal(o)
                yield d, t.working[o - t.epoch], NotableDay(d, self.day_note(d))

        days_off, made_up = [], []
        for _d, working, day in notable_days(lo, hi):
            (made_up if working else days_off).append(day)
        working_days = t.cum[hi - t.epoch] - t.cum[lo - t.epoch]
        return Explanation(
            start=start, length=length, unit=str(unit), due=due, calendar_days=end - lo,
            working_days=working_days, weekend_days=(hi - lo) - working_days - len(days_off),
            days_off=tuple(days_off), made_up=tuple(made_up), nominal_due=nominal,
            rolled_reason=(self.day_note(nominal) or "") if nominal != due else "",
            rolled_over=tuple(day for _d, _w, day in notable_days(hi, end - 1)))


# ------------------------------------------------------------------- the shared instance

_cache_lock = threading.Lock()
_cached: WorkingCalendar | None = None


def overrides_version():
    """Changes whenever a row is added, edited or deleted: the count catches deletions,
    the last `updated_at` (auto_now) catches additions and edits."""
    from django.db.models import Count, Max

    from workflows.models import CalendarOverride

    agg = CalendarOverride.objects.aggregate(n=Count("pk"), last=Max("updated_at"))
    return agg["n"], agg["last"]


def load_overrides() -> dict[date, Override]:
    from workflows.models import CalendarOverride

    return {day: Override(is_working, reason) for day, is_working, reason in
            CalendarOverride.objects.values_list("day", "is_working_day", "reason")}


def get_calendar() -> WorkingCalendar:
    """The process's calendar, rebuilt if the override table changed since it was built.
    Costs one aggregate query; in a loop, call it once and pass the calendar along."""
    global _cached
    version = overrides_version()
    cal = _cached
    if cal is not None and cal.version == version:
        return cal
    with _cache_lock:
        cal = _cached
        if cal is None or cal.version != version:
            # Read after the version, so a concurrent edit can only make us rebuild once more.
            first, last = cal.span if cal is not None else (FIRST_YEAR, LAST_YEAR)
            cal = WorkingCalendar(load_overrides(), first_year=first, last_year=last,
                                  version=version)
            _cached = cal
    return cal


def invalidate_calendar() -> None:
    global _cached
    with _cache_lock:
        _cached = None

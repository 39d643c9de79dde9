"""The working-day calendar: which days count, and deadline arithmetic on them.

A day is a working day unless it is a Saturday or Sunday or a public holiday of
`holidays.VN`; a row of `CalendarOverride` always wins (an extra day off, a make-up Saturday).

The sweep and the recomputation after a calendar edit ask for thousands of due dates, so
nothing here walks day by day. For a span of years we keep, per day: `working` (1/0), `cum`
(working days from the start of the span up to and including that day), `kth` (the k-th
working day of the span) and `next_day` (the first working day on or after it). "The n-th
working day after d" is then `kth[cum[d] + n - 1]`; "d + n days, rolled forward" is
`next_day[d + n]`. The span grows when a date falls outside it, but never beyond the
calendar's window (`calendar_window`: the dates the product accepts, a year before, and the
years the longest accepted count can reach after): a date outside it raises
`DateOutOfRange` (a ValueError whose message pages show), so no input can make a request
build tables of hundreds of years, and the shared calendar's size is fixed.

Processes share nothing, so `get_calendar()` compares a cheap version of the override table
(row count, last edit) on each call and rebuilds when an administrator changed it, in this
process or another. Hot loops take one calendar and pass it around.
"""
from __future__ import annotations

import threading
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate

import holidays
from django.utils.translation import gettext as _

from workflows.calendar_explain import (  # noqa: F401 (re-exported)
    CALENDAR,
    WEEKDAY_NAMES,
    WORKING,
    Explanation,
    NotableDay,
    weekday_name,
)

# When a date falls outside the span, grow by at least this much so that a run of far-off
# dates costs one rebuild, not one per date.
GROW_YEARS = 10
# Fewer working days than this in any year cannot happen (365 - 104 weekend days - holidays),
# so n working days never need more than n // 200 + 1 years.
MIN_WORKING_DAYS_PER_YEAR = 200


class DateOutOfRange(ValueError):
    """A date (or a count reaching one) outside the calendar's window."""


def calendar_window(today: date | None = None) -> tuple[int, int]:
    """The first and last year the calendar may cover: a year before the first accepted date
    (warnings count back from a due date), and after the last accepted date the years that
    the longest accepted count (MAX_DAYS working days) can reach."""
    from casework.dates import YEARS_AFTER_FOR_COUNTS, date_bounds

    first, last = date_bounds(today)
    return first.year - 1, last.year + YEARS_AFTER_FOR_COUNTS


@dataclass(frozen=True)
class Override:
    is_working_day: bool
    reason: str


class _Tables:
    """The precomputed tables for one span of years. Never changed once built: growing the
    span builds new tables and swaps the reference, so a reader in another thread always sees
    one consistent set.

    Lookups go through `index` (a dict keyed by the date itself) and the answers are stored
    as ready-made date objects: in CPython that is cheaper than `toordinal()`, a bounds check
    and `date.fromordinal()` on every call, and it is what makes a due date cost a few
    hundred nanoseconds.
    """

    __slots__ = ("first_year", "last_year", "epoch", "index", "working", "cum", "cum_at",
                 "kth", "next_day", "holiday_names", "notable")

    def __init__(self, first_year: int, last_year: int, overrides: dict[date, Override]):
        self.first_year, self.last_year = first_year, last_year
        self.epoch = date(first_year, 1, 1).toordinal()
        size = date(last_year, 12, 31).toordinal() - self.epoch + 1
        days = [date.fromordinal(self.epoch + i) for i in range(size)]
        index = {d: i for i, d in enumerate(days)}
        working = bytearray(1 if d.weekday() < 5 else 0 for d in days)
        names = {}
        for day, name in holidays.VN(years=range(first_year, last_year + 1),
                                     language="vi").items():
            if day in index:
                working[index[day]] = 0
                names[day] = name
        for day, override in overrides.items():
            if day in index:
                working[index[day]] = 1 if override.is_working_day else 0
        cum = list(accumulate(working))  # working days in [first day, day i]
        kth = [d for d, w in zip(days, working) if w]  # kth[k]: the (k+1)-th working day
        next_day = []  # the first working day on or after day i; stops at the last one
        for i, d in enumerate(days):
            if working[i]:
                next_day.append(d)
            elif cum[i] < len(kth):
                next_day.append(kth[cum[i]])
            else:
                break
        self.index, self.working, self.cum, self.kth, self.next_day = (
            index, working, cum, kth, next_day)
        self.cum_at = dict(zip(days, cum))  # saves one lookup on the hottest path
        self.holiday_names = names
        # Days an explanation names one by one (as ordinals, for bisection): days off that
        # are not plain weekends, and weekend days that are working days.
        self.notable = sorted(
            d.toordinal() for d in set(names) | set(overrides) if d in index
            and (working[index[d]] == 0 or d.weekday() >= 5))


def _as_date(d) -> date:
    if type(d) is date:
        return d
    if isinstance(d, date):  # a datetime: its day
        return date(d.year, d.month, d.day)
    raise TypeError(f"expected a date, got {d!r}")


class WorkingCalendar:
    """Deadline arithmetic on precomputed tables. Counting always starts the day after the
    triggering date (domain rule: "kể từ ngày tiếp theo").

    Each fast function tries the tables first; a date outside the span (or not a plain
    `date`) falls to a slow path that grows the span and tries again.
    """

    def __init__(self, overrides: dict[date, Override] | None = None, *,
                 first_year: int | None = None, last_year: int | None = None, version=None,
                 limits: tuple[int, int] | None = None):
        """The tables cover `first_year`..`last_year` (by default the whole window). The span
        may grow up to `limits` (by default `calendar_window()` as of the day it grows, so
        the window follows the years in a long-running process)."""
        self.overrides = dict(overrides or {})
        self.version = version
        self._limits = limits
        self._lock = threading.Lock()
        lo, hi = self.limits
        self._t = _Tables(lo if first_year is None else first_year,
                          hi if last_year is None else last_year, self.overrides)

    @property
    def limits(self) -> tuple[int, int]:
        return self._limits or calendar_window()

    @property
    def span(self) -> tuple[int, int]:
        t = self._t
        return t.first_year, t.last_year

    def _out_of_range(self, first_year: int, last_year: int) -> DateOutOfRange:
        from casework.formatting import date_text as day

        lo, hi = self.limits
        return DateOutOfRange(
            _("Ngày cần tính (năm %(year)s) nằm ngoài phạm vi của lịch làm việc (từ %(first)s "
              "đến %(last)s).") % {"year": first_year if first_year < lo else last_year,
                                   "first": day(date(lo, 1, 1)), "last": day(date(hi, 12, 31))})

    def _grow(self, first_year: int, last_year: int) -> None:
        with self._lock:
            t = self._t
            if first_year >= t.first_year and last_year <= t.last_year:
                return
            # Never beyond the window: what lies outside it is refused, not built, so the
            # tables (and the cost of a request) stay the same size whatever was asked.
            lo, hi = self.limits
            lo, hi = min(lo, t.first_year), max(hi, t.last_year)
            if first_year < lo or last_year > hi:
                raise self._out_of_range(first_year, last_year)
            if first_year < t.first_year:
                first_year = max(lo, min(first_year, t.first_year - GROW_YEARS))
            if last_year > t.last_year:
                last_year = min(hi, max(last_year, t.last_year + GROW_YEARS))
            self._t = _Tables(min(first_year, t.first_year), max(last_year, t.last_year),
                              self.overrides)

    def _where(self, d) -> tuple[_Tables, int]:
        """The tables and the position of `d` in them, growing the span if needed."""
        t = self._t
        try:
            return t, t.index[d]
        except KeyError:
            pass
        d = _as_date(d)
        self._grow(d.year, d.year)
        t = self._t
        return t, t.index[d]

    @staticmethod
    def _check(n):
        if n < 0:
            raise ValueError("n must not be negative")

    def _last_day(self) -> date:
        return date(max(self.limits[1], self._t.last_year), 12, 31)

    # --------------------------------------------------------------- the fast functions

    def is_working_day(self, d: date) -> bool:
        t, i = self._where(d)
        return t.working[i] == 1

    def next_working_day(self, d: date) -> date:
        """`d` itself if it is a working day, else the first working day after it."""
        t, i = self._where(d)
        try:
            return t.next_day[i]
        except IndexError:
            self._grow(t.last_year, t.last_year + 1)
            return self.next_working_day(d)

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after `start` (`start` itself does not count; n=0 gives
        `start` back)."""
        if n > 0:
            t = self._t
            try:
                return t.kth[t.cum_at[start] + n - 1]
            except (KeyError, IndexError):
                pass
            start = _as_date(start)
            self._grow(start.year, start.year + n // MIN_WORKING_DAYS_PER_YEAR + 1)
            return self.add_working_days(start, n)
        self._check(n)
        return start

    def add_calendar_days(self, start: date, n: int) -> date:
        """`start` + n days, moved on to the next working day if that day is not one."""
        if n >= 0:
            t = self._t
            try:
                return t.next_day[t.index[start] + n]
            except (KeyError, IndexError):
                pass
            start = _as_date(start)
            self._where(start)
            # Refused before adding: near date.max the sum itself would overflow.
            if n > (self._last_day() - start).days:
                raise self._out_of_range(start.year, start.year + n // 365 + 1)
            return self.next_working_day(start + timedelta(days=n))
        self._check(n)

    def subtract_working_days(self, d: date, n: int) -> date:
        """The n-th working day before `d` (for "warn N working days before the due date")."""
        if n > 0:
            t, i = self._where(d)
            k = t.cum[i] - t.working[i] - n
            if k >= 0:
                return t.kth[k]
            d = _as_date(d)
            self._grow(d.year - n // MIN_WORKING_DAYS_PER_YEAR - 1, d.year)
            return self.subtract_working_days(d, n)
        self._check(n)
        return d

    def working_days_between(self, a: date, b: date) -> int:
        """Working days d with a < d <= b; 0 if b is not after a."""
        if b <= a:
            return 0
        self._where(a)
        t, j = self._where(b)
        return t.cum[j] - t.cum[t.index[_as_date(a)]]

    def due_date(self, start: date, length: int, unit: str) -> date:
        # The two fast paths are repeated here, with literal units rather than the module
        # constants: one Python call and two global lookups less per due date.
        t = self._t
        try:
            if unit == "working":
                if length > 0:
                    return t.kth[t.cum_at[start] + length - 1]
            elif unit == "calendar":
                if length >= 0:
                    return t.next_day[t.index[start] + length]
        except (KeyError, IndexError):
            pass
        if unit == WORKING:
            return self.add_working_days(start, length)
        if unit == CALENDAR:
            return self.add_calendar_days(start, length)
        raise ValueError(f"unknown unit {unit!r}")

    def due_dates(self, starts, lengths, units) -> list[date]:
        """Many due dates at once (a recompute, the sweep, a report): the lookups of
        `due_date` without a Python call per item."""
        t = self._t
        kth, next_day, cum_at, index = t.kth, t.next_day, t.cum_at, t.index
        out = []
        append = out.append
        for start, n, unit in zip(starts, lengths, units, strict=True):
            try:
                if unit == "working" and n > 0:
                    append(kth[cum_at[start] + n - 1])
                    continue
                if unit == "calendar" and n >= 0:
                    append(next_day[index[start] + n])
                    continue
            except (KeyError, IndexError):
                pass
            append(self.due_date(start, n, unit))
        return out

    # --------------------------------------------------------------- for people

    def day_note(self, d: date) -> str | None:
        """Why a day is special ("Chủ nhật", a holiday's name, an override's reason), or None
        for an ordinary working weekday."""
        d = _as_date(d)
        override = self.overrides.get(d)
        weekend = d.weekday() >= 5
        if override is not None:
            made_up = _("Làm bù")
            if (override.is_working_day and weekend
                    and not override.reason.lower().startswith(made_up.lower())):
                return _("%(made_up)s: %(reason)s") % {"made_up": made_up,
                                                       "reason": override.reason}
            return override.reason
        t, _i = self._where(d)
        name = t.holiday_names.get(d)
        if name:
            return name
        if weekend:
            return weekday_name(d)
        return None

    def explain(self, start: date, length: int, unit: str) -> Explanation:
        """The due date with what was counted and skipped. Cost grows with the number of
        notable days in the window (a bisection finds them), not with its length."""
        start = _as_date(start)
        due = self.due_date(start, length, unit)
        nominal = start + timedelta(days=length) if unit == CALENDAR else due
        for d in (start, nominal, due):
            self._where(d)
        t = self._t
        lo, hi, end = start.toordinal(), nominal.toordinal(), due.toordinal()
        notable = t.notable

        def notable_days(after, upto):
            for o in notable[bisect_right(notable, after):bisect_right(notable, upto)]:
                d = date.fromordinal(o)
                yield d, t.working[t.index[d]], NotableDay(d, self.day_note(d))

        days_off, made_up = [], []
        for _d, working, day in notable_days(lo, hi):
            (made_up if working else days_off).append(day)
        working_days = t.cum[t.index[nominal]] - t.cum[t.index[start]]
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
    from django.db import connection

    from workflows.models import CalendarOverride

    # Raw SQL: the ORM's aggregate() costs several times the query itself, and this runs on
    # every get_calendar() call.
    q = connection.ops.quote_name
    meta = CalendarOverride._meta
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*), MAX({q(meta.get_field('updated_at').column)}) "
                       f"FROM {q(meta.db_table)}")
        return tuple(cursor.fetchone())


def load_overrides() -> dict[date, Override]:
    from workflows.models import CalendarOverride

    return {day: Override(is_working, reason) for day, is_working, reason in
            CalendarOverride.objects.values_list("day", "is_working_day", "reason")}


def get_calendar(version: tuple | None = None) -> WorkingCalendar:
    """The process's calendar, rebuilt if the override table changed since it was built.
    Costs one aggregate query; in a loop, call it once and pass the calendar along.
    `version`: `overrides_version()` as a caller already read it in a statement of its own
    (the delivery of a batch reads it with the batch's rows), then no query is run."""
    global _cached
    if version is None:
        version = overrides_version()
    cal = _cached
    if cal is not None and cal.version == version:
        return cal
    with _cache_lock:
        cal = _cached
        if cal is None or cal.version != version:
            # Read after the version, so a concurrent edit can only make us rebuild once more.
            # Keep the span already built (it is bounded by the window), or build the window.
            first, last = cal.span if cal is not None else (None, None)
            cal = WorkingCalendar(load_overrides(), first_year=first, last_year=last,
                                  version=version)
            _cached = cal
    return cal


def invalidate_calendar() -> None:
    global _cached
    with _cache_lock:
        _cached = None

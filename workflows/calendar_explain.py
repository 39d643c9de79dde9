"""How a due date is told to people: Vietnamese weekday names, dates as dd/mm/yyyy, and the
explanation of a computation (what was counted, what was skipped, why the end moved).

Kept apart from `workflows.calendar`, which holds the arithmetic; import both from there.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework.formatting import count_text, date_text

WORKING = "working"
CALENDAR = "calendar"

WEEKDAY_NAMES = (
    gettext_lazy("Thứ Hai"), gettext_lazy("Thứ Ba"), gettext_lazy("Thứ Tư"),
    gettext_lazy("Thứ Năm"), gettext_lazy("Thứ Sáu"), gettext_lazy("Thứ Bảy"),
    gettext_lazy("Chủ nhật"),
)


def weekday_name(d: date) -> str:
    return str(WEEKDAY_NAMES[d.weekday()])



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
                "date": date_text(x.day), "weekday": x.weekday, "note": x.note} for x in days]

        def how_many(days):
            return {"n": count_text(len(days))}

        args = {"start": date_text(self.start), "due": date_text(self.due), "length": self.length,
                "count": count_text(self.length), "weekday": weekday_name(self.due),
                "span": count_text(self.calendar_days)}
        out = []
        if self.unit == WORKING:
            out.append((_("Thời hạn %(count)s ngày làm việc, tính từ sau ngày %(start)s; hạn: "
                          "%(weekday)s, %(due)s (ngày làm việc thứ %(length)s, trải qua %(span)s "
                          "ngày theo lịch).") % args, []))
            if self.days_off:
                out.append((_("Ngày nghỉ lễ, nghỉ bù, nghỉ hoán đổi không tính (%(n)s ngày):")
                            % how_many(self.days_off), items(self.days_off)))
        else:
            out.append((_("Thời hạn %(count)s ngày theo lịch, tính từ sau ngày %(start)s; hạn: "
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
            out.append((text % {"n": count_text(self.weekend_days)}, []))
        if self.unit == CALENDAR:
            passed = _(" Các ngày nghỉ lễ được bỏ qua khi chuyển:") if self.rolled_over else ""
            nominal = {"passed": passed, "nominal": date_text(self.nominal_due),
                       "weekday": weekday_name(self.nominal_due), "why": self.rolled_reason,
                       "due": date_text(self.due), "due_weekday": weekday_name(self.due)}
            if not self.rolled_forward:
                out.append((_("Ngày cuối của thời hạn là ngày làm việc nên hạn giữ nguyên."), []))
            elif self.rolled_reason == nominal["weekday"]:
                out.append((_("Ngày cuối của thời hạn, %(nominal)s, là %(weekday)s nên hạn "
                              "chuyển sang ngày làm việc tiếp theo: %(due_weekday)s, %(due)s."
                              "%(passed)s") % nominal, items(self.rolled_over)))
            else:
                out.append((_("Ngày cuối của thời hạn, %(nominal)s (%(weekday)s), là ngày nghỉ "
                              "(%(why)s) nên hạn chuyển sang ngày làm việc tiếp theo: "
                              "%(due_weekday)s, %(due)s.%(passed)s") % nominal,
                            items(self.rolled_over)))
        return out

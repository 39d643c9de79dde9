"""The periods a report covers (issue 12): a month, a quarter, the first 6 or 9 months, a
year, the Party term (nhiệm kỳ), or any from–to. One parser for the command
(`report_figures --period 2025-Q3`) and the report page (/bao-cao/?ky=quy&nam=2025&quy=3),
so both name the same days the same way and refuse bad input with the same Vietnamese
message, naming the field.

Written forms: "2025" (year), "2025-03" (month), "2025-Q3" (quarter), "2025-6T" and
"2025-9T" (the first 6 and 9 months), "2025-2030" (the term whose years these are, 1 January
of the first to 31 December of the last). Every day must lie in the accepted date range
(casework.dates).
"""
import re
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from casework.dates import date_bounds_message
from casework.formatting import date_text

# A term lasts five years (Điều lệ Đảng, Điều 10): the report page offers the one under way.
TERM_YEARS = 5
FIRST_TERM_START = 2025  # Đại hội Đảng bộ xã lần thứ I, nhiệm kỳ 2025–2030


class PeriodError(ValueError):
    """A period that cannot be read; its message is for the user, in Vietnamese."""


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    label: str  # "năm 2025", "quý III năm 2025", "từ 01/03/2025 đến 31/05/2025"

    @property
    def code(self):
        return f"{self.start.isoformat()}..{self.end.isoformat()}"


ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


def _month_end(year, month):
    return date(year + month // 12, month % 12 + 1, 1) - date.resolution


def _checked(start, end, label, field, end_field=None):
    for day, name in ((start, field), (end, end_field or field)):
        if message := date_bounds_message(day, label=name):
            raise PeriodError(message)
    if start > end:
        raise PeriodError(_("Từ ngày phải trước hoặc bằng đến ngày."))
    return Period(start, end, label)


def year_period(year):
    return _checked(date(year, 1, 1), date(year, 12, 31), _("năm %(y)s") % {"y": year},
                    _("Năm"))


def month_period(year, month):
    if not 1 <= month <= 12:
        raise PeriodError(_("Tháng: “%(m)s” không phải một tháng (1 đến 12).") % {"m": month})
    return _checked(date(year, month, 1), _month_end(year, month),
                    _("tháng %(m)s năm %(y)s") % {"m": f"{month:02d}", "y": year}, _("Tháng"))


def quarter_period(year, quarter):
    if quarter not in ROMAN:
        raise PeriodError(_("Quý: “%(q)s” không phải một quý (1 đến 4).") % {"q": quarter})
    return _checked(date(year, 3 * quarter - 2, 1), _month_end(year, 3 * quarter),
                    _("quý %(q)s năm %(y)s") % {"q": ROMAN[quarter], "y": year}, _("Quý"))


def months_period(year, months):
    """The first 6 or 9 months of a year."""
    return _checked(date(year, 1, 1), _month_end(year, months),
                    _("%(n)s tháng đầu năm %(y)s") % {"n": months, "y": year}, _("Năm"))


def term_period(first_year):
    last = first_year + TERM_YEARS
    return _checked(date(first_year, 1, 1), date(last, 12, 31),
                    _("nhiệm kỳ %(a)s–%(b)s") % {"a": first_year, "b": last}, _("Nhiệm kỳ"))


def range_period(start, end):
    return _checked(start, end, _("từ %(a)s đến %(b)s") % {"a": date_text(start),
                                                        "b": date_text(end)}, _("Từ ngày"),
                    _("Đến ngày"))


def out_of_range(text):
    return _("Kỳ: “%(t)s” nằm ngoài khoảng ngày cho phép.") % {"t": str(text)[:40]}


def current_term_start(today):
    """The first year of the term `today` falls in."""
    return FIRST_TERM_START + max(0, (today.year - FIRST_TERM_START)) // TERM_YEARS * TERM_YEARS


_FORMS = [
    (re.compile(r"^(\d{4})$"), lambda m: year_period(int(m[1]))),
    (re.compile(r"^(\d{4})-(\d{1,2})$"), lambda m: month_period(int(m[1]), int(m[2]))),
    (re.compile(r"^(\d{4})-[Qq]([1-4])$"), lambda m: quarter_period(int(m[1]), int(m[2]))),
    (re.compile(r"^(\d{4})-([69])[Tt]$"), lambda m: months_period(int(m[1]), int(m[2]))),
]


def parse_period(text):
    """The Period a written form names (module docstring), or PeriodError."""
    text = (text or "").strip()
    term = re.match(r"^(\d{4})-(\d{4})$", text)
    if term:
        if int(term[2]) - int(term[1]) != TERM_YEARS:
            raise PeriodError(_("Kỳ: “%(t)s” không phải một nhiệm kỳ %(n)s năm (ví dụ "
                                "2025-2030).") % {"t": text, "n": TERM_YEARS})
        try:
            return term_period(int(term[1]))
        except PeriodError:
            raise
        except (ValueError, OverflowError):
            raise PeriodError(out_of_range(text)) from None
    for pattern, build in _FORMS:
        if match := pattern.match(text):
            try:
                return build(match)
            except (ValueError, OverflowError) as error:  # year 0, or past 9999
                if isinstance(error, PeriodError):
                    raise
                raise PeriodError(out_of_range(text)) from None
    raise PeriodError(_("Kỳ: “%(t)s” không đọc được; viết 2025 (năm), 2025-03 (tháng), "
                        "2025-Q3 (quý), 2025-6T hoặc 2025-9T (6, 9 tháng đầu năm), "
                        "2025-2030 (nhiệm kỳ).") % {"t": text[:40]})

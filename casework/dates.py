"""The one rule on which dates and how many days the product accepts.

A date is accepted from 1 January CASEWORK_DATE_YEARS_BACK years before this year to
31 December CASEWORK_DATE_YEARS_AHEAD years after it (settings, from the environment). Whole
years, so the window moves once a year and the working-day calendar, whose tables cover the
window, never grows with what someone typed: a typo (0202 for 2025) or a probe (9999) gets a
message naming the field and the range, not a 500 or a server that builds tables until it is
killed. Forms use `BoundedDateField`; services call `date_bounds_message` as well, so the
admin, commands, the demo loader and the API cannot store an out-of-range date either.

A count of days (a deadline's length, an extension, the calculator) is at most `MAX_DAYS`.
"""
from __future__ import annotations

from datetime import date

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.formatting import date_text

# Ten years: far above any time limit in the law (the longest is months), and what the
# working-day calendar adds after the last accepted date so that any count stays in its tables.
MAX_DAYS = 3650
# The calendar's tables end this many years after the last accepted date: MAX_DAYS working
# days need at most MAX_DAYS // 200 + 1 years (no year has fewer than 200 working days).
YEARS_AFTER_FOR_COUNTS = MAX_DAYS // 200 + 2
# Python dates end in 9999; keep room for the calendar's tables after the last accepted year.
_LAST_POSSIBLE_YEAR = 9999 - YEARS_AFTER_FOR_COUNTS - 1



def date_bounds(today: date | None = None) -> tuple[date, date]:
    """The first and the last date accepted, as of `today` (the office's date by default)."""
    year = (today or timezone.localdate()).year
    back = max(0, int(settings.CASEWORK_DATE_YEARS_BACK))
    ahead = max(0, int(settings.CASEWORK_DATE_YEARS_AHEAD))
    return (date(min(max(2, year - back), _LAST_POSSIBLE_YEAR), 1, 1),
            date(min(max(2, year + ahead), _LAST_POSSIBLE_YEAR), 12, 31))


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def date_bounds_message(value: date, *, label, today: date | None = None) -> str | None:
    """None if `value` is accepted, else the message that says why, naming the field."""
    first, last = date_bounds(today)
    if first <= value <= last:
        return None
    return _("%(label)s: ngày %(date)s nằm ngoài khoảng cho phép (từ %(first)s đến "
             "%(last)s).") % {"label": _sentence_case(str(label)), "date": date_text(value),
                              "first": date_text(first), "last": date_text(last)}


def check_date_bounds(value: date | None, *, field: str, label) -> None:
    """For services: raise a ValidationError on `field` if `value` is out of range."""
    if value is None:
        return
    message = date_bounds_message(value, label=label)
    if message:
        raise ValidationError({field: message})


def days_message(value: int, *, label, minimum: int = 1) -> str | None:
    """None if `value` days is an accepted count, else the message naming the field."""
    if minimum <= value <= MAX_DAYS:
        return None
    return _("%(label)s phải từ %(min)s đến %(max)s.") % {
        "label": _sentence_case(str(label)), "min": minimum, "max": MAX_DAYS}


class BoundedDateField(forms.DateField):
    """A date field that refuses dates outside `date_bounds()` with a message naming the
    field and the range. Every date a form accepts goes through one of these."""

    def validate(self, value):
        super().validate(value)
        if value in self.empty_values:
            return
        message = date_bounds_message(value, label=self.label or _("ngày"))
        if message:
            raise ValidationError(message, code="out_of_range")

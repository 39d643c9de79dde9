"""`python manage.py due_date START LENGTH [--unit working|calendar]`: the due date of a
deadline that starts on START, on the current calendar (overrides included).

The first output line is the due date alone (YYYY-MM-DD), so scripts can read it with
`head -1`; the explanation for people follows.
"""
from datetime import date, datetime

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils import formats
from django.utils.translation import gettext as _

from casework.dates import MAX_DAYS, date_bounds_message
from workflows.calendar import CALENDAR, WORKING, get_calendar

MAX_LENGTH = MAX_DAYS


def parse_day(text: str) -> date:
    for pattern in formats.get_format("DATE_INPUT_FORMATS"):  # dd/mm/yyyy, yyyy-mm-dd
        try:
            return datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


class Command(BaseCommand):
    help = _("Tính hạn: ngày kết thúc của một thời hạn bắt đầu tính từ sau ngày START, "
             "theo lịch làm việc hiện hành (có tính ngày nghỉ lễ, nghỉ bù, làm bù).")

    def add_arguments(self, parser):
        parser.add_argument("start", metavar="START",
                            help=_("ngày phát sinh, dạng YYYY-MM-DD hoặc dd/mm/yyyy"))
        parser.add_argument("length", metavar="LENGTH", help=_("số ngày của thời hạn"))
        parser.add_argument("--unit", default=WORKING,
                            help=_("working: ngày làm việc (mặc định); calendar: ngày theo lịch"))

    def handle(self, *args, start, length, unit, **options):
        try:
            start_day = parse_day(start)
        except ValueError:
            raise CommandError(_("START (ngày bắt đầu) không hợp lệ: “%(value)s”. Nhập theo "
                                 "dạng YYYY-MM-DD hoặc dd/mm/yyyy.") % {"value": start}) from None
        out_of_range = date_bounds_message(start_day, label=_("START (ngày bắt đầu)"))
        if out_of_range:
            raise CommandError(out_of_range)
        try:
            n = int(length)
        except ValueError:
            n = 0
        if not 1 <= n <= MAX_LENGTH:
            raise CommandError(_("LENGTH (số ngày) phải là số nguyên từ 1 đến %(max)s, không "
                                 "phải “%(value)s”.") % {"max": MAX_LENGTH, "value": length})
        if unit not in (WORKING, CALENDAR):
            raise CommandError(_("--unit phải là “working” (ngày làm việc) hoặc “calendar” "
                                 "(ngày theo lịch), không phải “%(value)s”.") % {"value": unit})
        try:
            cal = get_calendar()
        except DatabaseError as exc:
            # Most often a fresh install whose database was never migrated.
            raise CommandError(_("Không đọc được lịch ngày nghỉ trong cơ sở dữ liệu (%(error)s). "
                                 "Hãy chạy: python manage.py migrate") % {"error": exc}) from exc
        try:
            explanation = cal.explain(start_day, n, unit)
        except ValueError as exc:  # DateOutOfRange: the due date falls outside the calendar
            raise CommandError(str(exc)) from exc
        self.stdout.write(explanation.due.isoformat())
        for text, items in explanation.lines():
            self.stdout.write(text)
            for item in items:
                self.stdout.write(f"  - {item}")

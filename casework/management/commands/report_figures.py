"""`python manage.py report_figures --org CODE --from YYYY-MM-DD --to YYYY-MM-DD` (or
`--period 2025`, `2025-03`, `2025-Q3`, `2025-6T`, `2025-9T`, `2025-2030`: casework.periods):
the figures of an organisation's subtree for a period, counted from the event log, as one
JSON object: {"org": CODE, "from": …, "to": …, "letters": {…, "by_unit": {CODE: {…}}},
"cases": {…, "by_unit": {CODE: {…}}}} (casework.selectors.figures and .case_figures)."""
import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from casework.models import Organisation
from casework.periods import PeriodError, parse_period, range_period
from casework.selectors.reports import report_figures


def _day(value, label):
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(_("%(label)s: “%(value)s” không phải một ngày dạng YYYY-MM-DD.")
                           % {"label": label, "value": value}) from None


class Command(BaseCommand):
    help = ("In số liệu đơn thư, kiểm tra, giám sát của một tổ chức (và các tổ chức trực "
            "thuộc) trong một kỳ, dạng JSON.")

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="mã tổ chức (như trang quản trị ghi)")
        parser.add_argument("--from", dest="start", help="từ ngày, YYYY-MM-DD")
        parser.add_argument("--to", dest="end", help="đến ngày, YYYY-MM-DD")
        parser.add_argument("--period", help="kỳ: 2025, 2025-03, 2025-Q3, 2025-6T, 2025-9T, "
                                             "2025-2030 (thay cho --from, --to)")

    def handle(self, *args, org, start, end, period, **options):
        organisation = Organisation.objects.filter(code=org).first()
        if organisation is None:
            raise CommandError(_("Không có tổ chức nào mang mã “%(code)s”.") % {"code": org})
        try:
            if period:
                if start or end:
                    raise CommandError(_("Dùng --period hoặc --from, --to, không dùng cả hai."))
                chosen = parse_period(period)
            else:
                if not (start and end):
                    raise CommandError(_("Cần --period, hoặc cả --from và --to."))
                chosen = range_period(_day(start, _("Từ ngày")), _day(end, _("Đến ngày")))
        except PeriodError as error:
            raise CommandError(str(error)) from None
        figures = report_figures(organisation=organisation, period=chosen)
        self.stdout.write(json.dumps(figures, ensure_ascii=False, indent=2))

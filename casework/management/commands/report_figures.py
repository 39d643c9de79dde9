"""`python manage.py report_figures --org CODE --from YYYY-MM-DD --to YYYY-MM-DD`: the
figures of an organisation's subtree for a period, counted from the event log
(casework.selectors.figures), as one JSON object:
{"org": CODE, "from": …, "to": …, "letters": {…, "by_unit": {CODE: {…}}}}.
Letters only for now: the inspection and supervision figures ("cases") are not built yet
and the key is left out."""
import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from casework.dates import date_bounds_message
from casework.models import Organisation
from casework.selectors.figures import letter_figures


def _day(value, label):
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise CommandError(_("%(label)s: “%(value)s” không phải một ngày dạng YYYY-MM-DD.")
                           % {"label": label, "value": value}) from None
    message = date_bounds_message(day, label=label)
    if message:
        raise CommandError(message)
    return day


class Command(BaseCommand):
    help = "In số liệu đơn thư của một tổ chức (và các tổ chức trực thuộc) trong một kỳ, dạng JSON."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="mã tổ chức (như trang quản trị ghi)")
        parser.add_argument("--from", dest="start", required=True, help="từ ngày, YYYY-MM-DD")
        parser.add_argument("--to", dest="end", required=True, help="đến ngày, YYYY-MM-DD")

    def handle(self, *args, org, start, end, **options):
        organisation = Organisation.objects.filter(code=org).first()
        if organisation is None:
            raise CommandError(_("Không có tổ chức nào mang mã “%(code)s”.") % {"code": org})
        start, end = _day(start, _("Từ ngày")), _day(end, _("Đến ngày"))
        if start > end:
            raise CommandError(_("Từ ngày phải trước hoặc bằng đến ngày."))
        figures = {"org": organisation.code, "from": start.isoformat(), "to": end.isoformat(),
                   "letters": letter_figures(organisation=organisation, start=start, end=end)}
        self.stdout.write(json.dumps(figures, ensure_ascii=False, indent=2))

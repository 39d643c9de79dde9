"""The report page's choice of period and unit (/bao-cao/?ky=quy&nam=2025&quy=3&don-vi=…):
read into a casework.periods.Period, with a Vietnamese message naming the field when the
choice cannot be read."""
from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework import periods
from casework.dates import BoundedDateField
from casework.forms import DATE_WIDGET
from casework.query_names import vietnamese_parameters

PERIOD_KINDS = [
    ("thang", _("Tháng")), ("quy", _("Quý")), ("6-thang", _("6 tháng đầu năm")),
    ("9-thang", _("9 tháng đầu năm")), ("nam", _("Năm")), ("nhiem-ky", _("Nhiệm kỳ")),
    ("tu-chon", _("Từ ngày – đến ngày")),
]


@vietnamese_parameters  # ?ky=, ?nam=, ?thang=, ?quy=, ?tu-ngay=, ?den-ngay=, ?don-vi=
class ReportForm(forms.Form):
    report_period = forms.ChoiceField(label=_("Kỳ báo cáo"), choices=PERIOD_KINDS)
    year = forms.IntegerField(label=_("Năm"), required=False, min_value=1, max_value=9999)
    report_month = forms.TypedChoiceField(label=_("Tháng"), required=False, coerce=int,
                                          choices=[(m, f"{m:02d}") for m in range(1, 13)])
    report_quarter = forms.TypedChoiceField(label=_("Quý"), required=False, coerce=int,
                                            choices=[(q, periods.ROMAN[q]) for q in range(1, 5)])
    report_from = BoundedDateField(label=_("Từ ngày"), required=False, widget=DATE_WIDGET)
    report_to = BoundedDateField(label=_("Đến ngày"), required=False, widget=DATE_WIDGET)
    organisation = forms.ModelChoiceField(label=_("Đơn vị"), queryset=None, empty_label=None)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["don-vi"].queryset = units
        self.fields["don-vi"].label_from_instance = lambda org: (
            "\u2003" * max(org.path.count("/") - 2, 0) + org.name)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        kind, year = data.get("ky"), data.get("nam")
        today = timezone.localdate()
        needed = {"thang": ("thang",), "quy": ("quy",)}.get(kind, ())
        if kind in ("thang", "quy", "6-thang", "9-thang", "nam") and not year:
            self.add_error("nam", _("Chưa nhập năm."))
        for name in needed:
            if not data.get(name):
                self.add_error(name, _("Chưa chọn %(what)s.") % {
                    "what": self.fields[name].label.lower()})
        if kind == "tu-chon":
            for name in ("tu-ngay", "den-ngay"):
                if not data.get(name):
                    self.add_error(name, _("Chưa nhập %(what)s.") % {
                        "what": self.fields[name].label.lower()})
        if self.errors:
            return data
        try:
            data["period"] = {
                "thang": lambda: periods.month_period(year, data["thang"]),
                "quy": lambda: periods.quarter_period(year, data["quy"]),
                "6-thang": lambda: periods.months_period(year, 6),
                "9-thang": lambda: periods.months_period(year, 9),
                "nam": lambda: periods.year_period(year),
                "nhiem-ky": lambda: periods.term_period(
                    periods.current_term_start(date(year, 1, 1) if year else today)),
                "tu-chon": lambda: periods.range_period(data["tu-ngay"], data["den-ngay"]),
            }[kind]()
        except periods.PeriodError as error:
            self.add_error("den-ngay" if kind == "tu-chon" else "nam", str(error))
        except (ValueError, OverflowError):  # a year Python's dates cannot hold
            self.add_error("nam", periods.out_of_range(year))
        return data

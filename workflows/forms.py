"""The due-date calculator's form: it only parses; the calendar does the arithmetic."""
from django import forms
from django.utils.translation import gettext_lazy as _

from casework.dates import MAX_DAYS, BoundedDateField
from casework.forms import DATE_WIDGET
from casework.query_names import vietnamese_parameters
from workflows.calendar import CALENDAR, WORKING

MAX_LENGTH = MAX_DAYS


@vietnamese_parameters  # ?ngay-phat-sinh=, ?so-ngay=, ?cach-tinh=
class DueDateForm(forms.Form):
    start = BoundedDateField(
        label=_("Ngày phát sinh"), widget=DATE_WIDGET,
        help_text=_("Ngày nhận đơn, ngày thụ lý…; thời hạn tính từ ngày hôm sau."),
        error_messages={"required": _("Chưa nhập ngày phát sinh."),
                        "invalid": _("Ngày phát sinh chưa đúng dạng dd/mm/yyyy.")})
    length = forms.IntegerField(
        label=_("Số ngày"), min_value=1, max_value=MAX_LENGTH,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "size": 5}),
        error_messages={"required": _("Chưa nhập số ngày."),
                        "invalid": _("Số ngày phải là số nguyên."),
                        "min_value": _("Số ngày phải từ 1 trở lên."),
                        "max_value": _("Số ngày tối đa là %(limit_value)s.")})
    unit = forms.ChoiceField(
        label=_("Tính theo"), initial=WORKING, widget=forms.RadioSelect,
        choices=[(WORKING, _("ngày làm việc")), (CALENDAR, _("ngày theo lịch"))],
        error_messages={"required": _("Chưa chọn cách tính."),
                        "invalid_choice": _("Cách tính không hợp lệ.")})

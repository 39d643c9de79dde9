"""Forms for pausing, resuming and extending a deadline clock. They only parse what was
typed; the services (`clock_pause`, `clock_resume`, `clock_extend`) decide what is
acceptable and their messages land on the fields named here (`apply_service_errors`)."""
from django import forms
from django.utils.translation import gettext_lazy as _

from casework.dates import BoundedDateField
from casework.forms import DATE_WIDGET, CleanTextForm
from casework.submissions import SubmissionTokenMixin


def _date(label, help_text=""):
    return BoundedDateField(label=label, required=False, widget=DATE_WIDGET, help_text=help_text,
                           error_messages={"invalid": _("Ngày chưa đúng dạng dd/mm/yyyy.")})


def _text(label, rows=3):
    return forms.CharField(label=label, required=False,
                           widget=forms.Textarea(attrs={"rows": rows}))


class PauseForm(SubmissionTokenMixin, CleanTextForm):
    on = _date(_("Ngày tạm dừng"),
               _("Thời hạn không tính từ sau ngày này cho đến ngày tính tiếp."))
    reason = _text(_("Lý do tạm dừng"))
    suspend = forms.BooleanField(label=_("Theo quyết định tạm đình chỉ giải quyết"),
                                 required=False)
    decision_number = forms.CharField(label=_("Số quyết định tạm đình chỉ"), required=False,
                                      max_length=100)
    decision_date = _date(_("Ngày quyết định tạm đình chỉ"))

    def __init__(self, *args, rule, **kwargs):
        super().__init__(*args, **kwargs)
        if not rule.may_suspend:
            for name in ("suspend", "decision_number", "decision_date"):
                del self.fields[name]


class ResumeForm(SubmissionTokenMixin, CleanTextForm):
    on = _date(_("Ngày tính tiếp"),
               _("Thường là ngày nhận được tài liệu bổ sung."))
    reason = _text(_("Ghi chú (nếu có)"), rows=2)


class ExtendForm(SubmissionTokenMixin, CleanTextForm):
    days = forms.IntegerField(
        label=_("Số ngày gia hạn"), required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "size": 5, "min": 1}),
        error_messages={"invalid": _("Số ngày gia hạn phải là số nguyên dương.")})
    decision_number = forms.CharField(label=_("Số quyết định gia hạn"), required=False,
                                      max_length=100)
    decision_date = _date(_("Ngày quyết định gia hạn"))
    reason = _text(_("Lý do gia hạn"))
    complex_record = forms.CharField(
        label=_("Văn bản ghi nhận vụ việc phức tạp (số, ngày)"), required=False,
        max_length=200)

    def __init__(self, *args, rule, **kwargs):
        super().__init__(*args, **kwargs)
        if not rule.extension_needs_complex:
            del self.fields["complex_record"]
        self.fields["days"].label = _("Số ngày gia hạn (%(unit)s)") % {
            "unit": rule.get_unit_display()}

"""Forms of the programme pages: they only parse; `casework.services.programme` decides."""
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.forms import CleanTextForm, blank_choice
from casework.models import ConductingBody, InspectionKind
from casework.selectors.programme import QUARTERS
from casework.submissions import SubmissionTokenMixin


class ProgrammeForm(SubmissionTokenMixin, CleanTextForm):
    organisation = forms.ModelChoiceField(label=_("Cấp ủy, tổ chức"), queryset=None,
                                          required=False, empty_label=_("— chọn —"))
    body = forms.ChoiceField(label=_("Chủ thể"), choices=blank_choice(ConductingBody.choices),
                             required=False)
    year = forms.IntegerField(label=_("Năm"), required=False,
                              widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    document = forms.CharField(label=_("Số, ngày văn bản ban hành"), required=False,
                               max_length=150,
                               help_text=_("Ví dụ: 01-CTr/ĐU ngày 05/01/2026"))

    def __init__(self, *args, organisations, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("year", timezone.localdate().year)
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations


class ItemForm(SubmissionTokenMixin, CleanTextForm):
    kind = forms.ChoiceField(label=_("Loại"), choices=blank_choice(InspectionKind.choices),
                             required=False)
    quarter = forms.TypedChoiceField(label=_("Quý"), coerce=int, empty_value=None,
                                     choices=blank_choice([(q, q) for q in QUARTERS]),
                                     required=False)
    target_organisation = forms.ModelChoiceField(
        label=_("Tổ chức được kiểm tra, giám sát"), queryset=None, required=False,
        empty_label=_("— không ghi (nhiều đảng viên, nhiều tổ chức) —"))
    planned_cases = forms.IntegerField(label=_("Số cuộc dự kiến"), required=False, initial=1,
                                       widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    content = forms.CharField(label=_("Nội dung"), required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target_organisation"].queryset = targets

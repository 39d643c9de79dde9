"""Forms only parse what the user typed; the services decide what is acceptable and
their messages are put back on the right field (see `apply_service_errors`)."""
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from casework.dates import BoundedDateField
from casework.models import (
    Channel, Competence, FiledReason, Member, PetitionKind, PetitionStatus, SenderType,
)

DATE_WIDGET = forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy",
                                                         "size": 10, "inputmode": "numeric"})


def blank_choice(choices):
    return [("", _("— chọn —"))] + list(choices)


def apply_service_errors(form, exc: ValidationError):
    """Put a service's ValidationError on the form fields it names (or on the form)."""
    for name, messages in exc.message_dict.items():
        target = name if name in form.fields else None
        for message in messages:
            form.add_error(target, f"{message}")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, (list, tuple)) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class IntakeForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("Nơi tiếp nhận"), queryset=None,
                                          required=False, empty_label=_("— chọn —"))
    received_on = BoundedDateField(label=_("Ngày nhận đơn"), required=False, widget=DATE_WIDGET)
    channel = forms.ChoiceField(label=_("Nguồn đơn"), choices=blank_choice(Channel.choices),
                                required=False)
    forwarded_by = forms.CharField(label=_("Cơ quan chuyển đến (nếu có)"), required=False,
                                   max_length=255)
    kind = forms.ChoiceField(label=_("Loại đơn"), choices=blank_choice(PetitionKind.choices),
                             required=False)
    sender_type = forms.ChoiceField(label=_("Người gửi"), choices=SenderType.choices,
                                    initial=SenderType.NAMED, widget=forms.RadioSelect)
    subject_name = forms.CharField(
        label=_("Người, tổ chức bị khiếu nại, tố cáo, phản ánh"), required=False, max_length=255)
    subject_member = forms.ModelChoiceField(label=_("Là đảng viên (nếu có)"), queryset=None,
                                            required=False, empty_label=_("— không —"))
    subject_organisation = forms.ModelChoiceField(
        label=_("Là tổ chức đảng (nếu có)"), queryset=None, required=False,
        empty_label=_("— không —"))
    summary = forms.CharField(label=_("Tóm tắt nội dung đơn"), required=False,
                              widget=forms.Textarea(attrs={"rows": 4}))
    attachments = MultipleFileField(label=_("Bản quét đơn (PDF, JPEG, PNG)"), required=False)
    confirm_duplicate = forms.BooleanField(
        label=_("Tôi đã xem các đơn có thể trùng ở trên, vẫn tiếp nhận đơn này"), required=False)

    def __init__(self, *args, organisations, members, subject_organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject_organisation"].queryset = subject_organisations
        self.fields["organisation"].queryset = organisations
        self.fields["subject_member"].queryset = members
        if organisations.count() == 1:
            self.fields["organisation"].initial = organisations.first()


class SenderForm(forms.Form):
    full_name = forms.CharField(label=_("Họ và tên"), required=False, max_length=150)
    address = forms.CharField(label=_("Địa chỉ"), required=False, max_length=255)
    phone = forms.CharField(label=_("Điện thoại"), required=False, max_length=30)
    id_number = forms.CharField(label=_("Số CCCD"), required=False, max_length=20)


# absolute_max: a posted TOTAL_FORMS of 1000 would otherwise build and render 1000 rows.
SenderFormSet = forms.formset_factory(SenderForm, extra=3, max_num=20, absolute_max=20)


class TransitionForm(forms.Form):
    expected_status = forms.ChoiceField(choices=PetitionStatus.choices, widget=forms.HiddenInput)


def _doc_fields(number_label, date_label):
    return {
        "doc_number": forms.CharField(label=number_label, required=False, max_length=100),
        "doc_date": BoundedDateField(label=date_label, required=False, widget=DATE_WIDGET),
    }


def _reason(label, rows=3):
    return forms.CharField(label=label, required=False, widget=forms.Textarea(attrs={"rows": rows}))


def _form(name, fields):
    return type(name, (TransitionForm,), fields)


TRANSITION_FORMS = {
    "classify": _form("ClassifyForm", {
        "kind": forms.ChoiceField(label=_("Loại đơn"), choices=blank_choice(PetitionKind.choices),
                                  required=False),
        "competence": forms.ChoiceField(label=_("Thẩm quyền giải quyết"),
                                        choices=blank_choice(Competence.choices), required=False),
        "reason": _reason(_("Nhận xét khi phân loại")),
    }),
    "accept": _form("AcceptForm", {
        **_doc_fields(_("Số thông báo thụ lý"), _("Ngày thông báo thụ lý")),
        "reason": _reason(_("Ghi chú")),
    }),
    "transfer": _form("TransferForm", {
        "recipient": forms.CharField(label=_("Chuyển đến (cơ quan, người có thẩm quyền)"),
                                     required=False, max_length=255),
        **_doc_fields(_("Số văn bản chuyển đơn"), _("Ngày văn bản chuyển đơn")),
        "reason": _reason(_("Ghi chú")),
    }),
    "guide": _form("GuideForm", {
        "reason": _reason(_("Nội dung hướng dẫn người gửi")),
        **_doc_fields(_("Số văn bản hướng dẫn (nếu có)"), _("Ngày văn bản hướng dẫn")),
    }),
    "file": _form("FileForm", {
        "filed_reason": forms.ChoiceField(label=_("Lý do lưu đơn"),
                                          choices=blank_choice(FiledReason.choices),
                                          required=False),
        "reason": _reason(_("Ghi chú")),
    }),
    "follow_up": _form("FollowUpForm", {
        "reason": _reason(_("Nội dung đôn đốc")),
        **_doc_fields(_("Số văn bản đôn đốc (nếu có)"), _("Ngày văn bản đôn đốc")),
    }),
    "resolve": _form("ResolveForm", {
        "result": _reason(_("Kết quả giải quyết"), rows=4),
        **_doc_fields(_("Số văn bản trả lời, quyết định"), _("Ngày văn bản")),
    }),
    "withdraw": _form("WithdrawForm", {
        "doc_date": BoundedDateField(label=_("Ngày đơn xin rút"), required=False,
                                    widget=DATE_WIDGET),
        "doc_number": forms.CharField(label=_("Số, ký hiệu đơn xin rút (nếu có)"),
                                      required=False, max_length=100),
        "reason": _reason(_("Lý do rút đơn")),
    }),
}


def member_choices(user):
    from casework.permissions import subject_scope

    return Member.objects.filter(
        organisation__in=subject_scope(user)).select_related("organisation")

"""Forms only parse what the user typed; the services decide what is acceptable and
their messages are put back on the right field (see `apply_service_errors`)."""
import json

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.dates import BoundedDateField
from casework.handoff_forms import DestinationForm
from casework.models import (
    Channel,
    Competence,
    ComplaintInstance,
    FiledReason,
    Member,
    PetitionKind,
    PetitionStatus,
    SenderType,
)
from casework.submissions import SubmissionTokenMixin
from casework.text import clean_text

# Shown and read in the active language's DATE_INPUT_FORMATS (config/formats): dd/mm/yyyy.
DATE_WIDGET = forms.DateInput(attrs={"placeholder": "dd/mm/yyyy", "size": 10,
                                     "inputmode": "numeric"})


def blank_choice(choices):
    return [("", _("— chọn —"))] + list(choices)


def apply_service_errors(form, exc: ValidationError):
    """Put a service's ValidationError on the form fields it names (or on the form)."""
    for name, messages in exc.message_dict.items():
        target = name if name in form.fields else None
        for message in messages:
            form.add_error(target, f"{message}")


class CleanTextForm(forms.Form):
    """The base of every form that takes typed text: each text field's value is cleaned by
    `casework.text.clean_text` (see there why characters are removed rather than refused), a
    Textarea keeping its line breaks and any other text field being single-line. Cleaned
    before the field's own checks, so its length limit and Django's refusal of NUL see what
    will be stored. The services clean again for the entry points that have no form."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # this form's own copies of the fields
            if isinstance(field, forms.CharField):
                field.to_python = _cleaned_first(
                    field.to_python, multiline=isinstance(field.widget, forms.Textarea))


def _cleaned_first(to_python, *, multiline):
    def to_clean_python(value):
        return to_python(clean_text(value, multiline=multiline) if isinstance(value, str)
                         else value)
    return to_clean_python


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several scans in one field, at most ATTACHMENT_MAX_FILES of them and
    ATTACHMENT_MAX_TOTAL_BYTES together, refused here, before anything is stored."""

    widget = MultipleFileInput

    def __init__(self, *args, field_name, **kwargs):
        super().__init__(*args, **kwargs)
        self.field_name = field_name  # "Bản quét đơn": the field a message names

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, (list, tuple)) else [data]
        self._check_limits(files)
        return [super(MultipleFileField, self).clean(f, initial) for f in files]

    def _check_limits(self, files):
        max_files, max_total = settings.ATTACHMENT_MAX_FILES, settings.ATTACHMENT_MAX_TOTAL_BYTES
        total = sum(f.size or 0 for f in files)
        problems = []
        if len(files) > max_files:
            problems.append(_("chọn tối đa %(max)s tệp cho một đơn (đã chọn %(count)s tệp).")
                            % {"max": max_files, "count": len(files)})
        if total > max_total:
            problems.append(_("tổng dung lượng các tệp tối đa %(max)s cho một đơn (đã chọn "
                              "%(total)s).") % {"max": filesizeformat(max_total),
                                                "total": filesizeformat(total)})
        if problems:
            # The browser cannot put chosen files back into a page shown again.
            raise ValidationError([
                f"{self.field_name}: {problem} " + str(_(
                    "Các mục khác đã nhập vẫn được giữ; đề nghị chọn lại tệp (trình duyệt "
                    "không giữ tệp đã chọn), bớt tệp hoặc gộp bản quét."))
                for problem in problems])


SUBJECT_DEFAULT_LABEL = _("Người, tổ chức bị khiếu nại, tố cáo, phản ánh")
SUBJECT_LABELS = {
    PetitionKind.DENUNCIATION: _("Người bị tố cáo"),
    PetitionKind.COMPLAINT: _("Người, tổ chức bị khiếu nại"),
    PetitionKind.FEEDBACK: _("Người, tổ chức bị phản ánh"),
    PetitionKind.RECOMMENDATION: _("Người, tổ chức bị kiến nghị"),
}


def grouped_members(members, empty_label):
    """Choices of a member picker: one group per branch (<optgroup>), each name with its
    branch beside it, since the same name is found in two branches. Members come ordered
    by branch (Member.Meta.ordering)."""
    groups = {}
    for member in members:
        branch = member.organisation.name
        groups.setdefault(branch, []).append((member.pk, f"{member.full_name} – {branch}"))
    return [*([("", empty_label)] if empty_label is not None else []), *groups.items()]


def member_picker(field, members):
    """Make a member ModelChoiceField the searchable picker: `members` grouped by branch,
    and the search box that static/js/site.js puts above it (data-filter)."""
    field.queryset = members
    field.choices = grouped_members(members, getattr(field, "empty_label", None))
    field.widget.attrs.update({"data-filter": _("Tìm đảng viên theo tên hoặc chi bộ"),
                               "data-filter-empty": _("Không có đảng viên nào khớp.")})


class IntakeForm(SubmissionTokenMixin, CleanTextForm):
    token_required = True  # a repeated intake would be a second letter with its own number

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
    subject_name = forms.CharField(label=SUBJECT_DEFAULT_LABEL, required=False, max_length=255)
    subject_member = forms.ModelChoiceField(label=_("Là đảng viên (nếu có)"), queryset=None,
                                            required=False, empty_label=_("— không —"))
    subject_organisation = forms.ModelChoiceField(
        label=_("Là tổ chức đảng (nếu có)"), queryset=None, required=False,
        empty_label=_("— không —"))
    summary = forms.CharField(label=_("Tóm tắt nội dung đơn"), required=False,
                              widget=forms.Textarea(attrs={"rows": 4}))
    instance = forms.TypedChoiceField(label=_("Lần khiếu nại"), coerce=int,
                                      choices=ComplaintInstance.choices,
                                      initial=ComplaintInstance.FIRST, required=False,
                                      empty_value=ComplaintInstance.FIRST)
    first_petition = forms.ModelChoiceField(
        label=_("Đơn khiếu nại lần đầu (nếu có trong sổ)"), queryset=None, required=False,
        empty_label=_("— không —"))
    attachments = MultipleFileField(label=_("Bản quét đơn (PDF, JPEG, PNG)"), required=False,
                                    field_name=_("Bản quét đơn"))
    confirm_duplicate = forms.BooleanField(
        label=_("Tôi đã xem các đơn có thể trùng ở trên, vẫn tiếp nhận đơn này"), required=False)

    def __init__(self, *args, organisations, members, subject_organisations,
                 first_complaints=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["first_petition"].queryset = first_complaints
        self.fields["subject_organisation"].queryset = subject_organisations
        self.fields["organisation"].queryset = organisations
        member_picker(self.fields["subject_member"], members)
        if organisations.count() == 1:
            self.fields["organisation"].initial = organisations.first()
        # Today, as most letters are logged the day they arrive; still editable.
        self.fields["received_on"].initial = timezone.localdate()
        # "Người bị tố cáo" for a denunciation, and so on: the label of the chosen kind,
        # here for the page as served (also after a failed post), in static/js/site.js as
        # the kind changes.
        subject = self.fields["subject_name"]
        subject.label = SUBJECT_LABELS.get(self["kind"].value(), subject.label)
        subject.widget.attrs["data-labels"] = json.dumps(
            {kind: str(label) for kind, label in SUBJECT_LABELS.items()}, ensure_ascii=False)
        subject.widget.attrs["data-label-default"] = str(SUBJECT_DEFAULT_LABEL)


class SenderForm(CleanTextForm):
    full_name = forms.CharField(label=_("Họ và tên"), required=False, max_length=150)
    address = forms.CharField(label=_("Địa chỉ"), required=False, max_length=255)
    phone = forms.CharField(label=_("Điện thoại"), required=False, max_length=30)
    id_number = forms.CharField(label=_("Số CCCD"), required=False, max_length=20)


# absolute_max: a posted TOTAL_FORMS of 1000 would otherwise build and render 1000 rows.
SenderFormSet = forms.formset_factory(SenderForm, extra=3, max_num=20, absolute_max=20)


class TransitionForm(SubmissionTokenMixin, CleanTextForm):
    expected_status = forms.ChoiceField(choices=PetitionStatus.choices, widget=forms.HiddenInput)


def _doc_fields(number_label, date_label):
    return {
        "doc_number": forms.CharField(label=number_label, required=False, max_length=100),
        "doc_date": BoundedDateField(label=date_label, required=False, widget=DATE_WIDGET),
    }


def issue_document_field(label):
    """The box that asks the step to produce its document from the template; the number
    then comes from the unit's document register (casework.services.documents)."""
    return forms.BooleanField(
        label=label, required=False,
        help_text=_("Số văn bản do sổ văn bản của đơn vị cấp (để trống ô số); ngày văn bản "
                    "là ngày ghi ở trên, hoặc hôm nay."))


def _reason(label, rows=3):
    return forms.CharField(label=label, required=False, widget=forms.Textarea(attrs={"rows": rows}))


def _form(name, fields, *bases):
    return type(name, (TransitionForm, *bases), fields)


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
        "issue_document": issue_document_field(_("Lập thông báo thụ lý từ mẫu (tệp Word)")),
        "reason": _reason(_("Ghi chú")),
    }),
    # Where to: a unit inside the system, an outside body, or a name typed by hand
    # (casework.handoff_forms).
    "transfer": _form("TransferForm", {
        **_doc_fields(_("Số văn bản chuyển đơn"), _("Ngày văn bản chuyển đơn")),
        "issue_document": issue_document_field(_("Lập phiếu chuyển đơn từ mẫu (tệp Word)")),
        "reason": _reason(_("Ghi chú")),
    }, DestinationForm),
    "guide": _form("GuideForm", {
        "reason": _reason(_("Nội dung hướng dẫn người gửi")),
        **_doc_fields(_("Số văn bản hướng dẫn (nếu có)"), _("Ngày văn bản hướng dẫn")),
    }, DestinationForm),
    "file": _form("FileForm", {
        "filed_reason": forms.ChoiceField(label=_("Lý do lưu đơn"),
                                          choices=blank_choice(FiledReason.choices),
                                          required=False),
        "reason": _reason(_("Ghi chú")),
        "issue_document": issue_document_field(
            _("Lập thông báo không thụ lý từ mẫu (tệp Word)")),
    }),
    "follow_up": _form("FollowUpForm", {
        "reason": _reason(_("Nội dung đôn đốc")),
        **_doc_fields(_("Số văn bản đôn đốc (nếu có)"), _("Ngày văn bản đôn đốc")),
        "issue_document": issue_document_field(_("Lập văn bản đôn đốc từ mẫu (tệp Word)")),
    }),
    "resolve": _form("ResolveForm", {
        "result": _reason(_("Kết quả giải quyết"), rows=4),
        **_doc_fields(_("Số văn bản trả lời, quyết định"), _("Ngày văn bản")),
        "delivered_on": BoundedDateField(
            label=_("Ngày người gửi nhận văn bản (nếu biết)"), required=False,
            widget=DATE_WIDGET),
    }),
    "report_back": _form("ReportBackForm", {
        **_doc_fields(_("Số văn bản báo cáo kết quả"), _("Ngày văn bản báo cáo")),
        "reason": _reason(_("Ghi chú")),
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


def first_complaint_choices(user):
    """First complaints the user can see: what a second complaint may name."""
    from casework.models import ComplaintInstance, Petition

    return (Petition.objects.visible_to(user)
            .filter(kind=PetitionKind.COMPLAINT, instance=ComplaintInstance.FIRST)
            .order_by("-receipt_year", "-receipt_seq"))


def formset_error_links(formset, row_label, extra=()):
    """(label, anchor, message) rows for the error summary above a form with a formset
    (templates/_form_errors.html): each error of a row links to its field, a row-wide one
    (and each of `extra`, errors about the rows as a whole) to the first row's first field."""
    first = f"id_{formset.prefix}-0-{next(iter(formset.empty_form.fields))}"
    links = [(row_label, first, e) for e in [*formset.non_form_errors(), *extra]]
    for number, form in enumerate(formset, start=1):
        for name, errors in form.errors.items():
            field = form[name] if name in form.fields else None
            label = f"{row_label} {number}" + (f" – {field.label}" if field else "")
            anchor = field.auto_id if field else first
            links.extend((label, anchor, e) for e in errors)
    return links

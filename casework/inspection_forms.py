"""Forms for inspection and supervision cases: open a case, take a step, record discipline.

As for letters, forms only parse; casework.services.inspections decides what is
acceptable and its messages go back on the field they name (field names match the
services' keyword arguments)."""
from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from casework.dates import BoundedDateField
from casework.forms import (
    DATE_WIDGET,
    CleanTextForm,
    blank_choice,
    issue_document_field,
    member_picker,
)
from casework.models import (
    CaseStatus,
    ConductingBody,
    DisciplineForm,
    InspectionKind,
    Member,
    Organisation,
)
from casework.query_names import param, vietnamese_parameters
from casework.submissions import SubmissionTokenMixin

YES_NO = [("yes", _("Có vi phạm")), ("no", _("Không có vi phạm"))]


def team_choices(organisations):
    """People who may sit on a team: users holding a role in the organisations' committees."""
    paths = sorted({org.committee.path for org in organisations.select_related("parent")})
    orgs = Organisation.objects.subtree_of(paths)
    return (get_user_model().objects.filter(is_active=True, role_assignments__organisation__in=orgs)
            .distinct().order_by("last_name", "first_name", "username"))


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return " ".join(p for p in (obj.last_name, obj.first_name) if p) or obj.get_username()


class UserMultipleChoiceField(forms.ModelMultipleChoiceField):
    label_from_instance = UserChoiceField.label_from_instance


class CaseForm(SubmissionTokenMixin, CleanTextForm):
    organisation = forms.ModelChoiceField(label=_("Cấp tiến hành"), queryset=None,
                                          required=False, empty_label=_("— chọn —"))
    body = forms.ChoiceField(label=_("Chủ thể tiến hành"),
                             choices=blank_choice(ConductingBody.choices), required=False)
    kind = forms.ChoiceField(label=_("Loại cuộc kiểm tra, giám sát"),
                             choices=blank_choice(InspectionKind.choices), required=False)
    title = forms.CharField(label=_("Tên cuộc kiểm tra, giám sát"), required=False,
                            max_length=255)
    # A case may have several subjects (the Ban Chấp hành supervises four branches in one
    # decision): the service takes them all, organisations first.
    subject_organisations = forms.ModelMultipleChoiceField(
        label=_("Tổ chức đảng được kiểm tra, giám sát"), queryset=None, required=False,
        help_text=_("Giữ Ctrl (trên điện thoại: chạm) để chọn nhiều tổ chức."),
        widget=forms.SelectMultiple(attrs={"size": 6}))
    subject_members = forms.ModelMultipleChoiceField(
        label=_("Đảng viên được kiểm tra, giám sát"), queryset=None, required=False,
        help_text=_("Giữ Ctrl (trên điện thoại: chạm) để chọn nhiều đảng viên."),
        widget=forms.SelectMultiple(attrs={"size": 8}))
    decision_number = forms.CharField(label=_("Số quyết định"), required=False, max_length=100)
    decision_date = BoundedDateField(label=_("Ngày quyết định"), required=False, widget=DATE_WIDGET)
    issue_document = issue_document_field(
        _("Lập quyết định kiểm tra, giám sát từ mẫu (tệp Word)"))
    starts_on = BoundedDateField(label=_("Thời gian từ ngày"), required=False, widget=DATE_WIDGET)
    ends_on = BoundedDateField(label=_("đến ngày"), required=False, widget=DATE_WIDGET)
    team_leader = UserChoiceField(label=_("Trưởng đoàn"), queryset=None, required=False,
                                  empty_label=_("— chọn —"))
    team = UserMultipleChoiceField(label=_("Thành viên đoàn"), queryset=None, required=False,
                                   widget=forms.CheckboxSelectMultiple)
    content = forms.CharField(label=_("Nội dung"), required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        committees = Organisation.objects.subtree_of(
            sorted({o.committee.path for o in organisations.select_related("parent")}))
        self.fields["subject_organisations"].queryset = committees
        self.fields["subject_organisations"].widget.attrs.update({
            "data-filter": _("Tìm tổ chức đảng theo tên"),
            "data-filter-empty": _("Không có tổ chức nào khớp.")})
        member_picker(self.fields["subject_members"], Member.objects.filter(
            organisation__in=committees).select_related("organisation"))
        people = team_choices(organisations)
        self.fields["team_leader"].queryset = people
        self.fields["team"].queryset = people


class StepForm(SubmissionTokenMixin, CleanTextForm):
    """A step recorded with the document it produced (optional for field work) and a note."""

    expected_status = forms.CharField(widget=forms.HiddenInput, required=False)
    doc_number = forms.CharField(label=_("Số văn bản"), required=False, max_length=100)
    doc_date = BoundedDateField(label=_("Ngày văn bản"), required=False, widget=DATE_WIDGET)
    reason = forms.CharField(label=_("Ghi chú"), required=False,
                             widget=forms.Textarea(attrs={"rows": 3}))

    def service_kwargs(self):
        data = dict(self.cleaned_data)
        data["expected_status"] = data.get("expected_status") or None
        return data


class ConcludeForm(StepForm):
    conclusion = forms.CharField(label=_("Nội dung kết luận"), required=False,
                                 widget=forms.Textarea(attrs={"rows": 5}))
    violation_found = forms.ChoiceField(label=_("Kết luận về vi phạm"), choices=YES_NO,
                                        required=False, widget=forms.RadioSelect)
    field_order = ["conclusion", "violation_found", "doc_number", "doc_date", "reason"]

    def service_kwargs(self):
        data = super().service_kwargs()
        data["violation_found"] = {"yes": True, "no": False}.get(data.get("violation_found"))
        return data


class NotifyForm(StepForm):
    issue_document = issue_document_field(_("Lập thông báo kết luận từ mẫu (tệp Word)"))


class ArchiveForm(StepForm):
    on = BoundedDateField(label=_("Ngày lưu hồ sơ"), required=False, widget=DATE_WIDGET)
    field_order = ["on", "reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["doc_number"], self.fields["doc_date"]


class DisciplineDecisionForm(SubmissionTokenMixin, CleanTextForm):
    """Only the forms the rules allow for this subject and this body are offered; the
    service checks again."""

    expected_status = forms.CharField(widget=forms.HiddenInput, required=False)
    form = forms.ChoiceField(label=_("Hình thức kỷ luật"), required=False)
    decision_number = forms.CharField(label=_("Số quyết định kỷ luật"), required=False,
                                      max_length=100)
    decision_date = BoundedDateField(label=_("Ngày quyết định"), required=False,
                                    widget=DATE_WIDGET)
    notified_on = BoundedDateField(label=_("Ngày công bố cho đối tượng"), required=False,
                                  widget=DATE_WIDGET)
    received_on = BoundedDateField(
        label=_("Ngày đối tượng nhận quyết định (nếu khác ngày công bố)"), required=False,
        widget=DATE_WIDGET)
    reason = forms.CharField(label=_("Lý do (bắt buộc khi không kỷ luật)"), required=False,
                             widget=forms.Textarea(attrs={"rows": 3}))

    subject = forms.TypedChoiceField(label=_("Đối tượng của quyết định"), required=False,
                                     coerce=int, empty_value=None)
    field_order = ["subject", "form"]

    def __init__(self, *args, allowed, subjects=(), **kwargs):
        """`subjects`: the case's subjects still without a decision (CaseSubject rows),
        asked for only when there are several; `allowed`: the forms any of them may get
        (the service checks the chosen subject's)."""
        super().__init__(*args, **kwargs)
        self.fields["form"].choices = [("", _("Không kỷ luật"))] + [
            (f.value, f.label) for f in DisciplineForm if f in allowed]
        if len(subjects) > 1:
            self.fields["subject"].choices = [("", _("— chọn —"))] + [
                (row.pk, str(row.name)) for row in subjects]
        else:
            del self.fields["subject"]

    def service_kwargs(self):
        data = dict(self.cleaned_data)
        data["expected_status"] = data.get("expected_status") or None
        return data


def step_form_class(action):
    return {"conclude": ConcludeForm, "archive": ArchiveForm, "notify": NotifyForm,
            "discipline": DisciplineDecisionForm}.get(action, StepForm)


@vietnamese_parameters  # ?tim=, ?nam=, ?loai=, ?trang-thai=, ?don-vi=
class CaseFilterForm(CleanTextForm):
    q = forms.CharField(label=_("Số cuộc, tên cuộc"), required=False, max_length=255,
                        help_text=_("Số ngắn (002/2026) hoặc đầy đủ (002/2026/KT-UBKT)."))
    year = forms.IntegerField(label=_("Năm"), required=False, min_value=2000, max_value=2100)
    kind = forms.ChoiceField(label=_("Loại"), required=False,
                             choices=[("", _("Tất cả"))] + list(InspectionKind.choices))
    status = forms.ChoiceField(label=_("Trạng thái"), required=False,
                               choices=[("", _("Tất cả")), ("open", _("Đang tiến hành"))]
                               + list(CaseStatus.choices))
    organisation = forms.ModelChoiceField(label=_("Cấp tiến hành"), queryset=None,
                                          required=False, empty_label=_("Tất cả"))

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[param("organisation")].queryset = organisations


class AppealForm(SubmissionTokenMixin, CleanTextForm):
    """Khiếu nại kỷ luật: the day the disciplined member or organisation appealed."""

    subject = forms.TypedChoiceField(label=_("Đối tượng khiếu nại"), required=False,
                                     coerce=int, empty_value=None)
    on = BoundedDateField(label=_("Ngày khiếu nại"), required=False, widget=DATE_WIDGET)
    reason = forms.CharField(label=_("Nội dung, nơi nhận khiếu nại"), required=False,
                             widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, decisions=(), **kwargs):
        """`decisions`: those still open to an appeal; whose is asked only when several."""
        super().__init__(*args, **kwargs)
        if len(decisions) > 1:
            self.fields["subject"].choices = [("", _("— chọn —"))] + [
                (d.subject_id, f"{d.subject.name} – {d.get_form_display()}") for d in decisions]
        else:
            del self.fields["subject"]

"""Filters of /thoi-han/ (?don-vi=, ?loai=, ?nguoi-xu-ly=), so that every count on the
leaders' overview (/tong-quan/) opens the list of exactly the deadlines it counts. The base
queryset is already scoped to the user (`workflows.selectors.clocks_visible`); a unit is
chosen among the organisations the user may see, by its code, and means its subtree.
"""
import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from casework.filters import ALL
from casework.models import Organisation, PetitionKind
from casework.query_names import vietnamese_parameters
from workflows.models import DeadlineClock
from workflows.selectors import in_subtree_q

CASES = "kiem-tra"
LETTERS = "don-thu"
UNASSIGNED = "chua-giao"


def kind_filter_choices():
    return [(LETTERS, _("Đơn thư (mọi loại)")), *PetitionKind.choices,
            (CASES, _("Kiểm tra, giám sát"))]


class HandlerField(forms.CharField):
    """A user's number, or "chua-giao" for the deadlines nobody holds."""

    def clean(self, value):
        value = super().clean(value)
        if value in ("", None, UNASSIGNED):
            return value
        if not value.isdigit() or len(value) > 12:
            raise forms.ValidationError(
                _("Người xử lý: “%(value)s” không phải mã người dùng.")
                % {"value": value[:40]})
        return value


class HandlerFilter(django_filters.Filter):
    field_class = HandlerField

    def filter(self, qs, value):
        if value in ("", None):
            return qs
        if value == UNASSIGNED:
            return qs.filter(assignee__isnull=True)
        return qs.filter(assignee_id=int(value))


@vietnamese_parameters  # ?don-vi=, ?loai=, ?nguoi-xu-ly=
class ClockFilter(django_filters.FilterSet):
    organisation = django_filters.ModelChoiceFilter(
        label=_("Đơn vị"), queryset=None, to_field_name="code", method="in_subtree",
        empty_label=ALL)
    kind = django_filters.ChoiceFilter(label=_("Loại"), choices=kind_filter_choices,
                                       method="of_kind", empty_label=ALL)
    handler = HandlerFilter(label=_("Người xử lý"), widget=forms.HiddenInput)

    class Meta:
        model = DeadlineClock
        fields = []

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["don-vi"].queryset = Organisation.objects.visible_to(user)

    def in_subtree(self, queryset, name, value):
        return queryset.filter(in_subtree_q(value))

    def of_kind(self, queryset, name, value):
        if value == CASES:
            return queryset.filter(inspection__isnull=False)
        if value == LETTERS:
            return queryset.filter(petition__isnull=False)
        return queryset.filter(Q(petition__kind=value))

    def active(self):
        """(label, value shown) of each filter applied, for the line above the lists."""
        if not (self.is_bound and self.is_valid()):
            return []
        shown = []
        for name, value in self.form.cleaned_data.items():
            if value in ("", None):
                continue
            field = self.form.fields[name]
            if name == "loai":
                value = dict(kind_filter_choices()).get(value, value)
            elif name == "nguoi-xu-ly":
                value = self._handler_name(value)
            shown.append((field.label, value))
        return shown

    def _handler_name(self, value):
        """The handler's name, if they hold one of the deadlines the user may see (a
        number typed into the address tells nothing about anyone else)."""
        from casework.templatetags.casework_tags import person_name

        if value == UNASSIGNED:
            return _("Chưa giao người xử lý")
        clock = (self.queryset.filter(assignee_id=int(value)).select_related("assignee")
                 .order_by().first())
        return person_name(clock.assignee) if clock else value

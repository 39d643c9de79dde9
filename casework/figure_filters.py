"""The list behind a report's figure: /don-thu/ and /kiem-tra/ read
?so-lieu=<figure>&chi-tiet=<kind, outcome or form>&ky-tu-ngay=…&ky-den-ngay=…
[&tai-don-vi=<code>][&chu-the=<body>] and keep exactly the records that figure counts,
through the figure's one rule (casework.selectors.figure_rules). The page's own filters
(?don-vi= for the subtree, ?loai= for the kind) narrow it as they narrow any list.

A letters' figure is a roll-up over a subtree, which counts a letter handed on inside it
once, at the recipient's letter (figure_rules' docstring, issue 14): the subtree is the
list's ?don-vi=, the unit the report was made for (its links carry it); without one, the
whole system's roll-up (every hand-off inside the system counted at its recipient).
The leaders' overview counts its letters the same way over its focus; its lists say which
roll-up with ?tong-hop=<unit> (`apply_rollup`), which also names a figure's roll-up.
"""
from django import forms
from django.utils.translation import gettext_lazy as _

from casework.dates import BoundedDateField
from casework.forms import CleanTextForm
from casework.models import ConductingBody, Organisation
from casework.query_names import param, vietnamese_parameters
from casework.selectors.figure_rules import (
    case_figure_names,
    cases_figure,
    cases_figure_count,
    handed_within,
    letter_figure_names,
    letters_figure,
)

FIELDS = ("figure", "figure_detail", "period_from", "period_to", "exact_unit", "figure_body")


def figure_parameters(request_get):
    """Whether the address asks for a figure's list at all."""
    return param("figure") in request_get


class _FigureForm(CleanTextForm):
    figure = forms.ChoiceField(label=_("Số liệu"))
    figure_detail = forms.CharField(label=_("Chi tiết số liệu"), required=False, max_length=30)
    period_from = BoundedDateField(label=_("Kỳ từ ngày"))
    period_to = BoundedDateField(label=_("Kỳ đến ngày"))
    exact_unit = forms.CharField(label=_("Tại đơn vị"), required=False, max_length=50)
    figure_body = forms.ChoiceField(label=_("Chủ thể tiến hành"), required=False,
                                    choices=[("", "")] + list(ConductingBody.choices))

    names: dict = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[param("figure")].choices = [(n, n) for n in self.names]

    def clean(self):
        data = super().clean()
        figure = data.get(param("figure"))
        detail = data.get(param("figure_detail"), "")
        if figure and detail and detail not in (self.names[figure] or ()):
            self.add_error(param("figure_detail"), _("Chi tiết “%(d)s” không có ở số liệu "
                                                     "“%(f)s”.") % {"d": detail, "f": figure})
        start, end = data.get(param("period_from")), data.get(param("period_to"))
        if start and end and start > end:
            self.add_error(param("period_to"), _("Kỳ đến ngày phải sau hoặc bằng kỳ từ ngày."))
        return data

    def _data(self):
        return {name: self.cleaned_data[param(name)] for name in FIELDS}

    def narrowed(self, rows, rollup=None):
        data = self._data()
        if data["exact_unit"]:
            rows = rows.filter(organisation__code=data["exact_unit"])
        if data["figure_body"]:
            rows = rows.filter(body=data["figure_body"])
        return self.rule(rows, data["figure"], data["period_from"], data["period_to"],
                         data["figure_detail"], rollup=rollup)


@vietnamese_parameters
class LetterFigureForm(_FigureForm):
    names = letter_figure_names()

    @staticmethod
    def rule(*args, rollup):
        return letters_figure(*args, organisation=rollup)


@vietnamese_parameters
class CaseFigureForm(_FigureForm):
    names = case_figure_names()

    @staticmethod
    def rule(*args, rollup):
        return cases_figure(*args)

    def counted(self, rows):
        """The figure's own number over its list `rows` when it counts subjects or
        decisions rather than cases (figure_rules.cases_figure_count), else None."""
        data = self._data()
        return cases_figure_count(rows, data["figure"], data["period_from"],
                                  data["period_to"], data["figure_detail"])


def apply_figure(form_class, request_get, rows, rollup=None):
    """(rows, form, errors): `rows` narrowed to the figure the address names, if it names
    one; when the figure's parameters are wrong, no rows (a list that silently ignored
    them would be read as the figure's list) and the form's errors, in Vietnamese.
    `rollup`: the organisation whose subtree the figure rolls up (module docstring)."""
    if not figure_parameters(request_get):
        return rows, None, []
    form = form_class(request_get)
    if not form.is_valid():
        errors = [f"{form.fields[name].label}: {message}"
                  for name, messages in form.errors.items() if name in form.fields
                  for message in messages] + list(form.non_field_errors())
        return rows.none(), form, errors
    return form.narrowed(rows, rollup), form, []


def figure_field_names():
    return {param(name) for name in FIELDS}


def apply_rollup(request_get, rows, user):
    """(rows, unit, errors): with ?tong-hop=<unit id>, `rows` without the letters handed on
    to a unit inside that unit's subtree (counted at the recipient's letter: module
    docstring). A unit the user may not see, or no unit, is said and lists nothing."""
    value = request_get.get(param("rollup"))
    if value is None:
        return rows, None, []
    unit = (Organisation.objects.visible_to(user).filter(pk=int(value)).first()
            if value.isdigit() and len(value) < 12 else None)
    if unit is None:
        return rows.none(), None, [_("Tổng hợp theo đơn vị: không có đơn vị “%(v)s” hoặc "
                                     "bạn không được xem.") % {"v": value[:20]}]
    return rows.exclude(handed_within(unit)), unit, []

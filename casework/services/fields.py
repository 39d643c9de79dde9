"""Field checks shared by the services: every problem is collected under its field's name,
so that a form shows them all at once, each next to its field (a Django ValidationError
keyed by field)."""
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.dates import date_bounds_message
from casework.formatting import date_text


@dataclass
class Errors:
    """Collects every field problem so the user sees them all at once."""
    by_field: dict = field(default_factory=dict)

    def add(self, name, message):
        self.by_field.setdefault(name, []).append(message)

    def raise_if_any(self):
        if self.by_field:
            raise ValidationError(self.by_field)


def sentence_case(text):
    # Not str.capitalize(): it would lower-case the rest ("UBND" → "Ubnd").
    text = str(text)
    return text[:1].upper() + text[1:]


def check_date(errors, name, value, *, label, required=True, not_before=None,
               not_before_label=None):
    """A document's date: given (when required), a real date, within the bounds the
    register accepts, not in the future, and not before `not_before` (the day the record
    began: a letter's receipt, a case's decision), which `not_before_label` names."""
    # The label is translated only for a message, and the day read once: an import
    # checks a few hundred thousand dates that pass.
    if value is None:
        if required:
            errors.add(name, _("Chưa nhập %(label)s.") % {"label": str(label)})
        return
    if not isinstance(value, date):
        errors.add(name, _("%(label)s không hợp lệ (nhập theo dạng dd/mm/yyyy).")
                   % {"label": sentence_case(label)})
        return
    today = timezone.localdate()
    out_of_range = date_bounds_message(value, label=label, today=today)
    if out_of_range:
        errors.add(name, out_of_range)
    elif value > today:
        errors.add(name, _("%(label)s (%(date)s) không được sau ngày hôm nay.")
                   % {"label": sentence_case(label), "date": date_text(value)})
    elif not_before and value < not_before:
        errors.add(name, _("%(label)s (%(date)s) không được trước %(bound)s (%(bound_date)s).")
                   % {"label": sentence_case(label), "date": date_text(value),
                      "bound": not_before_label, "bound_date": date_text(not_before)})


def check_choice(errors, name, value, choices, *, label):
    if not value:
        errors.add(name, _("Chưa chọn %(label)s.") % {"label": str(label)})
    elif value not in choices.values:
        errors.add(name, _("%(label)s “%(value)s” không hợp lệ.")
                   % {"label": sentence_case(label), "value": value})


def is_blank(value):
    """Nothing given: no value, or a text that is empty once cleaned."""
    return value is None or (isinstance(value, str) and not value.strip())

"""Where a letter is transferred or guided to, as the clerk chooses it: a unit inside the
system or an outside body found by name (a typeahead over `casework.views.handoff`'s JSON,
or, without JavaScript, the "Tìm" button that shows the same list in the page), or, as a
last resort, a name typed by hand. The form only reads the choice; the service decides."""
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework.services.handoff import (
    QUERY_MAX,
    destination_units,
    outside_bodies_for,
    search_destinations,
)

ORG, BODY = "org", "body"


def unit_label(unit):
    # The same "Chi bộ thôn 3" is in many communes: its commune goes beside it.
    return f"{unit.name} – {unit.parent.name}" if unit.parent_id else unit.name


def options(units, bodies):
    """(value, label, group) of each destination, as the page and the JSON list them."""
    inside, outside = gettext_lazy("Trong hệ thống"), gettext_lazy("Ngoài hệ thống")
    return ([(f"{ORG}:{u.pk}", unit_label(u), inside) for u in units]
            + [(f"{BODY}:{b.pk}", b.name, outside) for b in bodies])


class DestinationForm(forms.Form):
    """Fields of a transfer or guide form that say where the letter goes. Needs the letter
    (`petition`): what it may be handed to depends on its unit."""

    takes_petition = True
    # Used only inside the transfer and guide forms (casework.forms), CleanTextForms that
    # clean these fields too.
    building_block = True

    destination_search = forms.CharField(
        label=gettext_lazy("Tìm nơi nhận"), required=False, max_length=QUERY_MAX,
        help_text=gettext_lazy("Gõ vài chữ của tên đơn vị trong hệ thống (kể cả đơn vị của "
                               "xã khác) hoặc cơ quan ngoài hệ thống (UBND, Công an, Tòa "
                               "án…), rồi chọn trong danh sách."))
    destination = forms.CharField(label=gettext_lazy("Nơi nhận"), required=False,
                                  max_length=30)
    recipient = forms.CharField(
        label=gettext_lazy("Cơ quan khác (chỉ ghi khi không có trong danh sách)"),
        required=False, max_length=255)

    def __init__(self, *args, petition=None, finding=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.petition, self.finding = petition, finding
        self.destination_options = self._options()

    def _chosen(self, value):
        kind, _sep, pk = (value or "").partition(":")
        if self.petition is None or not pk.isdigit():
            return None, None
        if kind == ORG:
            return (destination_units(self.petition).select_related("parent")
                    .filter(pk=pk).first(), None)
        if kind == BODY:
            return None, outside_bodies_for(self.petition).filter(pk=pk).first()
        return None, None

    def _options(self):
        """The list under the search box: the posted choice, then what the posted search
        text finds (bounded by search_destinations)."""
        if not self.is_bound or self.petition is None:
            return []
        unit, body = self._chosen(self.data.get("destination"))
        found = options([unit] if unit else [], [body] if body else [])
        text = (self.data.get("destination_search") or "")[:QUERY_MAX]
        if text.strip():
            found += [o for o in options(*search_destinations(self.petition, text))
                      if o[0] != (found[0][0] if found else None)]
        return found

    def clean(self):
        data = super().clean()
        value = data.pop("destination", "")
        text = data.pop("destination_search", "")
        unit = body = None
        if value:
            unit, body = self._chosen(value)
            if unit is None and body is None:
                self.add_error("destination", _(
                    "Nơi nhận đã chọn không có trong danh sách của đơn này; đề nghị tìm và "
                    "chọn lại."))
        elif text and not data.get("recipient") and not self.finding:
            self.add_error("destination", _(
                "Đã gõ “%(text)s” để tìm nhưng chưa chọn nơi nhận: chọn một nơi trong danh "
                "sách, hoặc ghi tên ở ô “Cơ quan khác”.") % {"text": text})
        data["recipient_organisation"], data["outside_body"] = unit, body
        return data


def destination_errors(exc):
    """The service names a destination's problem under `recipient_organisation` or
    `outside_body`; the form shows both under its one `destination` choice."""
    by_field = exc.message_dict
    for name in ("recipient_organisation", "outside_body"):
        if name in by_field:
            by_field.setdefault("destination", []).extend(by_field.pop(name))
    return ValidationError(by_field)

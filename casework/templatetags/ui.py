"""Template helpers of the Bootstrap layout (templates/base.html, casework/_field.html).

`control` gives a form field's widget the toolkit's class (form-control, form-select,
form-check-input), marks it invalid and ties it to its help and error text, so every form
gets the same look and the same screen-reader wiring without each form class knowing
about the toolkit."""
from django import forms, template

register = template.Library()

_ALERTS = {"debug": "alert-secondary", "info": "alert-info", "success": "alert-success",
           "warning": "alert-warning", "error": "alert-danger"}


@register.filter
def alert_class(message):
    return _ALERTS.get(message.level_tag, "alert-info")


def widget_class(widget):
    if isinstance(widget, (forms.CheckboxInput, forms.RadioSelect,
                           forms.CheckboxSelectMultiple)):
        return "form-check-input"
    if isinstance(widget, forms.Select):
        return "form-select"
    return "form-control"


@register.filter
def control(field, size=""):
    """The field's widget with the toolkit's classes (`size` "sm": the small ones of a filter
    bar), `is-invalid` and aria-invalid when it has errors, and aria-describedby naming its
    help and error paragraphs (ids "<id>-help", "<id>-error", as casework/_field.html
    writes them)."""
    widget = field.field.widget
    attrs = {}
    base = widget_class(widget)
    classes = [widget.attrs.get("class", ""), base,
               f"{base}-{size}" if size and base != "form-check-input" else ""]
    if field.errors:
        classes.append("is-invalid")
        attrs["aria-invalid"] = "true"
    described = [i for i, wanted in ((f"{field.auto_id}-help", field.help_text),
                                     (f"{field.auto_id}-error", field.errors)) if wanted]
    if described:
        attrs["aria-describedby"] = " ".join(described)
    attrs["class"] = " ".join(c for c in classes if c)
    return field.as_widget(attrs=attrs)


def is_choice_list(field):
    return isinstance(field.field.widget, (forms.RadioSelect, forms.CheckboxSelectMultiple))


def is_checkbox(field):
    return isinstance(field.field.widget, forms.CheckboxInput)


register.filter("is_choice_list", is_choice_list)
register.filter("is_checkbox", is_checkbox)


@register.filter
def choices(field):
    """The radios or boxes of a choice-list field, each input with the toolkit's class
    (BoundField.subwidgets, with the class added), for a `form-check` per choice."""
    from django.forms.boundfield import BoundWidget

    widget = field.field.widget
    id_ = widget.attrs.get("id") or field.auto_id
    attrs = field.build_widget_attrs({"id": id_} if id_ else {})
    attrs["class"] = "form-check-input" + (" is-invalid" if field.errors else "")
    return [BoundWidget(widget, sub, field.form.renderer)
            for sub in widget.subwidgets(field.html_name, field.value(), attrs=attrs)]


@register.filter
def column(headers, index):
    """The heading of column `index` (0-based) of a table given as its list of headings: the
    label a cell shows beside its value when a .table-stack table becomes cards on a phone."""
    try:
        return headers[int(index)]
    except (IndexError, TypeError, ValueError):
        return ""

"""Text templates rendered once per shape, then filled in for each message.

A province's morning is thousands of e-mails whose words differ only in the values they
insert (a number, a step, a date, a name). Rendering a notice's templates through Django
cost about a millisecond each time (every {% translate %} looks its message up again),
more than the rest of building and sending the e-mail. So a template is rendered once
with a marker in place of each value; the output, split at the markers, is the template's
*shape*; each message is the shape's pieces joined with its own values.

That is exact for templates that insert their values as they are ({{ value }}, or a value
named in {% blocktranslate with %}) and look at them only to test whether they are empty
({% if value %}): the shape is kept per template, language and set of empty values, and
the values must all be text (dates come formatted). The first message of each shape is
also rendered through Django and compared: a template that does anything else with a
value (a filter) is then rendered through Django every time, and a warning logged. The
check cannot see a comparison with a constant ({% if kind == "x" %}): a shaped template
must not make one (the escalation e-mails and a summary's lines do not). The shapes live
as long as the compiled template (a template edited under the development server is
compiled again, and gets new shapes).
"""
import logging
import weakref

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.loader import get_template
from django.utils import translation

logger = logging.getLogger(__name__)

# Characters of Unicode's private use area: never in a notice's text (text is cleaned
# where it enters) and not white space (a subject's spaces are normalised after rendering).
_OPEN, _CLOSE = "\ue000", "\ue001"

# {compiled template: {(language, names, empty names): shape or None}}
_shapes = weakref.WeakKeyDictionary()


# {name: template}: looking a template up cost as much as filling its shape. Not kept
# under DEBUG, where the development server reloads edited templates.
_templates = {}


@receiver(setting_changed)
def _forget_templates(*, setting, **kwargs):
    if setting == "TEMPLATES":
        _templates.clear()


def _template(name):
    if settings.DEBUG:
        return get_template(name)
    if name not in _templates:
        _templates[name] = get_template(name)
    return _templates[name]


def render(template_name, context):
    """The template rendered with `context` ({name: str}), through its shape."""
    template = _template(template_name)
    names = tuple(sorted(context))
    for name in names:
        if not isinstance(context[name], str):
            raise TypeError(f"{template_name}: {name} is not text; format it first")
    empty = frozenset(name for name in names if not context[name])
    key = (translation.get_language(), names, empty)
    shapes = _shapes.setdefault(template.template, {})
    if key not in shapes:
        return _first_of_shape(template, template_name, context, names, empty, shapes, key)
    shape = shapes[key]
    if shape is None:
        return template.render(context)
    return _fill(shape, context)


def _first_of_shape(template, template_name, context, names, empty, shapes, key):
    markers = {name: "" if name in empty else f"{_OPEN}{name}{_CLOSE}" for name in names}
    shape = _parse(template.render(markers), set(names) - empty)
    text = template.render(context)
    if shape is not None and _fill(shape, context) == text:
        shapes[key] = shape
    else:
        shapes[key] = None
        logger.warning("%s cannot be rendered by shape: rendered through Django each time",
                       template_name)
    return text


def _parse(marked, names):
    """(literal, name, literal, name, …, literal), or None if a marker came out changed."""
    pieces = []
    rest = marked
    while _OPEN in rest:
        literal, _sep, rest = rest.partition(_OPEN)
        name, sep, rest = rest.partition(_CLOSE)
        if not sep or name not in names:
            return None
        pieces.extend((literal, name))
    if _CLOSE in rest:
        return None
    pieces.append(rest)
    return tuple(pieces)


def _fill(shape, context):
    parts = list(shape)
    for i in range(1, len(parts), 2):
        parts[i] = context[parts[i]]
    return "".join(parts)

"""What the API hands the page forms: JSON or query values as the strings a form posted
from a page would carry, and form errors as DRF's `{"field": ["message"]}`.

The endpoints validate with the SAME forms as the pages (their fields, bounds and
Vietnamese messages); only the transport differs. A JSON body may hold numbers, booleans,
lists or objects where a form expects text, so the values are turned into strings here,
and anything that is no single value is refused naming the field, never a 500."""
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from casework.query_names import unknown_parameters_message

# No field of a step, a decision or an appeal needs more; a longer value is refused before
# any form reads it (the text fields' own limits, where they have one, are lower).
MAX_VALUE_LENGTH = 20_000
MAX_FIELDS = 50


MAX_LIST = 200


def body_values(data, *, lists=()):
    """{name: str} from a request body (JSON object or form post); the fields named in
    `lists` (several subjects, a team) take a list of values instead."""
    if not hasattr(data, "items"):
        raise ValidationError({"non_field_errors": [_("Nội dung gửi phải là một đối tượng "
                                                      "JSON (các cặp tên: giá trị).")]})
    if len(data) > MAX_FIELDS:
        raise ValidationError({"non_field_errors": [_("Gửi quá nhiều mục (tối đa "
                                                      "%(n)s).") % {"n": MAX_FIELDS}]})
    values, errors = {}, {}
    for name, value in data.items():
        if hasattr(data, "getlist") and (len(data.getlist(name)) > 1 or name in lists):
            value = data.getlist(name)
        if name in lists:
            items = value if isinstance(value, list) else [value]
            if len(items) > MAX_LIST or not all(isinstance(i, str | int) and not
                                                isinstance(i, bool) for i in items):
                errors[name] = [_("“%(name)s” phải là một danh sách mã (tối đa %(n)s).")
                                % {"name": name, "n": MAX_LIST}]
            else:
                values[name] = [str(i)[:40] for i in items]
            continue
        if isinstance(value, bool):
            # A checkbox posts "on" or nothing; the conclusion's choice is "yes"/"no".
            value = ({True: "yes", False: "no"}[value] if name == "violation_found"
                     else "on" if value else "")
        elif value is None:
            value = ""
        elif isinstance(value, int | float):
            value = str(value)
        elif not isinstance(value, str):
            errors[name] = [_("“%(name)s” phải là một giá trị (chữ, số), không phải danh "
                              "sách hay đối tượng.") % {"name": name[:40]}]
            continue
        if len(value) > MAX_VALUE_LENGTH:
            errors[name] = [_("“%(name)s” dài quá %(n)s ký tự.")
                            % {"name": name[:40], "n": MAX_VALUE_LENGTH}]
            continue
        values[name] = value
    if errors:
        raise ValidationError(errors)
    return values


def refuse_unknown(query, known):
    """A misspelt parameter is a 400 naming it (a list read as filtered must be)."""
    if message := unknown_parameters_message(query, known):
        raise ValidationError({name[:40]: [message] for name in query if name not in known})


def refuse_unknown_fields(values, known):
    """A field the step's form does not have is a 400 naming it, not silently dropped."""
    unknown = {name[:40]: [_("Bước này không có trường “%(name)s”.") % {"name": name[:40]}]
               for name in values if name not in known}
    if unknown:
        raise ValidationError(unknown)


def id_value(values, name):
    """An optional id typed by the caller, as an int (None when absent or empty)."""
    text = values.pop(name, "").strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 18:
        raise ValidationError({name: [_("“%(name)s” phải là một số (mã).") % {"name": name}]})
    return int(text)


def form_errors(form):
    """A form's errors as {"field": ["message"]} (form-wide ones as non_field_errors)."""
    return {("non_field_errors" if name == "__all__" else name): [str(m) for m in messages]
            for name, messages in form.errors.items()}


def raise_form_errors(form):
    raise ValidationError(form_errors(form))


def service_errors(exc: DjangoValidationError):
    """A service's ValidationError (keyed by the field it names) as DRF's."""
    if hasattr(exc, "error_dict"):
        return ValidationError({("non_field_errors" if name == "__all__" else name):
                                [str(m) for m in messages]
                                for name, messages in exc.message_dict.items()})
    return ValidationError({"non_field_errors": [str(m) for m in exc.messages]})

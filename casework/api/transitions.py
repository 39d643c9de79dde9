"""The steps of a letter through the API: which the caller may take now, what each needs,
and taking one. The fields and their checks are the page's own (casework.forms
TRANSITION_FORMS, without the submission token: an API client retries with the status it
saw, `expected_status`, and a repeat is refused as stale) and the step is the page's
service (casework.services.petitions SERVICES), so both entry points accept and refuse
the same things. The schema's request body is derived from the same forms."""
from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied, ValidationError

from casework.forms import TRANSITION_FORMS
from casework.handoff_forms import destination_errors
from casework.models import PetitionStatus
from casework.permissions import ACTION_LABELS, user_may
from casework.selectors.letters import letters_visible
from casework.services.petitions import SERVICES
from casework.submissions import TOKEN_FIELD

# A JSON value a form field can read: text, a yes/no, a whole number, or nothing.
SCALARS = (str, bool, int, type(None))
VALUE_MAX = 10_000  # characters of one value: far above any field, bounded


def form_fields(action):
    """The fields a client sends for `action`, the page form's, without the token."""
    form = TRANSITION_FORMS[action]()
    return {name: field for name, field in form.fields.items() if name != TOKEN_FIELD}


def _kind(field):
    if isinstance(field, forms.BooleanField):
        return "boolean"
    if isinstance(field, forms.DateField):
        return "date"
    if isinstance(field, forms.ChoiceField):
        return "choice"
    return "string"


def describe(action, *, available):
    """What a client needs to show or take the step: its label and its fields."""
    fields = []
    for name, field in form_fields(action).items():
        row = {"name": name, "label": str(field.label or name), "type": _kind(field),
               "required": name != "expected_status" and field.required,
               "help_text": str(field.help_text or "")}
        if isinstance(field, forms.ChoiceField):
            row["choices"] = [{"value": str(v), "label": str(label)}
                              for v, label in field.choices if v != ""]
        if getattr(field, "max_length", None):
            row["max_length"] = field.max_length
        fields.append(row)
    return {"action": action, "label": str(ACTION_LABELS[action]), "available": available,
            "fields": fields}


def available_actions(petition, user):
    names = {t.name for t in petition.get_available_user_status_transitions(user)}
    return [action for action in TRANSITION_FORMS if action in names]


def letter_for_step(user, pk, action):
    """The letter (404 outside the scope) once the user's role allows `action` at its unit
    (403 with the page's message otherwise)."""
    petition = get_object_or_404(letters_visible(user=user).select_related("organisation"),
                                 pk=pk)
    if not user_may(user, action, petition.organisation):
        raise PermissionDenied(_("Vai trò của bạn không được phép “%(action)s” đối với đơn "
                                 "này.") % {"action": ACTION_LABELS[action]})
    return petition


def _form_data(action, payload):
    if not isinstance(payload, dict):
        raise ValidationError({"detail": [_("Dữ liệu gửi lên phải là một đối tượng JSON.")]})
    known = form_fields(action)
    errors = {}
    for name, value in payload.items():
        if name not in known:
            errors[str(name)[:100]] = [_("Thao tác này không có trường “%(name)s”.")
                                       % {"name": str(name)[:100]}]
        elif not isinstance(value, SCALARS) or (isinstance(value, str)
                                                and len(value) > VALUE_MAX):
            errors[name] = [_("%(label)s: giá trị không hợp lệ (cần chuỗi ký tự, tối đa "
                              "%(max)s ký tự).") % {"label": known[name].label or name,
                                                   "max": VALUE_MAX}]
    if errors:
        raise ValidationError(errors)
    # Forms read posted text: a JSON true is the box ticked, null an empty box.
    return {name: ("on" if value is True else "" if value in (False, None) else str(value))
            for name, value in payload.items()}


def take_step(*, user, petition, action, payload):
    """Validate `payload` with the page's form and take the step with the page's service;
    400 names the fields, 409 when the letter changed after the client saw it."""
    data = _form_data(action, payload)
    # Without a status from the client, the one read now: still refused if another user
    # acts between this read and the service's lock.
    data.setdefault("expected_status", petition.status)
    form_class = TRANSITION_FORMS[action]
    extra = ({"petition": petition, "finding": False}
             if getattr(form_class, "takes_petition", False) else {})
    form = form_class(data, **extra)
    if not form.is_valid():
        raise ValidationError({("detail" if name == "__all__" else name): list(messages)
                               for name, messages in form.errors.items()})
    try:
        return SERVICES[action](actor=user, petition_id=petition.pk, **form.cleaned_data)
    except DjangoValidationError as exc:
        raise destination_errors(exc) from None


class ActionFieldSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    type = serializers.ChoiceField(choices=["string", "boolean", "date", "choice"])
    required = serializers.BooleanField()
    help_text = serializers.CharField(allow_blank=True)
    choices = serializers.ListField(child=serializers.DictField(child=serializers.CharField()),
                                    required=False)
    max_length = serializers.IntegerField(required=False)


class ActionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=list(TRANSITION_FORMS))
    label = serializers.CharField()
    available = serializers.BooleanField()
    fields = ActionFieldSerializer(many=True)


def _schema_field(field):
    kwargs = {"required": False, "help_text": field.label or ""}
    if isinstance(field, forms.BooleanField):
        return serializers.BooleanField(**kwargs)
    if isinstance(field, forms.DateField):
        return serializers.DateField(allow_null=True, **kwargs)
    if isinstance(field, forms.ChoiceField):
        return serializers.ChoiceField(choices=[(v, label) for v, label in field.choices
                                                if v != ""], allow_blank=True, **kwargs)
    return serializers.CharField(allow_blank=True, max_length=field.max_length, **kwargs)


def step_request_serializer():
    """The request body in the schema: every field of every step's form (each step takes
    its own, listed by GET …/thao-tac/<action>/). Documentation only: the forms check."""
    fields = {}
    for action in TRANSITION_FORMS:
        for name, field in form_fields(action).items():
            fields.setdefault(name, _schema_field(field))
    fields["expected_status"] = serializers.ChoiceField(
        choices=PetitionStatus.choices, required=False,
        help_text=_("Trạng thái của đơn mà người gọi đã thấy; khác thì trả 409."))
    return type("LetterStepRequest", (serializers.Serializer,), fields)

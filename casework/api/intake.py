"""Receiving a letter through the API: `POST /api/don-thu/`, the intake page's form and
service (casework.forms IntakeForm, casework.services.petitions.petition_receive), the
same duplicate check, without scans. The senders come as a JSON list (at most as many as
the page's table takes), each checked by the page's SenderForm."""
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from casework.forms import (
    IntakeForm,
    SenderForm,
    SenderFormSet,
    first_complaint_choices,
    member_choices,
)
from casework.models import Channel, PetitionKind, SenderType
from casework.permissions import receiving_organisations, subject_scope
from casework.selectors.letters import letters_visible
from casework.services.duplicates import find_duplicates
from casework.services.identity import identity_visible
from casework.services.petitions import SenderData, petition_receive

from .schema import FIELD_ERRORS
from .serializers import PetitionSerializer
from .transitions import SCALARS, VALUE_MAX

SENDERS_MAX = SenderFormSet.absolute_max


class ApiIntakeForm(IntakeForm):
    # A client has no page to carry the token; a repeat is caught by the duplicate check.
    token_required = False


class SenderRequest(serializers.Serializer):
    full_name = serializers.CharField(max_length=150)
    address = serializers.CharField(max_length=255, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    id_number = serializers.CharField(max_length=20, required=False, allow_blank=True)


class IntakeRequest(serializers.Serializer):
    """The schema of the body (documentation only: the page's forms check it)."""

    organisation = serializers.IntegerField()
    received_on = serializers.DateField()
    channel = serializers.ChoiceField(choices=Channel.choices)
    kind = serializers.ChoiceField(choices=PetitionKind.choices)
    sender_type = serializers.ChoiceField(choices=SenderType.choices, required=False,
                                          default=SenderType.NAMED)
    senders = SenderRequest(many=True, required=False, max_length=SENDERS_MAX)
    summary = serializers.CharField()
    subject_name = serializers.CharField(required=False, allow_blank=True, max_length=255)
    subject_member = serializers.IntegerField(required=False, allow_null=True)
    subject_organisation = serializers.IntegerField(required=False, allow_null=True)
    forwarded_by = serializers.CharField(required=False, allow_blank=True, max_length=255)
    instance = serializers.IntegerField(required=False)
    first_petition = serializers.IntegerField(required=False, allow_null=True)
    confirm_duplicate = serializers.BooleanField(required=False)


def _text(value):
    return "on" if value is True else "" if value in (False, None) else str(value)


def _scalars(payload, names):
    errors = {}
    for name, value in payload.items():
        if name not in names:
            errors[str(name)[:100]] = [_("Thao tác này không có trường “%(name)s”.")
                                       % {"name": str(name)[:100]}]
        elif not isinstance(value, SCALARS) or (isinstance(value, str)
                                                and len(value) > VALUE_MAX):
            errors[name] = [_("%(label)s: giá trị không hợp lệ (cần chuỗi ký tự, tối đa "
                              "%(max)s ký tự).") % {"label": name, "max": VALUE_MAX}]
    return errors


def _senders(raw):
    if not isinstance(raw, list) or len(raw) > SENDERS_MAX:
        raise ValidationError({"senders": [_("Người gửi: cần một danh sách, tối đa %(max)s "
                                             "người.") % {"max": SENDERS_MAX}]})
    senders, errors = [], []
    for number, row in enumerate(raw, start=1):
        if not isinstance(row, dict):
            errors.append(_("Người gửi %(n)s: cần một đối tượng JSON.") % {"n": number})
            continue
        if bad := _scalars(row, set(SenderForm.base_fields)):
            errors += [f"{_('Người gửi')} {number} – {name}: {m}"
                       for name, ms in bad.items() for m in ms]
            continue
        form = SenderForm({name: _text(v) for name, v in row.items()})
        if not form.is_valid():
            errors += [f"{_('Người gửi')} {number} – {form[name].label}: {m}"
                       for name, ms in form.errors.items() for m in ms]
        elif form.cleaned_data.get("full_name"):
            senders.append(SenderData(**form.cleaned_data))
    if errors:
        raise ValidationError({"senders": errors})
    return senders


class ReceiveMixin:
    """`create` of the letters' viewset."""

    @extend_schema(summary="Tiếp nhận đơn", request=IntakeRequest,
                   responses={201: PetitionSerializer, 400: OpenApiResponse(FIELD_ERRORS)})
    def create(self, request, *args, **kwargs):
        user = request.user
        organisations = receiving_organisations(user)
        if not organisations.exists():
            raise PermissionDenied(_("Bạn không có quyền tiếp nhận đơn."))
        payload = request.data
        if not isinstance(payload, dict):
            raise ValidationError({"detail": [_("Dữ liệu gửi lên phải là một đối tượng "
                                                "JSON.")]})
        payload = {"sender_type": SenderType.NAMED, **payload}  # the page's default
        senders = _senders(payload.pop("senders", []))
        fields = set(ApiIntakeForm.base_fields) - {"attachments"}
        if errors := _scalars(payload, fields):
            raise ValidationError(errors)
        form = ApiIntakeForm({name: _text(v) for name, v in payload.items()},
                             organisations=organisations, members=member_choices(user),
                             subject_organisations=subject_scope(user),
                             first_complaints=first_complaint_choices(user))
        if not form.is_valid():
            raise ValidationError({("detail" if n == "__all__" else n): list(ms)
                                   for n, ms in form.errors.items()})
        data = form.cleaned_data
        visible = identity_visible(letters_visible(user=user), user)
        duplicates = [] if data["confirm_duplicate"] else find_duplicates(
            visible=visible, senders=senders, summary=data["summary"],
            received_on=data["received_on"])
        if duplicates:
            raise ValidationError({"confirm_duplicate": [_(
                "Người gửi này đã có đơn tương tự: %(numbers)s. Gửi “confirm_duplicate”: "
                "true nếu vẫn tiếp nhận như một đơn mới.") % {"numbers": ", ".join(
                    d.petition.receipt_number for d in duplicates)}]})
        petition = petition_receive(
            actor=user, organisation=data["organisation"], received_on=data["received_on"],
            channel=data["channel"], kind=data["kind"], sender_type=data["sender_type"],
            senders=senders, summary=data["summary"], subject_name=data["subject_name"],
            subject_member=data["subject_member"],
            subject_organisation=data["subject_organisation"],
            forwarded_by=data["forwarded_by"], instance=data["instance"],
            first_petition=data["first_petition"])
        return Response(PetitionSerializer(petition, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)

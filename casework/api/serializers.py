"""JSON shapes of the read-only API.

Field names are English snake_case; coded values are the stable codes, each with a
`<field>_display` label in the request's language. Dates and times are ISO 8601 (DRF's
default): that is the convention of JSON APIs, and clients format them for their users;
dd/mm/yyyy is for pages and files read by people.

The serializers never decide who may see a sender: the view passes the senders to show
(real rows, or the mask from `casework.services.identity`) in the context.
"""
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from casework.models import (
    Attachment,
    CaseEvent,
    Competence,
    FiledReason,
    Petition,
    SenderType,
)
from casework.services.identity import MASK, MaskedSender
from casework.templatetags.casework_tags import person_name, status_label


class SenderNameSerializer(serializers.Serializer):
    """A sender as listed in the register: the name only. A protected sender is
    `{"full_name": <mask>, "masked": true}`."""

    full_name = serializers.CharField()
    masked = serializers.BooleanField()

    def to_representation(self, sender):
        if getattr(sender, "masked", False):
            return {"full_name": str(MASK), "masked": True}
        return {"full_name": sender.full_name, "masked": False}


class SenderSerializer(SenderNameSerializer):
    """A sender of the letter. A protected sender is given only as
    `{"full_name": <mask>, "masked": true}`, without address, phone or ID number."""

    address = serializers.CharField(required=False)
    phone = serializers.CharField(required=False)
    id_number = serializers.CharField(required=False)

    def to_representation(self, sender):
        shown = super().to_representation(sender)
        if not shown["masked"]:
            shown.update(address=sender.address, phone=sender.phone, id_number=sender.id_number)
        return shown


def masked_senders(petition):
    """What a list shows for a protected letter: one mask, or none for an anonymous one."""
    return [] if petition.sender_type == SenderType.ANONYMOUS else [MaskedSender()]


class PetitionSerializer(serializers.ModelSerializer):
    """A letter as a row of the register. The senders of a protected letter
    (`identity_masked`) are replaced by a mask, for every user."""

    # Cleared users too: identities are shown one letter at a time (detail), and logged.
    receipt_number = serializers.CharField(read_only=True)
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    channel_display = serializers.CharField(source="get_channel_display", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    sender_type_display = serializers.CharField(source="get_sender_type_display",
                                                read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    competence_display = serializers.CharField(source="get_competence_display", read_only=True)
    filed_reason_display = serializers.CharField(source="get_filed_reason_display",
                                                 read_only=True)
    # Declared so that the schema allows "" (not classified / not filed yet).
    competence = serializers.ChoiceField(choices=Competence.choices, allow_blank=True,
                                         read_only=True)
    filed_reason = serializers.ChoiceField(choices=FiledReason.choices, allow_blank=True,
                                           read_only=True)
    senders = serializers.SerializerMethodField()
    identity_masked = serializers.SerializerMethodField()
    url = serializers.HyperlinkedIdentityField(view_name="api:petition-detail")

    class Meta:
        model = Petition
        fields = [
            "id", "url", "receipt_number", "receipt_year", "receipt_seq", "received_on",
            "organisation", "organisation_name", "channel", "channel_display", "forwarded_by",
            "kind", "kind_display", "sender_type", "sender_type_display", "senders",
            "identity_masked", "summary", "subject_name", "status", "status_display",
            "competence", "competence_display", "handled_by", "decision_number",
            "decision_date", "filed_reason", "filed_reason_display", "closed_on",
        ]
        read_only_fields = fields

    # Names only: a list is read in bulk, and addresses and phone numbers are personal
    # data that the case page (detail) shows one letter at a time.
    @extend_schema_field(SenderNameSerializer(many=True))
    def get_senders(self, petition):
        if petition.identity_confidential:
            people = masked_senders(petition)
        else:
            people = petition.senders.all()  # prefetched: only unprotected letters' rows
        return SenderNameSerializer(people, many=True).data

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_identity_masked(self, petition):
        return petition.identity_confidential


class EventSerializer(serializers.ModelSerializer):
    event_type_display = serializers.CharField(source="get_event_type_display", read_only=True)
    actor_name = serializers.SerializerMethodField()
    from_status_display = serializers.SerializerMethodField()
    to_status_display = serializers.SerializerMethodField()

    class Meta:
        model = CaseEvent
        fields = ["id", "event_type", "event_type_display", "occurred_at", "recorded_at",
                  "actor_name", "from_status", "from_status_display", "to_status",
                  "to_status_display", "reason", "doc_number", "doc_date"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_actor_name(self, event):
        return person_name(event.actor) if event.actor_id else ""

    @extend_schema_field(OpenApiTypes.STR)
    def get_from_status_display(self, event):
        return str(status_label(event.from_status))

    @extend_schema_field(OpenApiTypes.STR)
    def get_to_status_display(self, event):
        return str(status_label(event.to_status))


class AttachmentSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "name", "content_type", "size", "uploaded_at", "download_url"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, attachment):
        # The page's download view: it checks scope and clearance again and logs.
        url = reverse("casework:attachment-download", args=[attachment.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class PetitionDetailSerializer(PetitionSerializer):
    """One letter with its senders, history and attachments. For a protected letter,
    senders and attachments are given only to users cleared to see them."""

    # The view decides and puts in the context what this user may see: `senders` (real or
    # the mask), `identity_masked`, and `attachments` (empty when masked).

    subject_member_name = serializers.CharField(source="subject_member.full_name",
                                                read_only=True, default="")
    subject_organisation_name = serializers.CharField(source="subject_organisation.name",
                                                      read_only=True, default="")
    events = EventSerializer(many=True, read_only=True)
    attachments = serializers.SerializerMethodField()

    class Meta(PetitionSerializer.Meta):
        fields = PetitionSerializer.Meta.fields + [
            "subject_member", "subject_member_name", "subject_organisation",
            "subject_organisation_name", "result", "created_at", "updated_at", "events",
            "attachments",
        ]
        read_only_fields = fields

    @extend_schema_field(SenderSerializer(many=True))
    def get_senders(self, petition):
        return SenderSerializer(self.context["senders"], many=True).data

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_identity_masked(self, petition):
        return self.context["identity_masked"]

    @extend_schema_field(AttachmentSerializer(many=True))
    def get_attachments(self, petition):
        return AttachmentSerializer(self.context["attachments"], many=True,
                                    context=self.context).data

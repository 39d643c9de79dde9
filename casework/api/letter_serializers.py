"""JSON shapes of a letter's documents and destinations."""
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from casework.models import GeneratedDocument


class DocumentSerializer(serializers.ModelSerializer):
    """A document made from a template. `identity_refused`: it carries a protected
    sender's identity that this user may not see, so its download is refused (403)."""

    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    identity_refused = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = GeneratedDocument
        fields = ["id", "kind", "kind_display", "number", "date", "size", "shows_identity",
                  "identity_refused", "event", "created_at", "download_url"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_identity_refused(self, document):
        return bool(document.shows_identity and self.context["identity_refused"])

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, document):
        url = reverse("api:document-download", args=[document.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class DestinationSerializer(serializers.Serializer):
    value = serializers.CharField(help_text="org:<id> hoặc body:<id>: giá trị của "
                                            "trường destination")
    label = serializers.CharField()
    group = serializers.CharField()


class DestinationsSerializer(serializers.Serializer):
    results = DestinationSerializer(many=True)
    limit = serializers.IntegerField()


"""JSON shapes of the cases API (casework.api.cases): inspection and supervision cases, their
subjects and discipline decisions, their documents and the steps open to the caller.

As in casework.api.serializers: English snake_case names, stable codes with a `_display`
label in the request's language, ISO dates. A case holds no denouncer's identity (its
source letter is given by id only, and only when the caller may see that letter)."""
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from casework.models import (
    CaseStatus,
    ConductingBody,
    DisciplineDecision,
    GeneratedDocument,
    InspectionCase,
    InspectionKind,
)
from casework.templatetags.casework_tags import person_name

from .serializers import EventSerializer  # noqa: F401 (the events of a case: same shape)


def _name(user):
    return person_name(user) if user is not None else ""


class CaseSerializer(serializers.ModelSerializer):
    """A case as a row of the case list: its first subject and how many it has."""

    number = serializers.CharField(read_only=True)
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    body_display = serializers.CharField(source="get_body_display", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    procedure = serializers.CharField(read_only=True)
    subject_name = serializers.SerializerMethodField()
    subject_count = serializers.IntegerField(read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = InspectionCase
        fields = ["id", "url", "number", "year", "seq", "organisation", "organisation_name",
                  "body", "body_display", "kind", "kind_display", "procedure", "title",
                  "status", "status_display", "subject_name", "subject_count",
                  "decision_number", "decision_date", "starts_on", "ends_on", "closed_on"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_subject_name(self, case):
        subject = case.subject
        return str(subject) if subject is not None else ""

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, case):
        url = reverse("api:case-detail", args=[case.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class DecisionSerializer(serializers.ModelSerializer):
    form_display = serializers.CharField(source="get_form_display", read_only=True)
    subject_type_display = serializers.CharField(source="get_subject_type_display",
                                                 read_only=True)

    class Meta:
        model = DisciplineDecision
        fields = ["id", "subject_type", "subject_type_display", "form", "form_display",
                  "decision_number", "decision_date", "notified_on", "reason", "appealed_on"]
        read_only_fields = fields


class SubjectSerializer(serializers.Serializer):
    """One subject of the case (a member or a Party organisation) with its discipline
    decision (null until one is recorded)."""

    id = serializers.IntegerField()
    position = serializers.IntegerField()
    member = serializers.IntegerField(source="member_id", allow_null=True)
    organisation = serializers.IntegerField(source="organisation_id", allow_null=True)
    name = serializers.CharField()
    is_member = serializers.BooleanField()
    decision = serializers.SerializerMethodField()

    @extend_schema_field(DecisionSerializer(allow_null=True))
    def get_decision(self, row):
        decision = getattr(row, "discipline_decision", None)
        return DecisionSerializer(decision).data if decision is not None else None


class ProgrammeLinkSerializer(serializers.Serializer):
    programme = serializers.IntegerField(source="programme_id")
    item = serializers.IntegerField(source="pk")
    content = serializers.CharField()


class CaseDetailSerializer(CaseSerializer):
    """One case: its decision, team, subjects with their decisions, conclusion and links."""

    team_leader_name = serializers.SerializerMethodField()
    team = serializers.SerializerMethodField()
    subjects = serializers.SerializerMethodField()
    programme_item = serializers.SerializerMethodField()
    source_petition = serializers.SerializerMethodField()

    class Meta(CaseSerializer.Meta):
        fields = [f for f in CaseSerializer.Meta.fields if f != "subject_count"] + [
            "content", "conclusion", "violation_found", "team_leader_name", "team",
            "subjects", "programme_item", "source_petition", "escalated_from",
            "created_at", "updated_at"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_team_leader_name(self, case):
        return _name(case.team_leader)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_team(self, case):
        return [_name(user) for user in self.context["team"]]

    @extend_schema_field(SubjectSerializer(many=True))
    def get_subjects(self, case):
        return SubjectSerializer(case.subject_rows.all(), many=True).data

    @extend_schema_field(ProgrammeLinkSerializer(allow_null=True))
    def get_programme_item(self, case):
        item = case.programme_item
        return ProgrammeLinkSerializer(item).data if item is not None else None

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_source_petition(self, case):
        # Given only to a caller who may see the letter (the view decides).
        return self.context.get("source_petition")


class CaseDocumentSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    event = serializers.IntegerField(source="event_id", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = GeneratedDocument
        fields = ["id", "kind", "kind_display", "number", "date", "event", "size",
                  "created_at", "download_url"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, document):
        # The page's download view: it checks scope and the stored bytes again.
        url = reverse("casework:document-download", args=[document.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class StepSerializer(serializers.Serializer):
    """A step of the case's procedure and whether the caller may take it now."""

    action = serializers.CharField()
    label = serializers.CharField()
    mark = serializers.ChoiceField(choices=["done", "current", "next", "later", "skipped"])
    mark_label = serializers.CharField()
    done_at = serializers.DateTimeField(allow_null=True)
    done_by = serializers.CharField()
    available = serializers.BooleanField(
        help_text="The case's state allows the step now and the caller's role may take it.")


class StepsSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=CaseStatus.choices)
    status_display = serializers.CharField()
    steps = StepSerializer(many=True)
    may_record_appeal = serializers.BooleanField()


class CaseStepRequestSerializer(serializers.Serializer):
    """What a step takes. Only `action` is always needed; the other fields are those of the
    step's page form (dates dd/mm/yyyy or yyyy-mm-dd). `expected_status`: the status the
    caller saw; if the case has moved on since, the step is refused (409)."""

    action = serializers.CharField(help_text="announce, explain, verify, review, report, "
                                             "meet, conclude, notify, open_discipline, "
                                             "discipline, remediate, archive, appeal")
    expected_status = serializers.ChoiceField(choices=CaseStatus.choices, required=False)
    doc_number = serializers.CharField(required=False)
    doc_date = serializers.CharField(required=False)
    reason = serializers.CharField(required=False)
    conclusion = serializers.CharField(required=False)
    violation_found = serializers.ChoiceField(choices=["yes", "no"], required=False)
    issue_document = serializers.BooleanField(required=False)
    on = serializers.CharField(required=False)
    subject = serializers.IntegerField(required=False,
                                       help_text="CaseSubject id (discipline, appeal)")
    form = serializers.CharField(required=False, help_text="discipline form; empty: none")
    decision_number = serializers.CharField(required=False)
    decision_date = serializers.CharField(required=False)
    notified_on = serializers.CharField(required=False)
    received_on = serializers.CharField(required=False)


class StepDoneSerializer(serializers.Serializer):
    action = serializers.CharField()
    status = serializers.ChoiceField(choices=CaseStatus.choices)
    status_display = serializers.CharField()
    case = serializers.URLField()


class CaseOpenSerializer(serializers.Serializer):
    """The decision that opens a case, as the page's form takes it (ids for the unit, the
    subjects, the team leader and the team; dates dd/mm/yyyy or yyyy-mm-dd). Opening one
    from a programme item, a letter or a supervision is done on the page."""

    organisation = serializers.IntegerField()
    body = serializers.ChoiceField(choices=ConductingBody.choices)
    kind = serializers.ChoiceField(choices=InspectionKind.choices)
    title = serializers.CharField(max_length=255)
    subject_organisations = serializers.ListField(child=serializers.IntegerField(),
                                                  required=False, max_length=200)
    subject_members = serializers.ListField(child=serializers.IntegerField(),
                                            required=False, max_length=200)
    decision_number = serializers.CharField(required=False, max_length=100)
    decision_date = serializers.CharField()
    issue_document = serializers.BooleanField(required=False)
    starts_on = serializers.CharField()
    ends_on = serializers.CharField()
    team_leader = serializers.IntegerField()
    team = serializers.ListField(child=serializers.IntegerField(), required=False,
                                 max_length=200)
    content = serializers.CharField(required=False)


class CaseOpenedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    status = serializers.ChoiceField(choices=CaseStatus.choices)
    url = serializers.URLField()


class ErrorSerializer(serializers.Serializer):
    """A refusal as a whole (403, 404, 409): its reason in Vietnamese."""

    detail = serializers.CharField()


FIELD_ERRORS_SCHEMA = {
    "type": "object",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
    "description": "{field or parameter: [Vietnamese messages]}",
}

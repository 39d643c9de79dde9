"""Workflows' API (mounted under /api/ by config/urls.py, casework never imports it): the
deadline clocks of a letter or of a case, and the due-date calculator.

Clocks are read as the clock section of the letter's or case's page reads them: the record
from casework's scoped selector (404 outside the user's reach), its clocks through
`workflows.selectors.clocks_visible`, each with its ledger (pauses, extensions,
recomputations) and its state today in the page's words (`panels.clock_state`). Three
queries whatever the number of clocks. The calculator parses with the calculator page's
form (`DueDateForm`: the same parameters, bounds and Vietnamese messages) and answers with
the calendar's explanation (`WorkingCalendar.explain`)."""
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.api.case_serializers import FIELD_ERRORS_SCHEMA, ErrorSerializer
from casework.api.inputs import form_errors, refuse_unknown
from casework.formatting import date_text
from casework.query_names import param
from casework.selectors.cases import cases_visible
from casework.selectors.letters import letters_visible
from casework.templatetags.casework_tags import person_name
from workflows.calendar import WORKING, get_calendar, weekday_name
from workflows.forms import DueDateForm
from workflows.models import ClockEntry, DeadlineClock
from workflows.panels import clock_state
from workflows.selectors import clocks_visible

DENIED = OpenApiResponse(ErrorSerializer, description="Chưa đăng nhập")
MISSING = OpenApiResponse(ErrorSerializer, description="Không có, hoặc ngoài phạm vi xem")
BAD = OpenApiResponse(FIELD_ERRORS_SCHEMA, description="Tham số không hợp lệ")


class EntrySerializer(serializers.ModelSerializer):
    """A line of the clock's ledger: started, paused, resumed, extended, recomputed, ended."""

    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = ClockEntry
        fields = ["kind", "kind_display", "on", "days", "decision_number", "decision_date",
                  "reason", "actor_name", "due_before", "due_after", "recorded_at"]
        read_only_fields = fields

    def get_actor_name(self, entry) -> str:
        return person_name(entry.actor) if entry.actor_id else ""


class StateSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=["overdue", "soon", "ok", "paused", "met", "late",
                                             "lapsed"])
    flag = serializers.CharField()
    text = serializers.CharField()
    days = serializers.IntegerField(allow_null=True, help_text="days left in the rule's unit "
                                                              "(negative: overdue)")


class ClockSerializer(serializers.ModelSerializer):
    rule = serializers.CharField(source="rule.code", read_only=True)
    rule_name = serializers.CharField(source="rule.__str__", read_only=True)
    legal_basis = serializers.CharField(source="rule.legal_basis", read_only=True)
    length = serializers.IntegerField(source="rule.length", read_only=True)
    unit = serializers.CharField(source="rule.unit", read_only=True)
    unit_display = serializers.CharField(source="rule.get_unit_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    state = serializers.SerializerMethodField()
    entries = serializers.SerializerMethodField()

    class Meta:
        model = DeadlineClock
        fields = ["id", "rule", "rule_name", "legal_basis", "length", "unit", "unit_display",
                  "started_on", "due_on", "warn_on", "status", "status_display", "paused_on",
                  "extensions_used", "stopped_on", "state", "entries"]
        read_only_fields = fields

    @extend_schema_field(StateSerializer)
    def get_state(self, clock):
        state = clock_state(clock, self.context["today"], self.context["calendar"])
        return {"level": state.level, "flag": str(state.flag), "text": str(state.text),
                "days": state.days}

    @extend_schema_field(EntrySerializer(many=True))
    def get_entries(self, clock):
        return EntrySerializer(clock.entries.all(), many=True).data


def _clocks(request, clocks):
    clocks = (clocks.select_related("rule")
              .prefetch_related(Prefetch("entries", ClockEntry.objects.select_related("actor")
                                         .order_by("recorded_at", "pk")))
              .order_by("started_on", "pk"))
    context = {"today": timezone.localdate(), "calendar": get_calendar()}
    return Response(ClockSerializer(clocks, many=True, context=context).data)


@extend_schema(summary="Thời hạn của một đơn",
               parameters=[OpenApiParameter("petition_pk", OpenApiTypes.INT,
                                            OpenApiParameter.PATH)],
               responses={200: ClockSerializer(many=True), 403: DENIED, 404: MISSING})
class LetterClocks(APIView):
    def get(self, request, petition_pk):
        petition = get_object_or_404(letters_visible(user=request.user), pk=petition_pk)
        return _clocks(request, clocks_visible(user=request.user).filter(petition=petition))


@extend_schema(summary="Thời hạn của một cuộc kiểm tra, giám sát",
               parameters=[OpenApiParameter("case_pk", OpenApiTypes.INT, OpenApiParameter.PATH)],
               responses={200: ClockSerializer(many=True), 403: DENIED, 404: MISSING})
class CaseClocks(APIView):
    def get(self, request, case_pk):
        case = get_object_or_404(cases_visible(user=request.user), pk=case_pk)
        return _clocks(request, clocks_visible(user=request.user).filter(inspection=case))


class DayNoteSerializer(serializers.Serializer):
    day = serializers.DateField()
    weekday = serializers.CharField()
    note = serializers.CharField()


class LineSerializer(serializers.Serializer):
    text = serializers.CharField()
    items = serializers.ListField(child=serializers.CharField())


class DueDateSerializer(serializers.Serializer):
    start = serializers.DateField()
    length = serializers.IntegerField()
    unit = serializers.ChoiceField(choices=["working", "calendar"])
    due = serializers.DateField()
    due_text = serializers.CharField(help_text="dd/mm/yyyy")
    due_weekday = serializers.CharField()
    nominal_due = serializers.DateField()
    rolled_forward = serializers.BooleanField()
    calendar_days = serializers.IntegerField()
    working_days = serializers.IntegerField()
    weekend_days = serializers.IntegerField()
    days_off = DayNoteSerializer(many=True)
    made_up = DayNoteSerializer(many=True)
    explanation = LineSerializer(many=True)


def _days(days):
    return [{"day": d.day, "weekday": d.weekday, "note": d.note} for d in days]


CALCULATOR = (param("start"), param("length"), param("unit"))


@extend_schema(
    summary="Tính hạn", responses={200: DueDateSerializer, 400: BAD, 403: DENIED},
    parameters=[
        OpenApiParameter(param("start"), OpenApiTypes.STR, required=True,
                         description="Ngày phát sinh, dd/mm/yyyy (hoặc yyyy-mm-dd); thời hạn "
                                     "tính từ ngày hôm sau"),
        OpenApiParameter(param("length"), OpenApiTypes.INT, required=True,
                         description="Số ngày, 1 đến 3650"),
        OpenApiParameter(param("unit"), OpenApiTypes.STR, enum=["working", "calendar"],
                         description="working: ngày làm việc (mặc định); calendar: ngày theo "
                                     "lịch, hạn rơi vào ngày nghỉ thì chuyển sang ngày làm việc "
                                     "tiếp theo")])
class DueDate(APIView):
    def get(self, request):
        refuse_unknown(request.query_params, {*CALCULATOR, "format"})
        data = {name: request.query_params.get(name, "") for name in CALCULATOR}
        data[param("unit")] = data[param("unit")] or WORKING
        form = DueDateForm(data)
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        try:
            done = get_calendar().explain(*(form.cleaned_data[name] for name in CALCULATOR))
        except ValueError as exc:  # DateOutOfRange: the due date falls outside the calendar
            raise ValidationError({param("length"): [str(exc)]}) from None
        return Response(DueDateSerializer({
            "start": done.start, "length": done.length, "unit": done.unit, "due": done.due,
            "due_text": date_text(done.due), "due_weekday": weekday_name(done.due),
            "nominal_due": done.nominal_due, "rolled_forward": done.rolled_forward,
            "calendar_days": done.calendar_days, "working_days": done.working_days,
            "weekend_days": done.weekend_days, "days_off": _days(done.days_off),
            "made_up": _days(done.made_up),
            "explanation": [{"text": str(text), "items": [str(i) for i in items]}
                            for text, items in done.lines()]}).data)

"""The report's figures for any period (/api/so-lieu/?tu-ngay=…&den-ngay=…&don-vi=…): the
same numbers as the report page and `manage.py report_figures`, because they are the same
call (`selectors.reports.report_figures`) on the period the report page's own form reads
(`ReportForm`, "từ ngày – đến ngày"). Who may ask for which unit: the report page's rule
(`may_see_reports`, `report_units`); the unit defaults to the user's topmost one."""
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.query_names import param
from casework.report_forms import ReportForm
from casework.selectors.reports import may_see_reports, report_figures, report_units

from .case_serializers import FIELD_ERRORS_SCHEMA, ErrorSerializer
from .inputs import form_errors, refuse_unknown

# A report covers a term (5 years) at most on the page; ten years leaves room and keeps
# the count of the event log bounded.
MAX_PERIOD_DAYS = 3653
NAMES = (param("report_from"), param("report_to"), param("organisation"))


class FiguresSerializer(serializers.Serializer):
    """`letters` and `cases` are the objects `manage.py report_figures` prints (README:
    “Số liệu báo cáo”), each with `by_unit`: {unit code: the same figures of that unit}."""

    org = serializers.CharField(help_text="the unit's code")
    # "from" is a Python keyword: declared under another name, renamed in the output.
    from_ = serializers.DateField()
    to = serializers.DateField()
    taken_at = serializers.DateTimeField()
    letters = serializers.DictField()
    cases = serializers.DictField()

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


@extend_schema(
    summary="Số liệu báo cáo của một kỳ bất kỳ",
    parameters=[
        OpenApiParameter(param("report_from"), OpenApiTypes.STR, required=True,
                         description="Từ ngày (dd/mm/yyyy hoặc yyyy-mm-dd)"),
        OpenApiParameter(param("report_to"), OpenApiTypes.STR, required=True,
                         description="Đến ngày (dd/mm/yyyy hoặc yyyy-mm-dd), kỳ tối đa 10 năm"),
        OpenApiParameter(param("organisation"), OpenApiTypes.INT,
                         description="Đơn vị (id; mặc định: đơn vị cao nhất người dùng được "
                                     "xem báo cáo)"),
    ],
    responses={200: FiguresSerializer,
               400: OpenApiResponse(FIELD_ERRORS_SCHEMA, description="Tham số không hợp lệ"),
               403: OpenApiResponse(ErrorSerializer, description="Không được xem báo cáo")})
class Figures(APIView):
    def get(self, request):
        if not may_see_reports(request.user):
            raise PermissionDenied(_("Bạn không được xem báo cáo số liệu."))
        refuse_unknown(request.query_params, {*NAMES, "format"})
        units = report_units(request.user)
        data = {"ky": "tu-chon", **{n: request.query_params.get(n, "") for n in NAMES}}
        if not data[param("organisation")] and (first := units.first()):
            data[param("organisation")] = str(first.pk)
        form = ReportForm(data, units=units)
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        period = form.cleaned_data["period"]
        if (period.end - period.start).days >= MAX_PERIOD_DAYS:
            raise ValidationError({param("report_to"): [
                _("Kỳ báo cáo dài tối đa 10 năm.")]})
        figures = report_figures(organisation=form.cleaned_data[param("organisation")],
                                 period=period)
        return Response(figures)

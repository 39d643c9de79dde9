"""/bao-cao/: the report of a unit for a period (issue 12): the narrative in the 2025
report's wording and the tables, every figure a link to the records it counts; as DOCX in
the Party's layout and as XLSX. Who may get which unit's report: casework.selectors.reports
(docs/permissions.md, `view_reports`)."""
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from casework.models import Organisation
from casework.query_names import param, unknown_parameters_message
from casework.report_documents import taken_text, write_docx, write_xlsx
from casework.report_forms import ReportForm
from casework.report_text import Report
from casework.selectors.reports import may_see_reports, report_figures, report_units

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _report(request):
    """(form, report or None, figures or None) for the address's choice."""
    if not may_see_reports(request.user):
        raise PermissionDenied
    units = report_units(request.user)
    data = request.GET.copy()
    if param("report_period") not in data:  # first visit: this year
        data.setdefault(param("report_period"), "nam")
        data.setdefault(param("year"), str(timezone.localdate().year))
    if not data.get(param("organisation")) and (first := units.first()):
        data[param("organisation")] = str(first.pk)  # the user's topmost unit
    form = ReportForm(data, units=units)
    if not form.is_valid():
        return form, None, None
    organisation, period = form.cleaned_data[param("organisation")], form.cleaned_data["period"]
    figures = report_figures(organisation=organisation, period=period)
    codes = {organisation.code, *figures["letters"]["by_unit"], *figures["cases"]["by_unit"]}
    rows = Organisation.objects.filter(code__in=codes).values_list("code", "name", "path")
    report = Report(figures=figures, organisation=organisation, period=period,
                    names={c: n for c, n, _p in rows}, paths={c: p for c, _n, p in rows})
    return form, report, figures


@login_required
def report_page(request):
    form, report, figures = _report(request)
    known = {*form.fields}
    context = {"form": form, "report": report, "figures": figures,
               "unknown": unknown_parameters_message(request.GET, known)}
    if report is not None:
        paragraphs, notes = report.case_paragraphs()
        context.update(case_paragraphs=paragraphs, notes=notes,
                       letter_paragraphs=report.letter_paragraphs(),
                       handoff_note=report.handoff_note(),
                       letter_table=report.letter_table(), case_table=report.case_table(),
                       kind_table=report.kind_table(), taken=taken_text(figures),
                       query=request.GET.urlencode())
    return render(request, "casework/reports/report.html", context,
                  status=200 if report is not None or not form.is_bound else 400)


def _download(request, writer, content_type, extension):
    # The document goes to the superior level: Vietnamese whatever the reader's language.
    with translation.override("vi"):
        form, report, figures = _report(request)
        return _document(form, report, figures, writer, content_type, extension)


def _document(form, report, figures, writer, content_type, extension):
    if report is None:
        errors = "; ".join(f"{form.fields[name].label if name in form.fields else ''}: {m}"
                           for name, messages in form.errors.items() for m in messages)
        return HttpResponse(_("Không lập được báo cáo: %(errors)s") % {"errors": errors},
                            status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(writer(report, figures), content_type=content_type)
    name = f"bao-cao-{report.organisation.code}-{report.period.start:%Y%m%d}-" \
           f"{report.period.end:%Y%m%d}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def report_docx(request):
    return _download(request, write_docx, DOCX, "docx")


@login_required
def report_xlsx(request):
    return _download(request, write_xlsx, XLSX, "xlsx")

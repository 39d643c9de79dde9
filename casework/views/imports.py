"""Import of a letters register from Excel: upload → check (in the background, with its
progress) → the errors by row and column, or "N đơn sẽ được nhập, M đơn đã có trong sổ sẽ
bỏ qua" → confirm → the import's progress → the result, with links to the register.

Who may import: whoever may receive letters at some unit (the clerk and the handlers:
casework.permissions.receiving_organisations), into those units only. A year's inspection
and supervision cases (the second entry, same flow): whoever may open cases at some unit
(casework.permissions.may_open_case, as a query: deciding_organisations), into those
units. A job's pages are its owner's alone (anyone else gets 404), as for the exports."""
from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from casework.errors import ActionRefused
from casework.exports import CONTENT_TYPE
from casework.formatting import count_text
from casework.imports.case_template import cases_template
from casework.imports.template import letters_template
from casework.imports.workbook import BadFile
from casework.models import ImportJob, ImportKind, ImportState
from casework.services.case_import import case_importing_units
from casework.services.import_jobs import (
    import_confirm,
    import_start,
    progress_of,
    recover_stale,
)
from casework.services.letter_import import importing_units
from casework.submissions import AlreadySubmitted, SubmissionTokenMixin, acting_once


class ImportForm(SubmissionTokenMixin, forms.Form):
    file = forms.FileField(label=gettext_lazy("Tệp Excel (.xlsx)"))


class ConfirmForm(SubmissionTokenMixin, forms.Form):
    pass


def _units_or_403(user):
    units = importing_units(user)
    if not units:
        raise PermissionDenied(_("Bạn không có quyền tiếp nhận đơn nên không nhập được sổ."))
    return units


def _case_units_or_403(user):
    units = case_importing_units(user)
    if not units:
        raise PermissionDenied(_("Bạn không có quyền ra quyết định kiểm tra, giám sát nên "
                                 "không nhập được."))
    return units


@dataclass(frozen=True)
class ImportPage:
    """What differs between the two imports' pages; the flow is one (`_upload_page`)."""
    units: Callable          # user → the units they may import into, or PermissionDenied
    build_template: Callable  # units → the template's bytes
    file_name: str
    page: str                # this page's URL name (and the fallback of a re-post)
    template_url: str
    title: str
    intro: str
    units_label: str


PAGES = {
    ImportKind.LETTERS: ImportPage(
        units=_units_or_403, build_template=letters_template,
        file_name="mau-nhap-so-don-thu.xlsx", page="casework:letters-import",
        template_url="casework:letters-import-template",
        title=gettext_lazy("Nhập sổ đơn thư từ Excel"),
        intro=gettext_lazy(
            "Nhập sổ tiếp nhận đơn thư đã có (kể cả quá trình xử lý từng đơn) từ tệp Excel "
            "theo mẫu. Hệ thống kiểm tra toàn bộ tệp trước, báo lỗi theo dòng và cột; chỉ "
            "khi tệp không còn lỗi và bạn xác nhận mới nhập, tất cả trong một lần. Đơn đã "
            "có trong sổ được bỏ qua."),
        units_label=gettext_lazy("Đơn vị bạn được nhập đơn:")),
    ImportKind.CASES: ImportPage(
        units=_case_units_or_403, build_template=cases_template,
        file_name="mau-nhap-cuoc-kiem-tra.xlsx", page="casework:cases-import",
        template_url="casework:cases-import-template",
        title=gettext_lazy("Nhập cuộc kiểm tra, giám sát từ Excel"),
        intro=gettext_lazy(
            "Nhập các cuộc kiểm tra, giám sát của một năm (kể cả các bước đã làm, kết luận "
            "và kỷ luật) từ tệp Excel theo mẫu. Hệ thống kiểm tra toàn bộ tệp theo đúng quy "
            "trình trước, báo lỗi theo dòng và cột; chỉ khi tệp không còn lỗi và bạn xác "
            "nhận mới nhập, tất cả trong một lần. Cuộc đã có (cùng cấp tiến hành, năm và số "
            "quyết định) được bỏ qua."),
        units_label=gettext_lazy("Cấp bạn được nhập cuộc kiểm tra, giám sát:")),
}


def _upload_page(request, kind):
    page = PAGES[kind]
    units = page.units(request.user)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            with acting_once(request, form, fallback=page.page) as claim:
                job, created = import_start(user=request.user, kind=kind,
                                            upload=form.cleaned_data["file"])
                claim.result_url = reverse("casework:import-job", args=[job.pk])
        except AlreadySubmitted as exc:
            return exc.response
        except BadFile as exc:
            form.add_error("file", str(exc))
        else:
            if not created:
                messages.warning(request, _("Bạn đang có một lượt nhập chưa xong: chờ lượt "
                                            "này xong rồi nhập tiếp."))
            return redirect("casework:import-job", pk=job.pk)
    recent = ImportJob.objects.filter(owner=request.user, kind=kind)[:10]
    return render(request, "casework/import_upload.html",
                  {"form": form, "units": units, "recent": recent, "page": page})


def _template_download(request, kind):
    page = PAGES[kind]
    response = HttpResponse(page.build_template(page.units(request.user)),
                            content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{page.file_name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def letters_import(request):
    return _upload_page(request, ImportKind.LETTERS)


@login_required
@require_GET
def letters_import_template(request):
    return _template_download(request, ImportKind.LETTERS)


@login_required
@require_http_methods(["GET", "POST"])
def cases_import(request):
    return _upload_page(request, ImportKind.CASES)


@login_required
@require_GET
def cases_import_template(request):
    return _template_download(request, ImportKind.CASES)


def _may_import_or_403(user, job):
    if job.kind == ImportKind.CASES:
        _case_units_or_403(user)
    else:
        _units_or_403(user)


def _own_job(request, pk):
    """The job, if it is the user's own and they may still import: anyone else's is a
    page that does not exist."""
    job = get_object_or_404(ImportJob, pk=pk, owner=request.user)
    _may_import_or_403(request.user, job)
    if recover_stale(ImportJob.objects.filter(pk=job.pk)):
        job.refresh_from_db()
    return job


def _progress_text(job):
    done, _percent = progress_of(job)
    if job.confirmed and job.kind == ImportKind.CASES:
        return _("Đã nhập %(done)s / %(total)s cuộc") % {
            "done": count_text(done), "total": count_text(job.to_import)}
    if job.confirmed:
        return _("Đã nhập %(done)s / %(total)s đơn") % {
            "done": count_text(done), "total": count_text(job.to_import)}
    return _("Đã kiểm tra %(done)s dòng") % {"done": count_text(done)}


@login_required
@require_GET
def import_job(request, pk):
    job = _own_job(request, pk)
    _done, percent = progress_of(job)
    return render(request, "casework/import_job.html", {
        "job": job, "active": job.state in (ImportState.QUEUED, ImportState.RUNNING),
        "percent": percent, "progress_text": _progress_text(job),
        "confirm_form": ConfirmForm(), "hidden_errors": job.error_count - len(job.errors),
        "cases": job.kind == ImportKind.CASES,
        "register": reverse("casework:case-list" if job.kind == ImportKind.CASES
                            else "casework:petition-list")})


@login_required
@require_GET
def import_job_status(request, pk):
    job = _own_job(request, pk)
    done, percent = progress_of(job)
    return JsonResponse({"state": job.state, "label": job.get_state_display(), "done": done,
                         "percent": percent, "error": job.error,
                         "text": _progress_text(job)},
                        headers={"Cache-Control": "private, no-store"})


@login_required
@require_POST
def import_job_confirm(request, pk):
    job = get_object_or_404(ImportJob, pk=pk, owner=request.user)
    _may_import_or_403(request.user, job)
    form = ConfirmForm(request.POST)
    form.is_valid()
    try:
        with acting_once(request, form, fallback="casework:letters-import") as claim:
            import_confirm(user=request.user, job_id=job.pk)
            claim.result_url = reverse("casework:import-job", args=[job.pk])
    except AlreadySubmitted as exc:
        return exc.response
    except ActionRefused as exc:
        messages.error(request, exc.message)
    return redirect("casework:import-job", pk=job.pk)

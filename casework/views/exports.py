"""Register export: the same letters as the register page, as an Excel file.

The view checks the filter and the size. A small export is made at once and answered as
the file; past EXPORT_BACKGROUND_ROWS letters it becomes a background job
(`casework.services.export_jobs`) and the user lands on the job's page: a progress bar
(static/js/export_progress.js polls `export_job_status`; without script the page
refreshes itself) and, when done, the download link. Only the job's owner sees its page
and file (anyone else gets 404). The file itself, masking and identity logging included,
is `casework.register_export`'s work either way.
"""
import tempfile

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from casework.exports import CONTENT_TYPE
from casework.formatting import count_text
from casework.models import ExportJob, ExportState
from casework.query_names import param
from casework.register_export import InvalidFilter, RegisterExport
from casework.selectors.scope import role_paths
from casework.services.export_jobs import (
    export_start,
    is_stale,
    job_file,
    params_of,
    querydict_of,
    recover_stale,
)


@login_required
@require_GET
def petition_export(request):
    user = request.user
    if not (user.is_superuser or role_paths(user)):  # no role anywhere: nothing to export
        raise PermissionDenied(_("Bạn chưa được phân quyền xem sổ đơn thư."))
    back = reverse("casework:petition-list") + "?" + request.GET.urlencode()
    with_identity = request.GET.get(param("identity")) == "1"
    try:
        export = RegisterExport(user=user, params=request.GET, with_identity=with_identity)
    except InvalidFilter as exc:
        # The page falls back to the whole register; a file must not do so silently.
        messages.error(request, str(exc))
        return redirect(back)

    limit = settings.EXPORT_MAX_ROWS
    if (count := export.count()) > limit:
        messages.error(request, _(
            "Sổ đang chọn có %(count)s đơn, quá %(limit)s đơn mỗi lần xuất: chọn năm nhận, "
            "khoảng ngày nhận hoặc đơn vị rồi xuất lại.")
            % {"count": count_text(count), "limit": count_text(limit)})
        return redirect(back)

    if count > settings.EXPORT_BACKGROUND_ROWS:
        job, created = export_start(user=user, params=params_of(request.GET),
                                    with_identity=export.with_identity, rows_total=count)
        if not created:
            messages.warning(request, _(
                "Bạn đang có một lượt xuất sổ chưa xong: chờ lượt này xong rồi xuất tiếp."))
        return redirect("casework:export-job", pk=job.pk)

    # A temporary file rather than memory: a large register runs to megabytes.
    out = tempfile.TemporaryFile()
    export.write(out)
    out.seek(0)
    return _file_response(out, f"so-don-thu-{timezone.localdate():%Y-%m-%d}.xlsx")


def _file_response(out, filename):
    response = FileResponse(out, as_attachment=True, filename=filename,
                            content_type=CONTENT_TYPE)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _own_job(request, pk):
    """The job, if it is the user's own: anyone else's is a page that does not exist."""
    job = get_object_or_404(ExportJob, pk=pk, owner=request.user)
    if is_stale(job):
        # Its worker is gone (the embedded install has no beat to notice): run it again
        # or mark it failed, then show what that left.
        recover_stale(ExportJob.objects.filter(pk=job.pk))
        job.refresh_from_db()
    return job


@login_required
@require_GET
def export_job(request, pk):
    job = _own_job(request, pk)
    return render(request, "casework/export_job.html", {
        "job": job, "active": job.state in (ExportState.QUEUED, ExportState.RUNNING),
        "has_file": job_file(job) is not None,
        "progress_text": _progress_text(job), "keep_hours": settings.EXPORT_KEEP_HOURS,
        "register": reverse("casework:petition-list") + "?" + querydict_of(job.params).urlencode()})


@login_required
@require_GET
def export_job_status(request, pk):
    job = _own_job(request, pk)
    return JsonResponse({
        "state": job.state, "label": job.get_state_display(), "done": job.rows_done,
        "total": job.rows_total, "percent": job.percent, "error": job.error,
        "text": _progress_text(job)},
        headers={"Cache-Control": "private, no-store"})


def _progress_text(job):
    return _("Đã ghi %(done)s / %(total)s đơn") % {
        "done": count_text(job.rows_done), "total": count_text(job.rows_total)}


@login_required
@require_GET
def export_job_download(request, pk):
    job = _own_job(request, pk)
    path = job_file(job)
    if path is None:
        raise Http404(_("Tệp này không còn (chưa xong, không thành công hoặc đã hết hạn tải)."))
    stamp = timezone.localtime(job.finished_at)
    return _file_response(open(path, "rb"), f"so-don-thu-{stamp:%Y-%m-%d}-{job.pk}.xlsx")



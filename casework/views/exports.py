"""Register export: the same letters as the register page, as an Excel file.

The view scopes, filters, decides the masking, logs identity access and responds; the
workbook itself is built by `casework.exports`. Protected senders are masked for everyone
unless a cleared user ticks "Kèm danh tính người tố cáo"; then each protected letter
exported with its sender is logged (purpose EXPORT). For an uncleared user the box is not
offered and the parameter is ignored: the file is masked and says so.
"""
import tempfile

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from casework.exports import CONTENT_TYPE, petition_row, write_register
from casework.formatting import count_text, date_text
from casework.models import IdentityAccessPurpose, Organisation, PetitionSender
from casework.permissions import clearance_paths, may_see_identity
from casework.query_names import param
from casework.selectors.letters import export_rows, letter_register
from casework.selectors.scope import role_paths, topmost
from casework.services.identity import log_identity_access, log_search_hits, unmasked_senders
from casework.templatetags.casework_tags import person_name

# Rows fetched per query; each chunk brings its senders in one more query.
CHUNK = 2000
# At most this many letters per file (settings.EXPORT_MAX_ROWS): one request builds the
# file, at about 0.3 ms a letter on the project's machine (benchmarks/pages.py), so a
# province's whole register (a million letters) would hold a worker for minutes. Past it
# the page asks for a year or a unit instead.
EXPORT_MAX_ROWS = 200_000


@login_required
@require_GET
def petition_export(request):
    user = request.user
    if not (user.is_superuser or role_paths(user)):  # no role anywhere: nothing to export
        raise PermissionDenied(_("Bạn chưa được phân quyền xem sổ đơn thư."))
    filterset, letters = letter_register(user=user, params=request.GET)
    if filterset.is_bound and not filterset.is_valid():
        # The page falls back to the whole register; a file must not do so silently.
        messages.error(request, _("Điều kiện lọc chưa hợp lệ nên chưa xuất được sổ."))
        return redirect(reverse("casework:petition-list") + "?" + request.GET.urlencode())

    limit = getattr(settings, "EXPORT_MAX_ROWS", EXPORT_MAX_ROWS)
    if (count := letters.count()) > limit:
        messages.error(request, _(
            "Sổ đang chọn có %(count)s đơn, quá %(limit)s đơn mỗi lần xuất: chọn năm nhận, "
            "khoảng ngày nhận hoặc đơn vị rồi xuất lại.")
            % {"count": count_text(count), "limit": count_text(limit)})
        return redirect(reverse("casework:petition-list") + "?" + request.GET.urlencode())

    with_identity = request.GET.get(param("identity")) == "1" and bool(clearance_paths(user))
    senders = (unmasked_senders(user) if with_identity
               else PetitionSender.objects.filter(petition__identity_confidential=False))
    rows = export_rows(letters, senders=senders)

    shown = []  # protected letters written with their senders: logged once the file is made

    def register_rows():
        for petition in rows.iterator(chunk_size=CHUNK):
            masked = petition.identity_confidential and not (
                with_identity and may_see_identity(user, petition))
            if petition.identity_confidential and not masked:
                shown.append(petition)
            yield petition_row(petition, masked=masked)

    # A temporary file rather than memory: a province's register runs to megabytes.
    out = tempfile.TemporaryFile()
    write_register(out, register_rows(),
                   title_lines=_title_lines(request, filterset, with_identity=with_identity))
    log_identity_access(user=user, petitions=shown, purpose=IdentityAccessPurpose.EXPORT)
    log_search_hits(user=user, filterset=filterset)
    out.seek(0)
    filename = f"so-don-thu-{timezone.localdate():%Y-%m-%d}.xlsx"
    response = FileResponse(out, as_attachment=True, filename=filename,
                            content_type=CONTENT_TYPE)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _title_lines(request, filterset, *, with_identity):
    """What the file holds, who made it and when: a printed register must say so itself."""
    data = filterset.form.cleaned_data if filterset.is_bound else {}
    scope = [_scope_name(request.user, data.get(param("organisation")))]
    start, end = data.get(param("received_from")), data.get(param("received_to"))
    if start and end:
        scope.append(_("nhận từ ngày %(start)s đến ngày %(end)s")
                     % {"start": date_text(start), "end": date_text(end)})
    elif start:
        scope.append(_("nhận từ ngày %(start)s") % {"start": date_text(start)})
    elif end:
        scope.append(_("nhận đến ngày %(end)s") % {"end": date_text(end)})
    if data.get(param("year")):
        scope.append(_("nhận trong năm %(year)s") % {"year": int(data[param("year")])})
    for name in map(param, ("kind", "status", "q")):
        if data.get(name):
            field = filterset.form.fields[name]
            value = dict(field.choices).get(data[name]) if name != param("q") else f"“{data[name]}”"
            scope.append(f"{field.label}: {value}")
    made = _("Xuất ngày %(date)s bởi %(name)s") % {
        "date": date_text(timezone.localdate()), "name": person_name(request.user)}
    note = (_("Có kèm danh tính người tố cáo (trong phạm vi được phân quyền): phải giữ bí "
              "mật; lượt xuất này đã được ghi nhật ký.") if with_identity else
            _("Danh tính người tố cáo được bảo mật (không có trong tệp này)."))
    return ["; ".join(str(part) for part in scope), made, note]


def _scope_name(user, organisation):
    if organisation is not None:
        return organisation.name
    if user.is_superuser:
        return _("Toàn hệ thống")
    # The topmost organisations where the user holds a role: each brings its subtree.
    return ", ".join(Organisation.objects.filter(path__in=topmost(role_paths(user)))
                     .values_list("name", flat=True))

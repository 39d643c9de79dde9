"""Pages of the generated documents: download one, make one for a step already recorded,
and the "Văn bản" panel on the letter and case pages.

A download serves the bytes stored when the document was issued, checked against their
SHA-256, never a new rendering. A document that carries a protected sender's identity is
served only to users cleared for that letter's identity, and each download is logged.
"""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from casework.documents.kinds import BY_EVENT
from casework.errors import ActionRefused
from casework.models import CaseEvent, IdentityAccessPurpose
from casework.panels import register_case_panel, register_inspection_panel
from casework.permissions import may_see_identity, roles_at
from casework.selectors.cases import cases_visible
from casework.selectors.documents import documents_of, documents_visible
from casework.selectors.letters import letters_visible
from casework.services.documents import (
    DocumentMissing,
    document_bytes,
    document_for_event,
    may_issue,
)
from casework.services.identity import log_identity_access

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _refused_identity(user, document):
    petition = document.petition
    return bool(document.shows_identity and petition is not None
                and not may_see_identity(user, petition))


def refused_identity_message():
    return _("Văn bản này ghi danh tính người gửi đơn tố cáo; bạn chưa được phân quyền xem "
             "danh tính.")


def document_response(user, document):
    """The download of a document found in `documents_visible(user=user)`: refused
    (PermissionDenied) when it carries a protected identity the user is not cleared for,
    logged when it does and they are. The page and the API both serve it this way."""
    if _refused_identity(user, document):
        raise PermissionDenied(refused_identity_message())
    try:
        content = document_bytes(document)
    except DocumentMissing:
        response = HttpResponse(_("Không đọc được tệp văn bản đã lưu, hoặc tệp đã bị thay đổi "
                                  "so với khi lập. Đề nghị báo người quản trị hệ thống."),
                                status=503, content_type="text/plain; charset=utf-8")
        response["Cache-Control"] = "private, no-store"
        return response
    if document.shows_identity and document.petition is not None:
        log_identity_access(user=user, petitions=[document.petition],
                            purpose=IdentityAccessPurpose.DOCUMENT)
    response = HttpResponse(content, content_type=DOCX)
    # "45-CV/ĐU": the name is not ASCII; RFC 6266's filename* carries it.
    response["Content-Disposition"] = content_disposition_header(True, document.filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def document_download(request, pk):
    document = get_object_or_404(
        documents_visible(user=request.user).select_related("petition__organisation"), pk=pk)
    return document_response(request.user, document)


@login_required
@require_POST
def document_issue(request, event_pk):
    """Make the document of a step already in the record's history."""
    event = get_object_or_404(
        CaseEvent.objects.filter(petition__in=letters_visible(user=request.user).values("pk"))
        | CaseEvent.objects.filter(
            inspection__in=cases_visible(user=request.user).values("pk")), pk=event_pk)
    spec = BY_EVENT.get(event.event_type)
    if spec is None:
        raise Http404
    record = event.petition or event.inspection
    if not may_issue(spec, record, request.user):
        raise PermissionDenied(_("Vai trò của bạn không được phép lập %(document)s này.")
                               % {"document": str(spec.label).lower()})
    try:
        document = document_for_event(actor=request.user, event_id=event.pk)
    except ActionRefused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Đã lập %(document)s số %(number)s.")
                         % {"document": document.get_kind_display().lower(),
                            "number": document.number})
    return redirect(record.get_absolute_url())


def _panel(request, record, events):
    user = request.user
    documents = list(documents_of(record))
    for document in documents:  # their record is this one: not read again per row
        setattr(document, "inspection" if document.inspection_id else "petition", record)
    made = {(d.event_id, d.kind) for d in documents}
    issuable = []
    if roles_at(user, record.organisation) or user.is_superuser:
        issuable = [(event, BY_EVENT[event.event_type]) for event in events
                    if event.event_type in BY_EVENT
                    and (event.pk, BY_EVENT[event.event_type].kind) not in made
                    and may_issue(BY_EVENT[event.event_type], record, user)]
    rows = [(d, _refused_identity(user, d)) for d in documents]
    if not rows and not issuable:
        return ""
    return render_to_string("casework/_documents_panel.html", {
        "rows": rows, "issuable": issuable}, request=request)


@register_case_panel
def letter_documents_panel(request, petition):
    return _panel(request, petition, petition.events.only("pk", "event_type", "occurred_at"))


@register_inspection_panel
def case_documents_panel(request, case):
    return _panel(request, case, case.events.only("pk", "event_type", "occurred_at"))

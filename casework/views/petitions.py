"""Petition pages. Thin: parse the form, call a service, show the result. Every read comes
from `casework.selectors.letters` (scoped there), so a letter outside the user's subtree
is a 404 whatever the URL."""
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from casework.errors import ActionRefused
from casework.figure_filters import (
    LetterFigureForm,
    apply_figure,
    apply_rollup,
    figure_field_names,
)
from casework.forms import (
    TRANSITION_FORMS,
    IntakeForm,
    SenderFormSet,
    apply_service_errors,
    first_complaint_choices,
    formset_error_links,
    member_choices,
)
from casework.handoff_forms import destination_errors
from casework.models import (
    Attachment,
    IdentityAccessPurpose,
)
from casework.panels import case_panels
from casework.permissions import (
    ACTION_LABELS,
    clearance_paths,
    may_see_identity,
    receiving_organisations,
    subject_scope,
    user_may,
)
from casework.query_names import param, unknown_parameters_message
from casework.selectors.handoff import handoff_links
from casework.selectors.letters import (
    letter_for_page,
    letter_register,
    letters_visible,
    register_counts,
    register_groups,
    register_page,
    sees_several_communes,
)
from casework.selectors.status_lookup import lookup_page_url
from casework.services.attachments import StorageFailed
from casework.services.duplicates import find_duplicates
from casework.services.identity import (
    identity_visible,
    log_identity_access,
    log_search_hits,
    senders_for,
)
from casework.services.petitions import SERVICES, SenderData, petition_receive
from casework.submissions import AlreadySubmitted, acting_once, repeated_post


def _visible(request):
    return letters_visible(user=request.user)


def _duplicate_pool(request):
    # Matching by sender name over letters whose senders the user may not see would tell
    # them who sent a protected letter, so hints only come from letters they may see.
    return identity_visible(_visible(request), request.user)


@login_required
def petition_list(request):
    filterset, rows = letter_register(user=request.user, params=request.GET)
    # A roll-up's list (?tong-hop=: the overview's) counts a letter handed on inside it once.
    rows, rollup, rollup_errors = apply_rollup(request.GET, rows, request.user)
    # A report's figure (?so-lieu=…): exactly the letters it counts, in the roll-up over
    # that unit or else the unit the list is narrowed to (?don-vi=: the report's unit).
    if rollup is None and filterset.is_bound and filterset.is_valid():
        rollup = filterset.form.cleaned_data.get(param("organisation"))
    rows, figure, figure_errors = apply_figure(LetterFigureForm, request.GET, rows, rollup)
    for error in [*rollup_errors, *figure_errors]:
        messages.error(request, error)
    # The identity box belongs to the export but is in the same form as the filters.
    known = {*filterset.filters, param("page"), param("after"), param("before"),
             param("identity"), param("rollup"), *figure_field_names()}
    if unknown := unknown_parameters_message(request.GET, known):
        messages.warning(request, unknown)
    log_search_hits(user=request.user, filterset=filterset)
    data = filterset.form.cleaned_data if filterset.is_bound and filterset.is_valid() else {}
    # A province's register opens on its communes (one line each, with a link), not on
    # pages of rows: unless a unit or a text was asked for, or the user sees one commune.
    # A province's counts (up to a million letters) are reused while nothing changed.
    units = sees_several_communes(request.user)
    counts = register_counts(rows, reuse=units is not None)
    status_totals, kind_totals = counts.totals()
    groups = None
    if units and not (data.get(param("organisation")) or data.get(param("q"))):
        groups = register_groups(counts=counts, organisations=units)
    page = None
    if not groups:
        page, bad_key = register_page(rows, request.GET, counts=counts)
        if bad_key:
            messages.warning(request, _("Địa chỉ trang không đọc được: đang xem trang đầu."))
    query = request.GET.copy()
    for name in ("page", "after", "before"):
        query.pop(param(name), None)
    return render(request, "casework/petition_list.html", {
        "filter": filterset, "page": page, "query": query.urlencode(),
        "total": counts.total, "groups": groups,
        "unit_param": param("organisation"),
        "may_export_identity": bool(clearance_paths(request.user)),
        "status_totals": status_totals, "kind_totals": kind_totals, "figure": figure,
    })


@login_required
@require_http_methods(["GET", "POST"])
def petition_create(request):
    organisations = receiving_organisations(request.user)
    if not organisations.exists():
        raise PermissionDenied(_("Bạn không có quyền tiếp nhận đơn."))
    if repeat := repeated_post(request, fallback="casework:petition-list"):
        return repeat
    form = IntakeForm(request.POST or None, request.FILES or None,
                      organisations=organisations, members=member_choices(request.user),
                      subject_organisations=subject_scope(request.user),
                      first_complaints=first_complaint_choices(request.user))
    senders = SenderFormSet(request.POST or None, prefix="senders")
    duplicates = []
    if request.method == "POST" and form.is_valid() and senders.is_valid():
        data = form.cleaned_data
        sender_data = [SenderData(**f) for f in senders.cleaned_data if f.get("full_name")]
        duplicates = find_duplicates(visible=_duplicate_pool(request), senders=sender_data,
                                     summary=data["summary"], received_on=data["received_on"])
        if duplicates and not data["confirm_duplicate"]:
            # The letter found may be this very form's, just logged by a parallel post of
            # it (its token commits with it): then answer as the repeat it is.
            if repeat := repeated_post(request, fallback="casework:petition-list"):
                return repeat
            form.add_error("confirm_duplicate", _(
                "Người gửi này đã có đơn tương tự (xem danh sách ở trên). "
                "Đánh dấu ô này nếu vẫn tiếp nhận như một đơn mới."))
        else:
            try:
                with acting_once(request, form, fallback="casework:petition-list") as claim:
                    petition = petition_receive(
                        actor=request.user, organisation=data["organisation"],
                        received_on=data["received_on"], channel=data["channel"],
                        kind=data["kind"], sender_type=data["sender_type"], senders=sender_data,
                        summary=data["summary"], subject_name=data["subject_name"],
                        subject_member=data["subject_member"],
                        subject_organisation=data["subject_organisation"],
                        forwarded_by=data["forwarded_by"], attachments=data["attachments"],
                        instance=data["instance"], first_petition=data["first_petition"])
                    claim.result_url = petition.get_absolute_url()
            except AlreadySubmitted as exc:
                return exc.response
            except ValidationError as exc:
                by_field = exc.message_dict  # a fresh dict on each access
                sender_errors = by_field.pop("senders", [])
                if by_field:
                    apply_service_errors(form, ValidationError(by_field))
                if sender_errors:
                    # Shown beside the senders table; a form-wide error also makes
                    # form.errors non-empty, so the summary box at the top appears.
                    form.sender_errors = sender_errors
                    form.add_error(None, _("Kiểm tra lại phần người gửi đơn."))
            except ActionRefused as exc:
                form.add_error(None, exc.message)
            except StorageFailed as exc:  # a full disk: nothing saved, what was typed kept
                form.add_error("attachments", exc.message)
            else:
                messages.success(request, _("Đã tiếp nhận đơn, số biên nhận %(number)s.")
                                 % {"number": petition.receipt_number})
                return redirect(claim.result_url)
    return render(request, "casework/petition_form.html", {
        "form": form, "senders": senders, "duplicates": duplicates,
        "sender_error_links": formset_error_links(
            senders, _("Người gửi"), getattr(form, "sender_errors", ())),
        "max_attachment_bytes": settings.ATTACHMENT_MAX_BYTES,
        "max_attachment_files": settings.ATTACHMENT_MAX_FILES,
        "max_attachment_total": settings.ATTACHMENT_MAX_TOTAL_BYTES})


def _available_actions(petition, user):
    names = {t.name for t in petition.get_available_user_status_transitions(user)}
    return [(name, ACTION_LABELS[name]) for name in TRANSITION_FORMS if name in names]


@login_required
def petition_detail(request, pk):
    petition = get_object_or_404(letter_for_page(user=request.user), pk=pk)
    events = petition.events.select_related("actor")
    senders, masked = senders_for(user=request.user, petition=petition,
                                  purpose=IdentityAccessPurpose.CASE_PAGE)
    duplicates = [] if masked else find_duplicates(
        visible=_duplicate_pool(request), senders=senders, summary=petition.summary,
        received_on=petition.received_on, exclude_id=petition.pk)
    return render(request, "casework/petition_detail.html", {
        "petition": petition, "events": events, "duplicates": duplicates,
        "senders": senders, "identity_masked": masked,
        "attachments": [] if masked else petition.attachments.all(),
        "hidden_attachments": petition.attachments.count() if masked else 0,
        "actions": _available_actions(petition, request.user),
        "panels": case_panels(request, petition),
        "handoff": handoff_links(user=request.user, petition=petition),
    })


@login_required
@require_http_methods(["GET", "POST"])
def petition_transition(request, pk, action):
    if action not in TRANSITION_FORMS:
        raise Http404
    petition = get_object_or_404(_visible(request).select_related("organisation"), pk=pk)
    if not user_may(request.user, action, petition.organisation):
        raise PermissionDenied(_("Vai trò của bạn không được phép “%(action)s” đối với đơn này.")
                               % {"action": ACTION_LABELS[action]})
    if request.method == "GET" and action not in dict(_available_actions(petition, request.user)):
        # A stale link or a typed URL: say why instead of showing a form that will fail.
        messages.error(request, _("Bạn không thể “%(action)s” đối với đơn này lúc này.")
                       % {"action": ACTION_LABELS[action]})
        return redirect("casework:petition-detail", pk=petition.pk)
    detail = reverse("casework:petition-detail", args=[petition.pk])
    if repeat := repeated_post(request, fallback=detail):
        return repeat
    form_class = TRANSITION_FORMS[action]
    # "Tìm" on a transfer or guide form (casework.handoff_forms) lists the places found,
    # without acting: the page without JavaScript's typeahead.
    finding = request.method == "POST" and "find" in request.POST
    extra = ({"petition": petition, "finding": finding}
             if getattr(form_class, "takes_petition", False) else {})
    form = form_class(request.POST or None, initial={"expected_status": petition.status,
                                                     "kind": petition.kind}, **extra)
    if request.method == "POST" and not finding and form.is_valid():
        try:
            with acting_once(request, form, fallback=detail) as claim:
                SERVICES[action](actor=request.user, petition_id=petition.pk, **form.cleaned_data)
                claim.result_url = detail
        except AlreadySubmitted as exc:
            return exc.response
        except ValidationError as exc:
            apply_service_errors(form, destination_errors(exc))
        except ActionRefused as exc:
            messages.error(request, exc.message)
            return redirect("casework:petition-detail", pk=petition.pk)
        else:
            messages.success(request, _("Đã ghi: %(action)s.") % {"action": ACTION_LABELS[action]})
            return redirect("casework:petition-detail", pk=petition.pk)
    return render(request, "casework/petition_transition.html", {
        "petition": petition, "form": form, "action": action,
        "action_label": ACTION_LABELS[action],
    })


@login_required
def petition_receipt(request, pk):
    """Giấy biên nhận đơn: the slip handed or posted to the sender."""
    petition = get_object_or_404(_visible(request).select_related("organisation__parent"), pk=pk)
    senders, masked = senders_for(user=request.user, petition=petition,
                                  purpose=IdentityAccessPurpose.RECEIPT)
    return render(request, "casework/petition_receipt.html", {
        "petition": petition, "senders": senders, "identity_masked": masked,
        "attachments": [] if masked else petition.attachments.all(),
        "hidden_attachments": petition.attachments.count() if masked else 0,
        "committee": petition.organisation.parent or petition.organisation,
        "lookup_url": lookup_page_url(),
    })


@login_required
def attachment_download(request, pk):
    attachment = get_object_or_404(
        Attachment.objects.filter(petition__in=_visible(request)).select_related(
            "petition__organisation"), pk=pk)
    # A protected letter's scan is its sender's handwriting and signature.
    if not may_see_identity(request.user, attachment.petition):
        raise PermissionDenied(_("Tệp này thuộc đơn tố cáo có danh tính người gửi được bảo mật; "
                                 "bạn chưa được phân quyền xem."))
    log_identity_access(user=request.user, petitions=[attachment.petition],
                        purpose=IdentityAccessPurpose.ATTACHMENT)
    response = FileResponse(attachment.file.open("rb"), as_attachment=True,
                            filename=attachment.original_name,
                            content_type=attachment.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response

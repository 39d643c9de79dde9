"""Clearance to see denouncers' identities: two administrators to grant, one to revoke.

Luật Tố cáo lets only the people assigned to receive or resolve a denunciation know who
sent it, and the administrator is not one of them (casework.permissions.clearance_paths).
If one administrator could tick the clearance box, he could clear himself (or an
accomplice) and read a denouncer's name at once. So a grant is two steps by two
different superusers: one asks, with a reason; another approves. Neither the approver
nor anyone else may approve a grant for themselves, nor approve their own request.

Revoking takes one administrator and applies at once: it can only narrow who sees an
identity, and waiting for a second person when someone leaves or is suspected would
leave the identity exposed meanwhile. It is still written to the history like a grant.

Every step is a ClearanceEvent row in one hash chain (casework.services.audit), and the
flag on the role assignment is written only here, so `verify_audit` can report any flag
that no approved grant explains.
"""
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.errors import ActionRefused
from casework.models import (
    ClearanceEvent,
    ClearanceEventType,
    ClearanceRequest,
    ClearanceStatus,
    RoleAssignment,
)
from casework.permissions import IDENTITY_CLEARABLE_ROLES


def _check_administrator(user, action):
    if not (user.is_authenticated and user.is_active and user.is_superuser):
        raise ActionRefused(_("Chỉ quản trị hệ thống mới được %(action)s quyền xem danh tính "
                              "người tố cáo.") % {"action": action})


def _record(event_type, *, request, actor, assignment, reason):
    ClearanceEvent.objects.create(
        event_type=event_type, request=request, actor=actor, assignment_id=assignment.pk,
        user_id=assignment.user_id, organisation_id=assignment.organisation_id,
        role=assignment.role, grant=request.grant, reason=reason)


def _last_decision(assignment):
    return (ClearanceEvent.objects.filter(
        assignment_id=assignment.pk,
        event_type__in=[ClearanceEventType.APPROVED, ClearanceEventType.REVOKED])
        .order_by("-id").values_list("event_type", flat=True).first())


def _set_flag(assignment, value):
    # An UPDATE of the one column: the assignment's other fields are not saved back from
    # a possibly stale object.
    RoleAssignment.objects.filter(pk=assignment.pk).update(identity_clearance=value)
    assignment.identity_clearance = value


def clearance_check_request(*, requester, assignment: RoleAssignment, grant: bool,
                            reason: str) -> None:
    """Everything that would stop `clearance_request`, without writing anything (the admin
    form shows it next to the fields)."""
    _check_administrator(requester, _("đề nghị cấp, thu hồi"))
    if not reason.strip():
        raise ValidationError({"reason": _("Lý do: chưa nhập lý do cấp, thu hồi quyền.")})
    if grant:
        if assignment.role not in IDENTITY_CLEARABLE_ROLES:
            raise ValidationError({"assignment": _(
                "Phân quyền: vai trò “%(role)s” không được cấp quyền xem danh tính người "
                "tố cáo.") % {"role": assignment.get_role_display()}})
        if assignment.identity_clearance and _last_decision(assignment) == (
                ClearanceEventType.APPROVED):
            # A flag set before this rule existed (or behind its back) is not explained by
            # the history; a request confirms it the proper way instead of refusing.
            raise ActionRefused(_("Phân quyền này đã được xem danh tính người tố cáo."))
        if assignment.clearance_requests.filter(status=ClearanceStatus.PENDING,
                                                grant=True).exists():
            raise ActionRefused(_("Phân quyền này đã có một đề nghị cấp quyền đang chờ "
                                  "phê duyệt."))
    elif not assignment.identity_clearance:
        raise ActionRefused(_("Phân quyền này không có quyền xem danh tính để thu hồi."))


@transaction.atomic
def clearance_request(*, requester, assignment: RoleAssignment, grant: bool,
                      reason: str) -> ClearanceRequest:
    """Ask for `assignment` to be cleared (grant=True), which waits for another
    administrator's approval, or revoke its clearance (grant=False), which applies now."""
    assignment = RoleAssignment.objects.select_for_update().get(pk=assignment.pk)
    clearance_check_request(requester=requester, assignment=assignment, grant=grant,
                            reason=reason)
    reason = reason.strip()
    now = timezone.now()
    request = ClearanceRequest.objects.create(
        assignment=assignment, grant=grant, reason=reason, requested_by=requester,
        requested_at=now)
    if grant:
        _record(ClearanceEventType.REQUESTED, request=request, actor=requester,
                assignment=assignment, reason=reason)
        return request
    request.status, request.decided_by, request.decided_at = (
        ClearanceStatus.APPROVED, requester, now)
    request.save(update_fields=["status", "decided_by", "decided_at"])
    _set_flag(assignment, False)
    _record(ClearanceEventType.REVOKED, request=request, actor=requester,
            assignment=assignment, reason=reason)
    return request


def _pending(request):
    request = ClearanceRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != ClearanceStatus.PENDING:
        raise ActionRefused(_("Đề nghị này đã được quyết định (%(status)s).")
                            % {"status": request.get_status_display()})
    return request


@transaction.atomic
def clearance_approve(*, approver, request: ClearanceRequest, note: str = "") -> ClearanceRequest:
    """The second administrator's approval: the assignment is cleared from now on."""
    _check_administrator(approver, _("phê duyệt"))
    request = _pending(request)
    if request.assignment_id is None:
        raise ActionRefused(_("Phân quyền của đề nghị này đã bị xóa."))
    assignment = RoleAssignment.objects.select_for_update().get(pk=request.assignment_id)
    if approver.pk == request.requested_by_id:
        raise ActionRefused(_("Người đề nghị không được tự phê duyệt đề nghị của mình: cần "
                              "một quản trị viên khác."))
    if approver.pk == assignment.user_id:
        raise ActionRefused(_("Không ai được phê duyệt quyền xem danh tính cho chính mình."))
    asked = request.events.filter(event_type=ClearanceEventType.REQUESTED).values_list(
        "user_id", "organisation_id", "role").first()
    if asked != (assignment.user_id, assignment.organisation_id, assignment.role):
        # The assignment was edited after the request: approving now would clear someone
        # other than the person the request named.
        raise ActionRefused(_("Phân quyền đã bị sửa (người dùng, tổ chức hoặc vai trò) sau "
                              "khi đề nghị: hãy từ chối và lập đề nghị mới."))
    if assignment.role not in IDENTITY_CLEARABLE_ROLES:
        raise ActionRefused(_("Vai trò “%(role)s” không được cấp quyền xem danh tính người "
                              "tố cáo.") % {"role": assignment.get_role_display()})
    request.status, request.decided_by, request.decided_at = (
        ClearanceStatus.APPROVED, approver, timezone.now())
    request.decision_note = note.strip()
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    _set_flag(assignment, True)
    _record(ClearanceEventType.APPROVED, request=request, actor=approver,
            assignment=assignment, reason=request.decision_note)
    return request


@transaction.atomic
def clearance_refuse(*, approver, request: ClearanceRequest, note: str = "") -> ClearanceRequest:
    """Turn a pending request down (its requester may withdraw it the same way): nothing
    is granted, and the refusal is kept in the history."""
    _check_administrator(approver, _("từ chối"))
    request = _pending(request)
    request.status, request.decided_by, request.decided_at = (
        ClearanceStatus.REFUSED, approver, timezone.now())
    request.decision_note = note.strip()
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    if request.assignment_id is not None:
        _record(ClearanceEventType.REFUSED, request=request, actor=approver,
                assignment=RoleAssignment.objects.get(pk=request.assignment_id),
                reason=request.decision_note)
    return request

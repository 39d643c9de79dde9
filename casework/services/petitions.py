"""Services that change petitions. Views, admin, commands and the demo loader all call
these, so every entry point checks the same permissions and writes the same events.

Each service runs in one transaction: it validates everything first, then locks the
letter's row, then writes. Anything refused raises before any write, and the transaction
rolls back as a whole (the receipt number included), so nothing is half-written.
"""
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed, has_transition_perm

from casework.dates import date_bounds_message
from casework.errors import ActionRefused
from casework.models import (
    CaseEvent, Channel, ComplaintInstance, Competence, EventType, FiledReason, Organisation,
    Petition, PetitionKind, PetitionSender, PetitionStatus, ReceiptCounter, SenderType,
)
from casework.permissions import ACTION_LABELS, roles_at, user_may
from casework.services.attachments import check_upload, discard_staged, store_attachment
from casework.signals import case_event_recorded, case_event_written
from casework.text import clean_line, cleans_text


@dataclass
class SenderData:
    """A sender as typed; each field is a single line, cleaned as it is made."""
    full_name: str
    address: str = ""
    phone: str = ""
    id_number: str = ""

    def __post_init__(self):
        for name in ("full_name", "address", "phone", "id_number"):
            setattr(self, name, clean_line(getattr(self, name)))


@dataclass
class Errors:
    """Collects every field problem so the user sees them all at once."""
    by_field: dict = field(default_factory=dict)

    def add(self, name, message):
        self.by_field.setdefault(name, []).append(message)

    def raise_if_any(self):
        if self.by_field:
            raise ValidationError(self.by_field)


def _today():
    return timezone.localdate()


def _sentence_case(text):
    # Not str.capitalize(): it would lower-case the rest ("UBND" → "Ubnd").
    return text[:1].upper() + text[1:]


def _check_date(errors, name, value, *, label, required=True, not_before=None):
    label = str(label)
    if value is None:
        if required:
            errors.add(name, _("Chưa nhập %(label)s.") % {"label": label})
        return
    if not isinstance(value, date):
        errors.add(name, _("%(label)s không hợp lệ (nhập theo dạng dd/mm/yyyy).")
                   % {"label": _sentence_case(label)})
        return
    out_of_range = date_bounds_message(value, label=label)
    if out_of_range:
        errors.add(name, out_of_range)
    elif value > _today():
        errors.add(name, _("%(label)s (%(date)s) không được sau ngày hôm nay.")
                   % {"label": _sentence_case(label), "date": f"{value:%d/%m/%Y}"})
    elif not_before and value < not_before:
        errors.add(name, _("%(label)s (%(date)s) không được trước ngày nhận đơn "
                           "(%(received_on)s).")
                   % {"label": _sentence_case(label), "date": f"{value:%d/%m/%Y}",
                      "received_on": f"{not_before:%d/%m/%Y}"})


def _check_choice(errors, name, value, choices, *, label):
    label = str(label)
    if not value:
        errors.add(name, _("Chưa chọn %(label)s.") % {"label": label})
    elif value not in choices.values:
        errors.add(name, _("%(label)s “%(value)s” không hợp lệ.")
                   % {"label": _sentence_case(label), "value": value})


def _record(*, petition, event_type, actor, from_status, reason="", doc_number="",
            doc_date=None, details=None, at=None):
    if at is not None:
        _check_backdate(petition, at)
    # Callers hold the letter's row lock (or the letter is new): the event is sealed onto
    # the end of the letter's hash chain on insert (casework.services.audit).
    now = timezone.now()
    event = CaseEvent.objects.create(
        petition=petition, event_type=event_type, actor=actor, from_status=from_status,
        to_status=petition.status, reason=reason, doc_number=doc_number, doc_date=doc_date,
        details=details or {}, occurred_at=at or now, recorded_at=now,
    )
    case_event_written.send(sender=CaseEvent, event=event)
    transaction.on_commit(lambda: case_event_recorded.send(sender=CaseEvent, event_id=event.pk))
    return event


def _check_backdate(petition, at):
    """A transcribed history must still run forwards: not in the future, not before the
    letter's previous event, not before the day it was received."""
    if at > timezone.now():
        raise ValidationError({"at": _("Thời điểm ghi nhận không được sau thời điểm hiện tại.")})
    if timezone.localdate(at) < petition.received_on:
        raise ValidationError({"at": _("Thời điểm ghi nhận không được trước ngày nhận đơn.")})
    last = petition.events.order_by("-occurred_at").values_list("occurred_at", flat=True).first()
    if last and at < last:
        raise ValidationError({"at": _(
            "Thời điểm ghi nhận (%(at)s) không được trước sự kiện trước đó của đơn (%(last)s).")
            % {"at": f"{timezone.localtime(at):%H:%M %d/%m/%Y}",
               "last": f"{timezone.localtime(last):%H:%M %d/%m/%Y}"}})


def _next_receipt_seq(organisation, year):
    # The UPDATE takes the counter's row lock until commit: a second clerk saving at the
    # same moment waits and then gets the next number; a rollback returns the number.
    ReceiptCounter.objects.bulk_create(
        [ReceiptCounter(organisation=organisation, year=year)], ignore_conflicts=True)
    counter = ReceiptCounter.objects.filter(organisation=organisation, year=year)
    counter.update(last_value=F("last_value") + 1)
    return counter.values_list("last_value", flat=True).get()


@transaction.atomic
@cleans_text("summary")
def petition_receive(*, actor, organisation: Organisation, received_on: date | None,
                     channel: str, kind: str, sender_type: str = SenderType.NAMED,
                     senders: list[SenderData] = (), summary: str, subject_name: str = "",
                     subject_member=None, subject_organisation=None, forwarded_by: str = "",
                     attachments=(), at: datetime | None = None,
                     instance: int = ComplaintInstance.FIRST,
                     first_petition: Petition | None = None) -> Petition:
    """Log a letter in the register and give it the next receipt number of its
    organisation and year. `at` back-dates the event when a paper register is transcribed.

    A second complaint (`instance`) names the first complaint it is about when that one is
    in the register: the first letter's history then records it, which closes the window
    to file it (Luật Khiếu nại Điều 33)."""
    errors = Errors()
    if organisation is None:
        errors.add("organisation", _("Chưa chọn nơi tiếp nhận đơn."))
    elif not user_may(actor, "receive", organisation):
        raise ActionRefused(_("Bạn không có quyền tiếp nhận đơn cho tổ chức này."))
    _check_date(errors, "received_on", received_on, label=_("ngày nhận đơn"))
    _check_choice(errors, "channel", channel, Channel, label=_("nguồn đơn"))
    _check_choice(errors, "kind", kind, PetitionKind, label=_("loại đơn"))
    _check_choice(errors, "sender_type", sender_type, SenderType, label=_("loại người gửi"))
    senders = [s for s in senders if s.full_name.strip()]
    if sender_type == SenderType.NAMED and not senders:
        errors.add("senders", _("Đơn có họ tên phải có ít nhất một người gửi (nhập họ và tên)."))
    if sender_type == SenderType.ANONYMOUS and senders:
        errors.add("senders", _("Đơn giấu tên không ghi người gửi; nếu đơn có ký tên, chọn "
                                "“Có họ tên” hoặc “Mạo tên”."))
    if channel == Channel.FORWARDED and not forwarded_by.strip():
        errors.add("forwarded_by",
                   _("Đơn do cơ quan khác chuyển đến: chưa nhập tên cơ quan chuyển."))
    if organisation is not None:
        committee_path = organisation.committee.path
        if subject_member and not subject_member.organisation.path.startswith(committee_path):
            errors.add("subject_member",
                       _("Đảng viên được chọn không thuộc Đảng bộ của nơi tiếp nhận."))
        if subject_organisation and not subject_organisation.path.startswith(committee_path):
            errors.add("subject_organisation",
                       _("Tổ chức đảng được chọn không thuộc Đảng bộ của nơi tiếp nhận."))
    if not summary.strip():
        errors.add("summary", _("Chưa nhập tóm tắt nội dung đơn."))
    _check_instance(errors, kind, instance, first_petition)
    checked = []
    for upload in attachments:
        try:
            checked.append((upload, check_upload(upload)))
        except ValidationError as exc:
            for msg in exc.message_dict["attachments"]:
                errors.add("attachments", msg)
    errors.raise_if_any()

    petition = Petition(
        organisation=organisation, receipt_year=received_on.year,
        receipt_seq=_next_receipt_seq(organisation, received_on.year),
        received_on=received_on, channel=channel, forwarded_by=forwarded_by.strip(), kind=kind,
        sender_type=sender_type, subject_name=subject_name.strip(),
        subject_member=subject_member, subject_organisation=subject_organisation,
        summary=summary.strip(), created_by=actor, instance=instance,
        first_petition=first_petition,
    )
    petition.save()
    for s in senders:
        PetitionSender.objects.create(
            petition=petition, full_name=s.full_name.strip(), address=s.address.strip(),
            phone=s.phone.strip(), id_number=s.id_number.strip())
    _record(petition=petition, event_type=EventType.RECEIVED, actor=actor, from_status="",
            details={"receipt_number": petition.receipt_number, "channel": channel,
                     "kind": kind, "attachments": len(checked)}, at=at)
    if first_petition is not None:
        _record_second_complaint(first_petition.pk, petition, actor, at)
    # Files last: each is staged beside its place and moved there on commit
    # (casework.services.attachments); staged ones are removed if a later one fails.
    stored = []
    try:
        for upload, content_type in checked:
            stored.append(store_attachment(petition=petition, upload=upload,
                                           content_type=content_type, actor=actor))
    except BaseException:
        discard_staged(stored)
        raise
    return petition


def _check_instance(errors, kind, instance, first_petition):
    if instance not in ComplaintInstance.values:
        errors.add("instance", _("Lần khiếu nại “%(value)s” không hợp lệ.") % {"value": instance})
        return
    if instance == ComplaintInstance.SECOND and kind != PetitionKind.COMPLAINT:
        errors.add("instance", _("Lần khiếu nại: chỉ đơn khiếu nại mới có khiếu nại lần hai."))
    if first_petition is None:
        return
    if instance != ComplaintInstance.SECOND:
        errors.add("first_petition", _("Đơn khiếu nại lần đầu: chỉ ghi khi đây là khiếu nại "
                                       "lần hai."))
    elif (first_petition.kind != PetitionKind.COMPLAINT
          or first_petition.instance != ComplaintInstance.FIRST):
        errors.add("first_petition", _("Đơn khiếu nại lần đầu: đơn số %(number)s không phải "
                                       "khiếu nại lần đầu.")
                   % {"number": first_petition.receipt_number})


def _record_second_complaint(first_id, second, actor, at):
    """On the first complaint, under its row lock: its second complaint came in."""
    first = Petition.objects.select_for_update(of=("self",)).get(pk=first_id)
    _record(petition=first, event_type=EventType.SECOND_COMPLAINT, actor=actor,
            from_status=first.status, doc_number=second.receipt_number,
            doc_date=second.received_on,
            details={"second_petition": second.pk, "receipt_number": second.receipt_number},
            at=at if at is None or timezone.localdate(at) >= first.received_on else None)


def _transition(*, actor, petition_id, action, expected_status=None, kwargs=None,
                event_type, reason="", doc_number="", doc_date=None, details=None, at=None):
    """Lock the letter, check state, permission and freshness, apply the FSM transition,
    save, and record the event — or refuse with a message and write nothing."""
    try:
        petition = (Petition.objects.select_related("organisation")
                    .select_for_update(of=("self",)).get(pk=petition_id))
    except Petition.DoesNotExist:
        raise ActionRefused(_("Không tìm thấy đơn.")) from None
    label = str(ACTION_LABELS[action]).lower()
    current = PetitionStatus(petition.status).label
    if not (actor.is_superuser or roles_at(actor, petition.organisation)):
        # Someone with no role over this letter must not learn even its state.
        raise ActionRefused(_("Bạn không có quyền xử lý đơn này."))
    if expected_status and petition.status != expected_status:
        raise ActionRefused(
            _("Đơn số %(number)s vừa được người khác cập nhật, nay ở trạng thái “%(status)s”. "
              "Thao tác “%(action)s” của bạn chưa được ghi; đề nghị xem lại đơn.")
            % {"number": petition.receipt_number, "status": current, "action": label})
    bound = getattr(petition, action)
    if not can_proceed(bound):
        raise ActionRefused(_("Không thể %(action)s khi đơn đang ở trạng thái “%(status)s”.")
                            % {"action": label, "status": current})
    if not has_transition_perm(bound, actor):
        raise ActionRefused(_("Vai trò của bạn không được phép %(action)s đối với đơn này.")
                            % {"action": label})
    from_status = petition.status
    bound(**(kwargs or {}))
    try:
        petition.save()
    except ConcurrentTransition:
        raise ActionRefused(
            _("Đơn số %(number)s vừa được người khác cập nhật. "
              "Thao tác “%(action)s” của bạn chưa được ghi; đề nghị xem lại đơn.")
            % {"number": petition.receipt_number, "action": label}) from None
    _record(petition=petition, event_type=event_type, actor=actor, from_status=from_status,
            reason=reason.strip(), doc_number=doc_number.strip(), doc_date=doc_date,
            details=details, at=at)
    return petition


def _received_on(petition_id):
    return Petition.objects.values_list("received_on", flat=True).filter(pk=petition_id).first()


@transaction.atomic
@cleans_text("reason")
def petition_classify(*, actor, petition_id: int, kind: str, competence: str, reason: str = "",
                      expected_status: str | None = None, at=None) -> Petition:
    """Phân loại: confirm the kind and decide whose competence the letter falls under."""
    errors = Errors()
    _check_choice(errors, "kind", kind, PetitionKind, label=_("loại đơn"))
    _check_choice(errors, "competence", competence, Competence, label=_("thẩm quyền"))
    errors.raise_if_any()
    return _transition(actor=actor, petition_id=petition_id, action="classify",
                       expected_status=expected_status,
                       kwargs={"kind": kind, "competence": competence},
                       event_type=EventType.CLASSIFIED, reason=reason,
                       details={"kind": kind, "competence": competence}, at=at)


@transaction.atomic
@cleans_text("reason")
def petition_accept(*, actor, petition_id: int, doc_number: str, doc_date: date | None,
                    reason: str = "", expected_status: str | None = None, at=None) -> Petition:
    """Thụ lý: the body takes the letter on for handling, by a written notice."""
    errors = Errors()
    if not doc_number.strip():
        errors.add("doc_number", _("Chưa nhập số thông báo thụ lý."))
    _check_date(errors, "doc_date", doc_date, label=_("ngày thông báo thụ lý"),
                not_before=_received_on(petition_id))
    errors.raise_if_any()
    return _transition(actor=actor, petition_id=petition_id, action="accept",
                       expected_status=expected_status,
                       kwargs={"doc_number": doc_number.strip(), "doc_date": doc_date},
                       event_type=EventType.ACCEPTED, reason=reason, doc_number=doc_number,
                       doc_date=doc_date, at=at)


@transaction.atomic
@cleans_text("reason")
def petition_transfer(*, actor, petition_id: int, recipient: str, doc_number: str,
                      doc_date: date | None, reason: str = "", expected_status: str | None = None,
                      at=None) -> Petition:
    """Chuyển đơn to the competent body, by a numbered transmittal."""
    errors = Errors()
    if not recipient.strip():
        errors.add("recipient", _("Chưa nhập cơ quan, người có thẩm quyền nhận đơn chuyển."))
    if not doc_number.strip():
        errors.add("doc_number", _("Chưa nhập số văn bản chuyển đơn."))
    _check_date(errors, "doc_date", doc_date, label=_("ngày văn bản chuyển đơn"),
                not_before=_received_on(petition_id))
    errors.raise_if_any()
    return _transition(actor=actor, petition_id=petition_id, action="transfer",
                       expected_status=expected_status,
                       kwargs={"recipient": recipient.strip(), "doc_number": doc_number.strip(),
                               "doc_date": doc_date},
                       event_type=EventType.TRANSFERRED, reason=reason, doc_number=doc_number,
                       doc_date=doc_date, details={"recipient": recipient.strip()}, at=at)


@transaction.atomic
@cleans_text("reason")
def petition_guide(*, actor, petition_id: int, reason: str, doc_number: str = "",
                   doc_date: date | None = None, expected_status: str | None = None,
                   at=None) -> Petition:
    """Hướng dẫn: tell the sender where to take the letter; this closes it here."""
    errors = Errors()
    if not reason.strip():
        errors.add("reason", _("Chưa nhập nội dung hướng dẫn người gửi."))
    received_on = _received_on(petition_id)
    _check_date(errors, "doc_date", doc_date, label=_("ngày văn bản hướng dẫn"), required=False,
                not_before=received_on)
    errors.raise_if_any()
    return _transition(actor=actor, petition_id=petition_id, action="guide",
                       expected_status=expected_status,
                       kwargs={"on": doc_date or _event_day(at)},
                       event_type=EventType.GUIDED, reason=reason, doc_number=doc_number,
                       doc_date=doc_date, at=at)


@transaction.atomic
@cleans_text("reason")
def petition_file(*, actor, petition_id: int, filed_reason: str, reason: str = "",
                  expected_status: str | None = None, at=None) -> Petition:
    """Lưu đơn: keep the letter on file without handling it (anonymous, duplicate, …)."""
    errors = Errors()
    _check_choice(errors, "filed_reason", filed_reason, FiledReason, label=_("lý do lưu đơn"))
    errors.raise_if_any()
    return _transition(actor=actor, petition_id=petition_id, action="file",
                       expected_status=expected_status,
                       kwargs={"reason": filed_reason, "on": _event_day(at)},
                       event_type=EventType.FILED, reason=reason,
                       details={"filed_reason": filed_reason}, at=at)


@transaction.atomic
@cleans_text("reason")
def petition_follow_up(*, actor, petition_id: int, reason: str, doc_number: str = "",
                       doc_date: date | None = None, expected_status: str | None = None,
                       at=None) -> Petition:
    """Đôn đốc: chase the competent body for its answer; the letter stays transferred."""
    errors = Errors()
    if not reason.strip():
        errors.add("reason", _("Chưa nhập nội dung đôn đốc (hình thức, người được đôn đốc)."))
    _check_date(errors, "doc_date", doc_date, label=_("ngày văn bản đôn đốc"), required=False,
                not_before=_received_on(petition_id))
    errors.raise_if_any()
    return _transition(actor=actor, petition_id=petition_id, action="follow_up",
                       expected_status=expected_status, event_type=EventType.FOLLOWED_UP,
                       reason=reason, doc_number=doc_number, doc_date=doc_date, at=at)


@transaction.atomic
@cleans_text("result")
def petition_resolve(*, actor, petition_id: int, result: str, doc_number: str,
                     doc_date: date | None, delivered_on: date | None = None,
                     expected_status: str | None = None, at=None) -> Petition:
    """Record the outcome: the decision or answer that resolved the letter. `delivered_on`,
    the day the sender received it, starts the window for a second complaint (Luật Khiếu
    nại Điều 33(1)); the decision's own date stands for it when not known."""
    errors = Errors()
    if not result.strip():
        errors.add("result", _("Chưa nhập kết quả giải quyết."))
    if not doc_number.strip():
        errors.add("doc_number", _("Chưa nhập số văn bản trả lời, quyết định giải quyết."))
    _check_date(errors, "doc_date", doc_date, label=_("ngày văn bản giải quyết"),
                not_before=_received_on(petition_id))
    _check_date(errors, "delivered_on", delivered_on, required=False,
                label=_("ngày người gửi nhận văn bản"), not_before=_received_on(petition_id))
    if delivered_on and isinstance(doc_date, date) and delivered_on < doc_date:
        errors.add("delivered_on", _("Ngày người gửi nhận văn bản không được trước ngày văn "
                                     "bản."))
    errors.raise_if_any()
    return _transition(actor=actor, petition_id=petition_id, action="resolve",
                       expected_status=expected_status,
                       kwargs={"result": result.strip(), "on": doc_date},
                       event_type=EventType.RESOLVED, reason=result, doc_number=doc_number,
                       doc_date=doc_date, at=at,
                       details={"delivered_on": delivered_on.isoformat()}
                       if delivered_on else None)


@transaction.atomic
@cleans_text("reason")
def petition_report_back(*, actor, petition_id: int, doc_number: str, doc_date: date | None,
                         reason: str = "", expected_status: str | None = None,
                         at=None) -> Petition:
    """Báo cáo kết quả: tell the body that transferred the letter here how it was resolved
    (Luật Tiếp công dân Điều 27(2)); stops that clock, the letter stays resolved."""
    errors = Errors()
    if not doc_number.strip():
        errors.add("doc_number", _("Chưa nhập số văn bản báo cáo kết quả."))
    _check_date(errors, "doc_date", doc_date, label=_("ngày văn bản báo cáo kết quả"),
                not_before=_received_on(petition_id))
    errors.raise_if_any()
    return _transition(actor=actor, petition_id=petition_id, action="report_back",
                       expected_status=expected_status, event_type=EventType.REPORTED_BACK,
                       reason=reason, doc_number=doc_number, doc_date=doc_date, at=at)


@transaction.atomic
@cleans_text("reason")
def petition_withdraw(*, actor, petition_id: int, doc_date: date | None, reason: str = "",
                      doc_number: str = "", expected_status: str | None = None,
                      at=None) -> Petition:
    """Rút đơn: the sender withdraws in writing, at any stage before the letter closes."""
    errors = Errors()
    _check_date(errors, "doc_date", doc_date, label=_("ngày đơn xin rút"),
                not_before=_received_on(petition_id))
    errors.raise_if_any()
    return _transition(actor=actor, petition_id=petition_id, action="withdraw",
                       expected_status=expected_status, kwargs={"on": doc_date},
                       event_type=EventType.WITHDRAWN, reason=reason, doc_number=doc_number,
                       doc_date=doc_date, at=at)


def _event_day(at):
    return timezone.localdate(at) if at else _today()


SERVICES = {
    "classify": petition_classify,
    "accept": petition_accept,
    "transfer": petition_transfer,
    "guide": petition_guide,
    "file": petition_file,
    "follow_up": petition_follow_up,
    "resolve": petition_resolve,
    "report_back": petition_report_back,
    "withdraw": petition_withdraw,
}

"""Services that change petitions. Views, admin, commands and the demo loader all call
these, so every entry point checks the same permissions and writes the same events.

Receiving a letter validates everything, then numbers and writes it. Every later step is a
declaration (`STEPS`) taken through the transition engine (casework.services.transitions),
the same one cases use: lock, standing, freshness, state, role, fields and moment, FSM,
event. Anything refused raises before any write, and the transaction rolls back as a whole
(the receipt number included), so nothing is half-written.
"""
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import has_transition_perm

from casework.counters import next_value
from casework.errors import ActionRefused
from casework.models import (
    Channel,
    Competence,
    ComplaintInstance,
    DocumentKind,
    EventType,
    FiledReason,
    Organisation,
    OutsideBody,
    Petition,
    PetitionKind,
    PetitionSender,
    PetitionStatus,
    ReceiptCounter,
    SenderType,
)
from casework.permissions import ACTION_LABELS, roles_at, user_may
from casework.services.attachments import check_upload, discard_staged, store_attachment
from casework.services.fields import Errors, check_choice, check_date
from casework.services.handoff import (
    after_step,
    check_destination,
    destination_details,
    destination_values,
)
from casework.services.transitions import (
    DateRule,
    RecordKind,
    Step,
    event_day,
    lock,
    pick,
    record_event,
    take,
)
from casework.text import clean_line, cleans_text, name_case


@dataclass
class SenderData:
    """A sender as typed; each field is a single line, cleaned as it is made, the name in
    title case (`casework.text.name_case`)."""
    full_name: str
    address: str = ""
    phone: str = ""
    id_number: str = ""

    def __post_init__(self):
        for name in ("address", "phone", "id_number"):
            setattr(self, name, clean_line(getattr(self, name)))
        # "ngô văn thịnh" is stored as "Ngô Văn Thịnh" (NFC), whichever way it came in.
        self.full_name = name_case(self.full_name)


LETTER = RecordKind(
    model=Petition, event_field="petition", related=("organisation",), status=PetitionStatus,
    labels=ACTION_LABELS, start_day=lambda petition: petition.received_on,
    number=lambda petition: petition.receipt_number,
    has_standing=lambda user, petition: bool(roles_at(user, petition.organisation)),
    # The FSM's own permissions (casework.permissions.may), so the buttons agree.
    may_act=lambda user, action, petition: has_transition_perm(getattr(petition, action), user),
    noun=gettext_lazy("đơn"), this=gettext_lazy("đơn này"),
    named=gettext_lazy("đơn số %(number)s"), not_found=gettext_lazy("Không tìm thấy đơn."),
    start_label=gettext_lazy("ngày nhận đơn"))


def next_receipt_seq(organisation, year):
    return next_value(ReceiptCounter, organisation=organisation, year=year)


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
    check_date(errors, "received_on", received_on, label=_("ngày nhận đơn"))
    check_choice(errors, "channel", channel, Channel, label=_("nguồn đơn"))
    check_choice(errors, "kind", kind, PetitionKind, label=_("loại đơn"))
    check_choice(errors, "sender_type", sender_type, SenderType, label=_("loại người gửi"))
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
        receipt_seq=next_receipt_seq(organisation, received_on.year),
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
    record_event(LETTER, petition, event_type=EventType.RECEIVED, actor=actor, from_status="",
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
    first = lock(LETTER, first_id)
    record_event(LETTER, first, event_type=EventType.SECOND_COMPLAINT, actor=actor,
                 from_status=first.status, doc_number=second.receipt_number,
                 doc_date=second.received_on,
                 details={"second_petition": second.pk, "receipt_number": second.receipt_number},
                 at=at if at is None or timezone.localdate(at) >= first.received_on else None)


def _delivered_after_decision(errors, petition, values):
    delivered_on, doc_date = values["delivered_on"], values["doc_date"]
    if delivered_on and isinstance(doc_date, date) and delivered_on < doc_date:
        errors.add("delivered_on", _("Ngày người gửi nhận văn bản không được trước ngày văn "
                                     "bản."))


# Read once, at import: the messages translate when shown (gettext_lazy).
STEPS = {step.action: step for step in (
    Step("classify", EventType.CLASSIFIED,
         choices={"kind": (PetitionKind, gettext_lazy("loại đơn")),
                  "competence": (Competence, gettext_lazy("thẩm quyền"))},
         fsm=pick("kind", "competence"), details=pick("kind", "competence")),
    # `after_step` (casework.services.handoff): a letter handed off inside the system
    # goes into the recipient's register; the recipient's steps come back to the sender.
    Step("accept", EventType.ACCEPTED,
         required={"doc_number": gettext_lazy("Chưa nhập số thông báo thụ lý.")},
         dates=[DateRule("doc_date", gettext_lazy("ngày thông báo thụ lý"))],
         fsm=pick("doc_number", "doc_date"), after=after_step,
         document=DocumentKind.ACCEPTANCE),
    Step("transfer", EventType.TRANSFERRED,
         required={"doc_number": gettext_lazy("Chưa nhập số văn bản chuyển đơn.")},
         dates=[DateRule("doc_date", gettext_lazy("ngày văn bản chuyển đơn"))],
         check=check_destination(required=True),
         fsm=lambda letter, v: {"recipient": v["recipient_name"],
                                "handed_to": v["recipient_organisation"],
                                "doc_number": v["doc_number"], "doc_date": v["doc_date"]},
         details=destination_details, after=after_step, document=DocumentKind.TRANSFER),
    Step("guide", EventType.GUIDED,
         required={"reason": gettext_lazy("Chưa nhập nội dung hướng dẫn người gửi.")},
         dates=[DateRule("doc_date", gettext_lazy("ngày văn bản hướng dẫn"), required=False)],
         check=check_destination(required=False),
         fsm=lambda letter, v: {"on": v["doc_date"] or event_day(v["at"]),
                                "recipient": v["recipient_name"],
                                "handed_to": v["recipient_organisation"]},
         details=destination_details, after=after_step),
    # Lưu đơn: kept on file without handling (anonymous, duplicate, …).
    Step("file", EventType.FILED,
         choices={"filed_reason": (FiledReason, gettext_lazy("lý do lưu đơn"))},
         fsm=lambda letter, v: {"reason": v["filed_reason"], "on": event_day(v["at"])},
         details=pick("filed_reason"), after=after_step, document=DocumentKind.REFUSAL),
    Step("follow_up", EventType.FOLLOWED_UP,
         required={"reason": gettext_lazy(
             "Chưa nhập nội dung đôn đốc (hình thức, người được đôn đốc).")},
         dates=[DateRule("doc_date", gettext_lazy("ngày văn bản đôn đốc"), required=False)],
         document=DocumentKind.FOLLOW_UP),
    Step("resolve", EventType.RESOLVED,
         required={"result": gettext_lazy("Chưa nhập kết quả giải quyết."),
                   "doc_number": gettext_lazy(
                       "Chưa nhập số văn bản trả lời, quyết định giải quyết.")},
         dates=[DateRule("doc_date", gettext_lazy("ngày văn bản giải quyết")),
                DateRule("delivered_on", gettext_lazy("ngày người gửi nhận văn bản"),
                         required=False)],
         check=_delivered_after_decision, reason=("result",),
         fsm=lambda letter, v: {"result": v["result"], "on": v["doc_date"]},
         details=lambda letter, v: {"delivered_on": v["delivered_on"].isoformat()}
         if v["delivered_on"] else None, after=after_step),
    Step("report_back", EventType.REPORTED_BACK,
         required={"doc_number": gettext_lazy("Chưa nhập số văn bản báo cáo kết quả.")},
         dates=[DateRule("doc_date", gettext_lazy("ngày văn bản báo cáo kết quả"))]),
    Step("withdraw", EventType.WITHDRAWN,
         dates=[DateRule("doc_date", gettext_lazy("ngày đơn xin rút"))],
         fsm=lambda letter, v: {"on": v["doc_date"]}, after=after_step),
)}


def _take(action, *, actor, petition_id, expected_status, **values):
    return take(LETTER, STEPS[action], actor=actor, pk=petition_id,
                expected_status=expected_status, values=values)


@transaction.atomic
@cleans_text("reason")
def petition_classify(*, actor, petition_id: int, kind: str, competence: str, reason: str = "",
                      expected_status: str | None = None, at=None) -> Petition:
    """Phân loại: confirm the kind and decide whose competence the letter falls under."""
    return _take("classify", actor=actor, petition_id=petition_id,
                 expected_status=expected_status, kind=kind, competence=competence,
                 reason=reason, at=at)


@transaction.atomic
@cleans_text("reason")
def petition_accept(*, actor, petition_id: int, doc_number: str, doc_date: date | None,
                    reason: str = "", expected_status: str | None = None, at=None,
                    issue_document: bool = False) -> Petition:
    """Thụ lý: the body takes the letter on for handling, by a written notice."""
    return _take("accept", actor=actor, petition_id=petition_id,
                 expected_status=expected_status, doc_number=doc_number, doc_date=doc_date,
                 reason=reason, at=at, issue_document=issue_document)


@transaction.atomic
@cleans_text("reason")
def petition_transfer(*, actor, petition_id: int, doc_number: str, doc_date: date | None,
                      recipient: str = "", recipient_organisation: Organisation | None = None,
                      outside_body: OutsideBody | None = None, reason: str = "",
                      expected_status: str | None = None, at=None,
                      issue_document: bool = False) -> Petition:
    """Chuyển đơn to the competent body, by a numbered transmittal. The body is a unit in
    the system (`recipient_organisation`: the letter goes into its register,
    casework.services.handoff), one of the directory of outside bodies (`outside_body`),
    or, as a last resort, a name typed by hand (`recipient`): exactly one of them.
    `issue_document`: the phiếu chuyển đơn is made from its template, numbered from the
    register (casework.services.documents)."""
    return _take("transfer", actor=actor, petition_id=petition_id,
                 expected_status=expected_status, doc_number=doc_number, doc_date=doc_date,
                 reason=reason, at=at, issue_document=issue_document,
                 **destination_values(recipient_organisation=recipient_organisation,
                                      outside_body=outside_body, recipient=recipient))


@transaction.atomic
@cleans_text("reason")
def petition_guide(*, actor, petition_id: int, reason: str, doc_number: str = "",
                   doc_date: date | None = None, recipient: str = "",
                   recipient_organisation: Organisation | None = None,
                   outside_body: OutsideBody | None = None,
                   expected_status: str | None = None, at=None) -> Petition:
    """Hướng dẫn: tell the sender where to take the letter; this closes it here. Where is
    optional, given as for a transfer; a unit in the system gets the letter in its
    register, as a transfer would put it there."""
    return _take("guide", actor=actor, petition_id=petition_id,
                 expected_status=expected_status, reason=reason, doc_number=doc_number,
                 doc_date=doc_date, at=at,
                 **destination_values(recipient_organisation=recipient_organisation,
                                      outside_body=outside_body, recipient=recipient))


@transaction.atomic
@cleans_text("reason")
def petition_file(*, actor, petition_id: int, filed_reason: str, reason: str = "",
                  expected_status: str | None = None, at=None,
                  issue_document: bool = False) -> Petition:
    """Lưu đơn: keep the letter on file without handling it (anonymous, duplicate, …)."""
    return _take("file", actor=actor, petition_id=petition_id,
                 expected_status=expected_status, filed_reason=filed_reason, reason=reason,
                 at=at, issue_document=issue_document)


@transaction.atomic
@cleans_text("reason")
def petition_follow_up(*, actor, petition_id: int, reason: str, doc_number: str = "",
                       doc_date: date | None = None, expected_status: str | None = None,
                       at=None, issue_document: bool = False) -> Petition:
    """Đôn đốc: chase the competent body for its answer; the letter stays transferred."""
    return _take("follow_up", actor=actor, petition_id=petition_id,
                 expected_status=expected_status, reason=reason, doc_number=doc_number,
                 doc_date=doc_date, at=at, issue_document=issue_document)


@transaction.atomic
@cleans_text("result")
def petition_resolve(*, actor, petition_id: int, result: str, doc_number: str,
                     doc_date: date | None, delivered_on: date | None = None,
                     expected_status: str | None = None, at=None) -> Petition:
    """Record the outcome: the decision or answer that resolved the letter. `delivered_on`,
    the day the sender received it, starts the window for a second complaint (Luật Khiếu
    nại Điều 33(1)); the decision's own date stands for it when not known."""
    return _take("resolve", actor=actor, petition_id=petition_id,
                 expected_status=expected_status, result=result, doc_number=doc_number,
                 doc_date=doc_date, delivered_on=delivered_on, at=at)


@transaction.atomic
@cleans_text("reason")
def petition_report_back(*, actor, petition_id: int, doc_number: str, doc_date: date | None,
                         reason: str = "", expected_status: str | None = None,
                         at=None) -> Petition:
    """Báo cáo kết quả: tell the body that transferred the letter here how it was resolved
    (Luật Tiếp công dân Điều 27(2)); stops that clock, the letter stays resolved."""
    return _take("report_back", actor=actor, petition_id=petition_id,
                 expected_status=expected_status, doc_number=doc_number, doc_date=doc_date,
                 reason=reason, at=at)


@transaction.atomic
@cleans_text("reason")
def petition_withdraw(*, actor, petition_id: int, doc_date: date | None, reason: str = "",
                      doc_number: str = "", expected_status: str | None = None,
                      at=None) -> Petition:
    """Rút đơn: the sender withdraws in writing, at any stage before the letter closes."""
    return _take("withdraw", actor=actor, petition_id=petition_id,
                 expected_status=expected_status, doc_date=doc_date, reason=reason,
                 doc_number=doc_number, at=at)


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

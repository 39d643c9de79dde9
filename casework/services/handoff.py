"""Hand-off inside the system (issue 14): a letter transferred or guided to a unit that is
in the system goes into that unit's register, and what that unit does with it comes back.

Where the letter goes (`destination`): a unit of the same province's tree (another
commune's too), a body from the directory of outside bodies (`OutsideBody`), or, as a last
resort, a name typed by hand. Checked with the step's other fields, each problem named
under its field.

Going (`after_step` of transfer and guide, in the sender's transaction, through the one
engine): the recipient's letter is written with the next receipt number of its register
(the counter of casework.services.petitions), channel FORWARDED, the sender's kind, senders,
subject and summary, `identity_confidential` carried over explicitly (a denunciation's
protection travels with it), its RECEIVED event naming the source letter, and the scans.
What "the scans the recipient is cleared for" means here: every scan goes with the letter
(the recipient needs them to handle it), as a second row over the same stored file, and
downloading a protected letter's scan at the recipient needs identity clearance THERE, as
for any letter (casework.views.petitions.attachment_download); the recipient's pages mask
senders and scans for everyone else.

Coming back (`after_step` of the recipient's accept, resolve, file, withdraw, guide and
transfer): under the sender letter's row lock, a RECIPIENT_ACTED event names the
recipient's letter, step, document and result; its rules stop the sender's follow-up clock
(workflows.default_rules, "don-don-doc"). When the recipient's letter is closed (resolved,
filed, withdrawn) and the sender's is still TRANSFERRED, the sender's is closed the same
way with the recipient's result, by the system through the engine (`Relay`: the actor is
the recipient's user, whose standing is over the letter they acted on). That close is a
step of the sender's letter like any other, so a chain of hand-offs closes link by link.
The recipient's own report to the body that transferred the letter (REPORTED_BACK, Luật
Tiếp công dân Điều 27(2)) is written by the same relay for a sender inside the system: the
sender learns the result in the system, so that clock does not run for nothing.
"""
from dataclasses import replace

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework.models import (
    Attachment,
    Channel,
    EventType,
    Organisation,
    OutsideBody,
    Petition,
    PetitionSender,
    PetitionStatus,
)
from casework.services.transitions import Relay, Step, lock, record_event, take

# Bounds of the typeahead: what one keystroke may cost.
QUERY_MAX = 100
RESULTS_MAX = 20

# The sentence each step of the recipient's writes on the sender's letter.
ACTED = {
    EventType.ACCEPTED: gettext_lazy("%(unit)s đã thụ lý giải quyết đơn số %(number)s."),
    EventType.RESOLVED: gettext_lazy("%(unit)s đã giải quyết xong đơn số %(number)s: "
                                     "%(result)s"),
    EventType.FILED: gettext_lazy("%(unit)s đã lưu đơn số %(number)s (%(filed)s)."),
    EventType.WITHDRAWN: gettext_lazy("Người gửi đã rút đơn số %(number)s tại %(unit)s."),
    EventType.GUIDED: gettext_lazy("%(unit)s đã hướng dẫn người gửi (đơn số %(number)s)."),
    EventType.TRANSFERRED: gettext_lazy("%(unit)s đã chuyển đơn số %(number)s đến "
                                        "%(recipient)s."),
}
CLOSING = (EventType.RESOLVED, EventType.FILED, EventType.WITHDRAWN)


# ---- where a letter may go ------------------------------------------------------------

def province_path(organisation):
    """The path of the tree's root above `organisation` ("/1/"): a hand-off stays in it."""
    return "/" + organisation.path.strip("/").split("/")[0] + "/"


def destination_units(petition):
    """Units a letter may be handed to inside the system: the province tree it is in (other
    communes' units too), except the unit holding it."""
    return (Organisation.objects.filter(path__startswith=province_path(petition.organisation))
            .exclude(pk=petition.organisation_id))


def outside_bodies_for(petition):
    """Outside bodies offered to the letter's unit: those offered everywhere, and those of
    a unit at or above it (a commune's UBND to that commune's units)."""
    above = petition.organisation.ancestor_ids()
    return OutsideBody.objects.filter(Q(organisation__isnull=True)
                                      | Q(organisation_id__in=above), active=True)


def search_destinations(petition, query):
    """(units, bodies) matching every word of `query` (accent-free; a unit also by its
    parent's name, so "thon 3 ke sat" finds Kè Sắt's branch), at most RESULTS_MAX in all."""
    from casework.search_keys import search_key
    from casework.text import clean_line

    # Cleaned here, where every search (the typeahead, the form's "Tìm") enters the query:
    # a NUL or other control character typed or posted would otherwise reach the database
    # (PostgreSQL refuses NUL in text).
    words = search_key(clean_line(query[:QUERY_MAX])).split()[:6]
    if not words:
        return [], []
    units, bodies = destination_units(petition), outside_bodies_for(petition)
    for word in words:
        units = units.filter(Q(name_key__contains=word) | Q(parent__name_key__contains=word))
        bodies = bodies.filter(name_key__contains=word)
    found_bodies = list(bodies.order_by("name")[:RESULTS_MAX])
    found_units = list(units.select_related("parent")
                       .order_by("path")[:RESULTS_MAX - len(found_bodies) // 2])
    return found_units[:RESULTS_MAX - len(found_bodies)], found_bodies


def destination_values(*, recipient_organisation=None, outside_body=None, recipient=""):
    """The step's values for a destination: the three ways it was given, and the name the
    letter keeps as `handled_by` (the unit's or body's own, never retyped)."""
    name = (recipient_organisation.name if recipient_organisation is not None
            else outside_body.name if outside_body is not None else (recipient or "").strip())
    return {"recipient_organisation": recipient_organisation, "outside_body": outside_body,
            "recipient": (recipient or "").strip(), "recipient_name": name}


def check_destination(required):
    """A Step `check`: exactly one destination (none allowed for a guide), each inside what
    the letter's unit may choose."""
    def check(errors, petition, values):
        unit, body, text = (values["recipient_organisation"], values["outside_body"],
                            values["recipient"])
        given = [x for x in (unit, body, text) if x]
        if len(given) > 1:
            errors.add("recipient_organisation", _(
                "Nơi nhận: chỉ chọn một trong ba (đơn vị trong hệ thống, cơ quan ngoài hệ "
                "thống, hoặc tên cơ quan khác nhập tay)."))
            return
        if not given and required:
            errors.add("recipient", _(
                "Chưa chọn nơi nhận đơn chuyển: chọn đơn vị trong hệ thống hoặc cơ quan "
                "ngoài hệ thống; chỉ nhập tên cơ quan khác khi không có trong danh sách."))
        if unit is not None:
            if unit.pk == petition.organisation_id:
                errors.add("recipient_organisation", _(
                    "Đơn vị nhận “%(unit)s” là chính nơi đang giữ đơn này: chọn đơn vị khác.")
                    % {"unit": unit.name})
            elif not unit.path.startswith(province_path(petition.organisation)):
                errors.add("recipient_organisation", _(
                    "Đơn vị nhận “%(unit)s” không cùng Đảng bộ tỉnh, thành phố với nơi giữ "
                    "đơn này.") % {"unit": unit.name})
        if body is not None and not outside_bodies_for(petition).filter(pk=body.pk).exists():
            errors.add("outside_body", _(
                "Cơ quan ngoài hệ thống “%(body)s” đã ngừng dùng hoặc không thuộc danh mục "
                "của đơn vị này.") % {"body": body.name})
        if len(text) > 255:
            errors.add("recipient", _("Tên cơ quan khác: tối đa 255 ký tự."))
    return check


def destination_details(petition, values):
    details = {}
    if values["recipient_name"]:
        details["recipient"] = values["recipient_name"]
    if values["recipient_organisation"] is not None:
        details["recipient_organisation"] = values["recipient_organisation"].pk
    if values["outside_body"] is not None:
        details["outside_body"] = values["outside_body"].pk
    return details or None


# ---- going: the recipient's letter ----------------------------------------------------

def hand_off(petition, values, actor, event):
    """The recipient's letter, linked to `petition` (see the module docstring)."""
    from casework.services.petitions import LETTER, next_receipt_seq

    unit = values["recipient_organisation"]
    received_on = timezone.localdate(event.occurred_at)
    letter = Petition(
        organisation=unit, receipt_year=received_on.year,
        receipt_seq=next_receipt_seq(unit, received_on.year), received_on=received_on,
        channel=Channel.FORWARDED, forwarded_by=petition.organisation.name,
        forwarded_from=petition, kind=petition.kind, sender_type=petition.sender_type,
        subject_name=petition.subject_name, subject_member_id=petition.subject_member_id,
        subject_organisation_id=petition.subject_organisation_id, summary=petition.summary,
        instance=petition.instance,
        # Explicit, not left to save(): a letter re-classified from a denunciation keeps
        # its sender's protection wherever it goes.
        identity_confidential=petition.identity_confidential)
    letter.save()
    PetitionSender.objects.bulk_create([
        PetitionSender(petition=letter, full_name=s.full_name, address=s.address,
                       phone=s.phone, id_number=s.id_number)
        for s in petition.senders.all()])
    scans = list(petition.attachments.all())
    for scan in scans:
        # The same stored file (a scan is never changed or removed): no copy on disk.
        Attachment.objects.create(
            petition=letter, file=scan.file.name, original_name=scan.original_name,
            content_type=scan.content_type, size=scan.size, sha256=scan.sha256,
            uploaded_by=scan.uploaded_by)
    record_event(LETTER, letter, event_type=EventType.RECEIVED, actor=actor, from_status="",
                 doc_number=event.doc_number, doc_date=event.doc_date,
                 details={"receipt_number": letter.receipt_number,
                          "channel": Channel.FORWARDED, "kind": letter.kind,
                          "attachments": len(scans), "forwarded_from": petition.pk,
                          "forwarded_from_number": petition.receipt_number,
                          "forwarded_by": petition.organisation.name,
                          "step": event.event_type},
                 at=event.occurred_at if values.get("at") else None)
    return letter


# ---- coming back: the sender's letter follows -----------------------------------------

def _acted_text(letter, event, values):
    return str(ACTED[event.event_type]) % {
        "unit": letter.organisation.name, "number": letter.receipt_number,
        "result": letter.result, "filed": letter.get_filed_reason_display(),
        "recipient": values.get("recipient_name", "")}


def relay_back(letter, values, actor, event, relay):
    """`letter` (a recipient's) took the step of `event`: its sender's letter records it,
    and is closed the same way when `letter` closed and it is still transferred."""
    from casework.services.petitions import LETTER, STEPS

    sender = lock(LETTER, letter.forwarded_from_id)
    details = {"recipient_petition": letter.pk, "receipt_number": letter.receipt_number,
               "organisation": letter.organisation.name, "step": event.event_type,
               "status": letter.status}
    if event.event_type == EventType.RESOLVED:
        details["result"] = letter.result
    if values.get("recipient_name"):
        details["recipient"] = values["recipient_name"]
    at = event.occurred_at if values.get("at") else None
    record_event(LETTER, sender, event_type=EventType.RECIPIENT_ACTED, actor=actor,
                 from_status=sender.status, reason=_acted_text(letter, event, values),
                 doc_number=event.doc_number, doc_date=event.doc_date, details=details,
                 at=at)
    if event.event_type not in CLOSING or sender.status != PetitionStatus.TRANSFERRED:
        return
    chain = Relay(source=letter, origin=relay.origin if relay else letter)
    unit = letter.organisation.name
    if event.event_type == EventType.RESOLVED:
        step, close = STEPS["resolve"], dict(
            result=_("%(unit)s đã giải quyết: %(result)s") % {"unit": unit,
                                                             "result": letter.result},
            doc_number=event.doc_number, doc_date=event.doc_date,
            delivered_on=values.get("delivered_on"))
    elif event.event_type == EventType.FILED:
        step, close = STEPS["file"], dict(filed_reason=letter.filed_reason,
                                          reason=_acted_text(letter, event, values))
    else:
        step, close = STEPS["withdraw"], dict(doc_date=event.doc_date,
                                              doc_number=event.doc_number,
                                              reason=_acted_text(letter, event, values))
    take(LETTER, _relayed(step), actor=actor, pk=sender.pk,
         expected_status=PetitionStatus.TRANSFERRED,
         values={**close, "at": at, "relayed_from": letter.pk}, relay=chain)


def _relayed(step):
    """`step` whose event also names the recipient's letter it was relayed from."""
    def details(record, values):
        return {**(step.details(record, values) or {}), "relayed_from": values["relayed_from"]}
    return replace(step, details=details)


REPORT_BACK = Step(
    "report_back", EventType.REPORTED_BACK,
    details=lambda letter, v: {"relayed": True, "sender_petition": letter.forwarded_from_id})


def report_back_in_system(letter, values, actor, event, relay):
    """The recipient's report of its result to the sender inside the system: the relay
    carried it, so it is recorded as done, citing the resolution's document."""
    from casework.services.petitions import LETTER

    sender_unit = letter.forwarded_by
    take(LETTER, REPORT_BACK, actor=actor, pk=letter.pk, relay=relay,
         values={"doc_number": event.doc_number, "doc_date": event.doc_date,
                 "at": event.occurred_at if values.get("at") else None,
                 "reason": _("Kết quả đã chuyển đến %(unit)s qua hệ thống.")
                 % {"unit": sender_unit}})


def after_step(letter, values, actor, event, relay):
    """Step `after` of a letter's steps that hand it off or settle it (see the module
    docstring): the recipient's letter first, then the report and the relay back."""
    if values.get("recipient_organisation") is not None:
        hand_off(letter, values, actor, event)
    if letter.forwarded_from_id is None:
        return
    if event.event_type == EventType.RESOLVED:
        report_back_in_system(letter, values, actor, event, relay)
    relay_back(letter, values, actor, event, relay)

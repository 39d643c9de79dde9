"""Issuing the office's documents: numbered from the unit's register, filled from a
template, stored with the event that produced them.

Two ways in, one service:
- with a step (`Issue`, used by the transition engine and by `case_open`): the user ticks
  "lập văn bản"; the number comes from the issuing unit's register and becomes the
  event's document number (and the letter's decision number), the step's date the
  document's date;
- for an event already in the history (`document_for_event`), e.g. a receipt for an old
  letter: the document takes the number the step recorded (typed when the paper was
  issued) and its date; a step recorded without a number (a follow-up by telephone, a
  filing) takes the next register number, dated today. The event itself is a ledger row
  and is not changed.

All-or-nothing: the register number, the row and the file belong to the transaction of
the step. The bytes are written to MEDIA_ROOT only once it commits (a rollback leaves
neither a number nor a file), under a temporary name renamed into place.

Identity (Luật Tố cáo Điều 47): a document for a third party never carries a protected
sender's identity (casework.documents.kinds); one addressed to the sender does, so only a
user cleared for the letter's identity may make or download it, and each time is logged.
"""
import hashlib
import logging
import os
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.counters import next_value
from casework.documents import context, render
from casework.documents.kinds import BY_EVENT, CASE, SPECS, issuer_of, register_number
from casework.documents.kinds import shows_identity as carries_identity
from casework.errors import ActionRefused
from casework.models import (
    CaseEvent,
    DocumentCounter,
    DocumentKind,
    DocumentTemplate,
    GeneratedDocument,
    IdentityAccessPurpose,
    SenderType,
)
from casework.permissions import case_user_may, may_open_case, may_see_identity, user_may
from casework.services.attachments import PARTIAL_PREFIX
from casework.services.identity import log_identity_access

log = logging.getLogger(__name__)
FIELD = "issue_document"


class DocumentMissing(Exception):
    """The stored file is gone or its bytes differ from those issued."""


def template_for(kind, issuer):
    """(bytes, DocumentTemplate or None): the issuing unit's own active template, else one
    for every unit, else the shipped default."""
    rows = DocumentTemplate.objects.filter(kind=kind, active=True)
    row = (rows.filter(organisation=issuer).first()
           or rows.filter(organisation__isnull=True).first())
    if row is not None:
        with row.file.open("rb") as handle:
            return handle.read(), row
    return (context.DEFAULTS_DIR / f"{kind}.docx").read_bytes(), None


def refusal_reason(spec, petition, actor):
    """Why this user may not make this letter's document, or None."""
    if petition is None or not spec.to_sender:
        return None
    if petition.sender_type == SenderType.ANONYMOUS or not petition.senders.exists():
        return _("Đơn không ghi họ tên người gửi: không có người nhận %(document)s.") % {
            "document": str(spec.label).lower()}
    if not may_see_identity(actor, petition):
        return _("%(document)s ghi danh tính người gửi đơn tố cáo; bạn chưa được phân quyền "
                 "xem danh tính nên không lập được văn bản này.") % {"document": spec.label}
    return None


@dataclass
class Issue:
    """A document asked for with a step: checked before the step writes anything,
    numbered, then made once the step's event exists."""

    spec: object
    record: object
    actor: object
    number: str = ""
    day: date | None = None
    seq: int | None = None

    @classmethod
    def for_step(cls, kind, record, actor):
        return cls(spec=SPECS[kind], record=record, actor=actor)

    def check(self, errors):
        reason = refusal_reason(self.spec, self._petition(), self.actor)
        if reason:
            errors.add(FIELD, reason)

    def reserve(self, day):
        """The next number of the issuing unit's register, for a document dated `day`."""
        issuer = issuer_of(self.spec, self.record)
        self.day = day
        self.seq = next_value(DocumentCounter, organisation=issuer, year=day.year)
        self.number = register_number(self.seq, self.spec.abbr, issuer.symbol)
        return self.number

    def produce(self, event):
        return _produce(self.spec, self.record, event, self.actor, number=self.number,
                        day=self.day, seq=self.seq)

    def _petition(self):
        return None if self.spec.record == CASE else self.record


def _values(spec, record, event, issuer, number, day, template):
    petition = None if spec.record == CASE else record
    values = context.common_values(
        issuer=issuer, number=number, day=day,
        signer_title=template.signer_title if template else "",
        signer_name=template.signer_name if template else "")
    if petition is None:
        values.update(context.case_values(record, event))
    else:
        values.update(context.letter_values(petition, event, to_sender=spec.to_sender))
        if spec.kind == DocumentKind.RECEIPT:  # handed to the sender, addressed to nobody
            values["noi_nhan"] = context.RECEIPT_RECIPIENTS
    return values


def _produce(spec, record, event, actor, *, number, day, seq=None):
    issuer = issuer_of(spec, record)
    data, template = template_for(spec.kind, issuer)
    petition = None if spec.record == CASE else record
    content = render.fill(data, _values(spec, record, event, issuer, number, day, template))
    document = GeneratedDocument(
        kind=spec.kind, number=number, date=day, issuer=issuer,
        register_year=day.year if seq else None, register_seq=seq, event=event,
        petition=petition, inspection=record if petition is None else None,
        template=template, sha256=hashlib.sha256(content).hexdigest(), size=len(content),
        shows_identity=carries_identity(spec, petition), created_by=actor)
    document.file.name = document.file.field.generate_filename(document, "document.docx")
    document.save()
    if document.shows_identity and petition is not None:
        log_identity_access(user=actor, petitions=[petition],
                            purpose=IdentityAccessPurpose.DOCUMENT)
    transaction.on_commit(partial(_write, Path(document.file.path), content))
    return document


def _write(final, content):
    """After commit: the bytes, private (0600, folders 0700), under a temporary name
    renamed into place, so a reader never sees half a file."""
    old_umask = os.umask(0o077)
    try:
        final.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        staged = final.with_name(f"{PARTIAL_PREFIX}{final.name}")
        with open(staged, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(staged, final)
    except OSError:
        log.exception("Không ghi được tệp văn bản %s sau khi lưu.", final)
    finally:
        os.umask(old_umask)


def may_issue(spec, record, actor):
    """Whoever may take the step may make its document."""
    if not actor.is_authenticated:
        return False
    if spec.record == CASE:
        if spec.action == "open":
            return may_open_case(actor, record.organisation)
        return case_user_may(actor, spec.action, record)
    return user_may(actor, spec.action, record.organisation)


@transaction.atomic
def document_for_event(*, actor, event_id: int) -> GeneratedDocument:
    """The document of a step already recorded (see the module docstring). Refused when
    the step has no document, the user may not take that step, or it was made already."""
    from casework.services.inspections import CASE as CASE_KIND
    from casework.services.petitions import LETTER
    from casework.services.transitions import lock

    event = CaseEvent.objects.filter(pk=event_id).first()
    spec = BY_EVENT.get(event.event_type) if event else None
    if spec is None:
        raise ActionRefused(_("Bước này không có văn bản để lập."))
    if event.petition_id:
        record = lock(LETTER, event.petition_id)
    else:
        record = lock(CASE_KIND, event.inspection_id)
    if not may_issue(spec, record, actor):
        raise ActionRefused(_("Vai trò của bạn không được phép lập %(document)s này.")
                            % {"document": str(spec.label).lower()})
    if GeneratedDocument.objects.filter(event=event, kind=spec.kind).exists():
        raise ActionRefused(_("%(document)s của bước này đã được lập.") % {"document": spec.label})
    reason = refusal_reason(spec, None if spec.record == CASE else record, actor)
    if reason:
        raise ActionRefused(reason)
    if not spec.abbr:  # the receipt: the letter's receipt number and day
        return _produce(spec, record, event, actor, number=record.receipt_number,
                        day=record.received_on)
    if event.doc_number:
        return _produce(spec, record, event, actor, number=event.doc_number,
                        day=event.doc_date or timezone.localdate(event.occurred_at))
    issue = Issue(spec=spec, record=record, actor=actor)
    issue.reserve(timezone.localdate())
    return issue.produce(event)


def document_bytes(document):
    """The bytes issued, or DocumentMissing when the file is gone or differs."""
    try:
        with document.file.open("rb") as handle:
            content = handle.read()
    except (FileNotFoundError, ValueError) as error:
        raise DocumentMissing(str(error)) from error
    if hashlib.sha256(content).hexdigest() != document.sha256:
        raise DocumentMissing(document.file.name)
    return content


def check_uploaded_template(kind, data):
    """For the admin: refuse a template that could not make this kind of document."""
    try:
        render.check_template(data, context.sample_values(SPECS[kind]))
    except render.TemplateProblem as problem:
        raise ValidationError({"file": str(problem)}) from None

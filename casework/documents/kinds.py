"""What each document is: its type abbreviation, who issues it, whether it carries the
sender's identity, and the text that fills its template.

Numbers follow Hướng dẫn 36-HD/VPTW: "Số 45-CV/ĐU": the number, the abbreviation of the
document's type, the issuing unit's ký hiệu (`Organisation.symbol`). Abbreviations (the
guide's table of document types):
- QĐ quyết định: the decision that opens an inspection or supervision;
- TB thông báo: the notices of thụ lý, of không thụ lý and of a case's conclusion;
- CV công văn: the letter chasing the body a letter went to (đôn đốc) has no name of its
  own among the guide's types, so it is a công văn ("V/v đôn đốc …");
- PC phiếu chuyển: the phiếu chuyển đơn is a "phiếu chuyển", a type of its own;
- the giấy biên nhận takes the letter's receipt number (001/2026/VPĐU): the register of
  letters received (sổ tiếp nhận) is its register, so it uses no number of the outgoing
  register.

The issuing unit: a letter's documents go out in the name of the committee the receiving
unit works for (`Organisation.committee`: the Đảng ủy for its Văn phòng and its UBKT, a
branch for itself), the receipt in the receiving unit's own name (the office that took
the letter in); a case's in the name of the body that conducts it (`case.organisation`:
the UBKT, the Đảng ủy for its Ban Chấp hành, a branch).

Documents sent to a third party (phiếu chuyển, công văn đôn đốc) never carry the identity
of a sender whose letter is protected (a tố cáo): whoever makes them, `sender_line` gives
the mask. The receipt and the notices addressed to the sender carry the sender's name and
address (`shows_identity`).
"""
from dataclasses import dataclass

from casework.models import DocumentKind, EventType

LETTER, CASE = "letter", "case"


@dataclass(frozen=True)
class Spec:
    kind: str
    abbr: str  # "" → the letter's receipt number, no register number
    record: str  # LETTER or CASE
    event: str  # the event that produces it
    action: str  # the step (permission) whose document it is
    to_sender: bool = False  # addressed to the sender: carries their identity

    @property
    def label(self):
        return DocumentKind(self.kind).label


SPECS = {spec.kind: spec for spec in (
    Spec(DocumentKind.RECEIPT, "", LETTER, EventType.RECEIVED, "receive", to_sender=True),
    Spec(DocumentKind.TRANSFER, "PC", LETTER, EventType.TRANSFERRED, "transfer"),
    Spec(DocumentKind.ACCEPTANCE, "TB", LETTER, EventType.ACCEPTED, "accept", to_sender=True),
    # Lưu đơn is the step that does not take a letter on: the sender of a complaint or a
    # denunciation is told so, with the reason (Luật Khiếu nại Điều 27, Luật Tố cáo Điều
    # 24(1)); an anonymous letter has nobody to tell (services.documents refuses it).
    Spec(DocumentKind.REFUSAL, "TB", LETTER, EventType.FILED, "file", to_sender=True),
    Spec(DocumentKind.FOLLOW_UP, "CV", LETTER, EventType.FOLLOWED_UP, "follow_up"),
    Spec(DocumentKind.CASE_DECISION, "QĐ", CASE, EventType.CASE_OPENED, "open"),
    Spec(DocumentKind.CONCLUSION_NOTICE, "TB", CASE, EventType.CASE_NOTIFIED, "notify"),
)}
BY_EVENT = {spec.event: spec for spec in SPECS.values()}


def register_number(seq, abbr, symbol):
    """"45-CV/ĐU"; below 10 with a leading zero, as the guide writes them ("05-TB/UBKT")."""
    return f"{seq:02d}-{abbr}/{symbol}"


def issuer_of(spec, record):
    if spec.record == CASE:
        return record.organisation
    if spec.kind == DocumentKind.RECEIPT:
        return record.organisation
    return record.organisation.committee


def shows_identity(spec, petition):
    """Whether this document of this letter carries a sender's name or address."""
    if petition is None or not petition.senders.exists():
        return False
    return spec.to_sender or not petition.identity_confidential

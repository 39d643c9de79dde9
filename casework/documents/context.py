"""The values that fill a document's placeholders, built from the records.

The documents are Vietnamese legal text whatever language the user reads the site in, so
labels are taken in Vietnamese (`translation.override("vi")`) and dates written as the
Party's documents write them (ngày 01 tháng 12 năm 2026; 01/12/2026).

Which placeholders exist is decided here: `letter_values` and `case_values` give every
name a template of that record may use; an uploaded template using any other name is
refused (casework.documents.render.check_template, with `sample_values`).
"""
import re
from datetime import date
from pathlib import Path

from django.utils import translation

from casework.models import OrgKind, PetitionKind, SenderType
from casework.selectors.status_lookup import lookup_page_url
from casework.templatetags.casework_tags import person_name

from .kinds import CASE

# The shipped templates (built by casework/documents/build_defaults.py).
DEFAULTS_DIR = Path(__file__).with_name("defaults")
MASKED_SENDER = "người tố cáo (danh tính người tố cáo được giữ bí mật theo quy định)"
ANONYMOUS_SENDER = "người gửi không ghi họ tên"
RECEIPT_RECIPIENTS = "- Người gửi đơn;\n- Lưu sổ tiếp nhận đơn."


def day_text(day):
    return f"{day:%d/%m/%Y}" if day else ""


def long_date(day):
    return f"ngày {day:%d} tháng {day:%m} năm {day:%Y}"


def place_of(organisation):
    """"Kè Sắt" from "Đảng bộ xã Kè Sắt": the place line of the committee's documents."""
    name = organisation.committee.name
    name = re.sub(r"^(Đảng bộ|Chi bộ|Đảng ủy)\s+", "", name, flags=re.IGNORECASE)
    return re.sub(r"^(xã|phường|thị trấn|thành phố|tỉnh|thôn)\s+", "", name,
                  flags=re.IGNORECASE)


def body_name(organisation):
    """The issuing body as its documents name it: the Đảng ủy of a Đảng bộ."""
    name = organisation.name
    if organisation.kind in (OrgKind.COMMUNE, OrgKind.PROVINCE, OrgKind.PARTIAL):
        name = re.sub(r"^Đảng bộ", "Đảng ủy", name, flags=re.IGNORECASE)
    return name


def signature_defaults(organisation):
    """(T/M line, signer's title) for the issuing body; a template may set the title and
    the signer's name (DocumentTemplate.signer_title/_name)."""
    if organisation.kind == OrgKind.BRANCH:
        return "T/M CHI BỘ", "BÍ THƯ"
    if organisation.kind == OrgKind.AGENCY:
        name = re.sub(r"\s+Đảng ủy$", "", organisation.name, flags=re.IGNORECASE).upper()
        if "KIỂM TRA" in name:
            return f"T/M {name}", "CHỦ NHIỆM"
        return name, "CHÁNH VĂN PHÒNG"
    return "T/M ĐẢNG ỦY", "BÍ THƯ"


def common_values(*, issuer, number, day, signer_title="", signer_name=""):
    tm, title = signature_defaults(issuer)
    return {
        "co_quan_cap_tren": issuer.parent.name.upper() if issuer.parent_id else "",
        "co_quan_ban_hanh": body_name(issuer).upper(),
        "ten_co_quan": body_name(issuer),
        "so_ky_hieu": number,
        "dia_danh_ngay": f"{place_of(issuer)}, {long_date(day)}",
        "ngay_van_ban": day_text(day),
        "tm": tm,
        "chuc_vu": signer_title or title,
        "nguoi_ky": signer_name,
    }


def _senders(petition, masked):
    if petition.identity_confidential and masked:
        return MASKED_SENDER, "", MASKED_SENDER
    senders = list(petition.senders.all())
    if petition.sender_type == SenderType.ANONYMOUS or not senders:
        return ANONYMOUS_SENDER, "", ANONYMOUS_SENDER
    names = ", ".join(s.full_name for s in senders)
    address = senders[0].address
    line = f"ông (bà) {names}" + (f", địa chỉ: {address}" if address else "")
    return names, address, line


def letter_values(petition, event, *, to_sender):
    """A letter's values. Not `to_sender`: the document goes to a third party, so a
    protected sender's identity is replaced by the mask (never read into it)."""
    with translation.override("vi"):
        names, address, line = _senders(petition, masked=not to_sender)
        transfer = (petition.events.filter(event_type="transferred")
                    .order_by("-occurred_at", "-id").first())
        recipient = ((transfer.details or {}).get("recipient") if transfer else "") or \
            petition.handled_by
        kind = PetitionKind(petition.kind).label.lower()
        return {
            "so_bien_nhan": petition.receipt_number,
            "ngay_nhan": day_text(petition.received_on),
            "loai_don": kind,
            "don_vi_tiep_nhan": petition.organisation.name,
            "tom_tat": petition.summary,
            "nguoi_gui": names,
            "dia_chi": address,
            "nguoi_gui_mo_ta": line,
            "nguoi_bi_don": petition.subject_name or (
                petition.subject_member.full_name if petition.subject_member_id else ""),
            "kinh_gui": recipient,
            "so_van_ban_chuyen": transfer.doc_number if transfer else "",
            "ngay_van_ban_chuyen": day_text(transfer.doc_date) if transfer else "",
            "ly_do": _reason_text(petition, event),
            "noi_dung": event.reason if event else "",
            "noi_nhan": _letter_recipients(addressed=to_sender or bool(recipient)),
            # The sender's lookup code and where to use it: only in what goes to the
            # sender (a phiếu chuyển to another body gets blanks, whatever its template).
            "ma_tra_cuu": petition.lookup_code_display if to_sender else "",
            "dia_chi_tra_cuu": lookup_page_url() if to_sender else "",
        }


def _reason_text(petition, event):
    parts = [petition.get_filed_reason_display()] if petition.filed_reason else []
    if event is not None and event.reason:
        parts.append(event.reason)
    return "; ".join(str(p) for p in parts)


def _letter_recipients(*, addressed):
    lines = ["- Như trên;"] if addressed else []
    return "\n".join([*lines, "- Lưu Văn phòng, hồ sơ đơn."])


def case_subjects(case):
    """The names of a case's subjects, in the case's order: every subject of a case of
    several (a supervision of four branches names the four). A case written without its
    subject rows (bulk loads) is named by the first subject its own row keeps."""
    rows = case.subject_rows.select_related("member", "organisation")
    names = [row.member.full_name if row.member_id else row.organisation.name for row in rows]
    if names:
        return names
    if case.subject_member_id:
        return [case.subject_member.full_name]
    if case.subject_organisation_id:
        return [case.subject_organisation.name]
    return []


def case_values(case, event):
    with translation.override("vi"):
        team = [person_name(u) for u in case.team.all() if u.pk != case.team_leader_id]
        return {
            "ten_cuoc": case.title,
            "so_cuoc": case.number,
            "loai_cuoc": case.get_kind_display(),
            "hinh_thuc": "giám sát" if case.procedure == "supervision" else "kiểm tra",
            "doi_tuong": ", ".join(case_subjects(case)),
            "noi_dung": case.content,
            "tu_ngay": day_text(case.starts_on),
            "den_ngay": day_text(case.ends_on),
            "truong_doan": person_name(case.team_leader),
            "thanh_vien": ", ".join(team),
            "so_quyet_dinh": case.decision_number,
            "ngay_quyet_dinh": day_text(case.decision_date),
            "ket_luan": case.conclusion,
            "vi_pham": {True: "Có vi phạm.", False: "Không có vi phạm."}.get(
                case.violation_found, ""),
            "noi_nhan": "- Như Điều 3;\n- Lưu hồ sơ cuộc kiểm tra, giám sát.",
        }


def sample_values(spec):
    """Every placeholder a template of this kind may use, with made-up values, for checking
    an uploaded template."""
    values = {"co_quan_cap_tren": "ĐẢNG BỘ THÀNH PHỐ HẢI PHÒNG",
              "co_quan_ban_hanh": "ĐẢNG ỦY XÃ KÈ SẮT", "ten_co_quan": "Đảng ủy xã Kè Sắt",
              "so_ky_hieu": "45-CV/ĐU", "dia_danh_ngay": f"Kè Sắt, {long_date(date(2026, 12, 1))}",
              "ngay_van_ban": "01/12/2026", "tm": "T/M ĐẢNG ỦY", "chuc_vu": "BÍ THƯ",
              "nguoi_ky": "Nguyễn Văn A"}
    if spec.record == CASE:
        keys = ("ten_cuoc", "so_cuoc", "loai_cuoc", "hinh_thuc", "doi_tuong", "noi_dung",
                "tu_ngay", "den_ngay", "truong_doan", "thanh_vien", "so_quyet_dinh",
                "ngay_quyet_dinh", "ket_luan", "vi_pham", "noi_nhan")
    else:
        keys = ("so_bien_nhan", "ngay_nhan", "loai_don", "don_vi_tiep_nhan", "tom_tat",
                "nguoi_gui", "dia_chi", "nguoi_gui_mo_ta", "nguoi_bi_don", "kinh_gui",
                "so_van_ban_chuyen", "ngay_van_ban_chuyen", "ly_do", "noi_dung", "noi_nhan",
                "ma_tra_cuu", "dia_chi_tra_cuu")
    values.update({key: f"[{key}]" for key in keys})
    return values

"""`python manage.py verify_audit [--case ID] [--anchor FILE] [--save-anchor FILE]`:
recompute the hash chains of the case event log, the identity-view log and the clearance
history, check that letters' protection and role assignments' clearances agree with
those logs, and name every record that does not (casework.services.audit). Exits
non-zero when anything is found, so it can run from cron or a monitoring check.
`--save-anchor` writes every chain's end to a file to keep outside the database;
`--anchor` later checks that none of those ends was rewritten."""
import json
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from casework.models import (
    ClearanceEventType,
    EventType,
    IdentityAccessPurpose,
    Petition,
    PetitionKind,
    PetitionStatus,
)
from casework.services import audit

KIND_TEXT = {
    audit.ALTERED: "nội dung đã bị sửa sau khi ghi (mã băm không khớp nội dung sự kiện)",
    audit.RELINKED: "chuỗi bị đứt: sự kiện không nối tiếp sự kiện liền trước của hồ sơ "
                    "(có sự kiện bị xóa hoặc bị chèn vào trước nó)",
    audit.HEAD_MISSING: "sự kiện đầu tiên còn lại vẫn trỏ tới một sự kiện trước nó "
                        "(các sự kiện đầu của hồ sơ đã bị xóa)",
    audit.TAIL_MISSING: "trạng thái hiện tại của đơn là “{case_status}” nhưng sự kiện cuối "
                        "đưa đơn tới “{event_status}” (sự kiện sau cùng có thể đã bị xóa)",
    audit.EMPTY: "đơn không còn sự kiện nào trong nhật ký (toàn bộ nhật ký đã bị xóa)",
    audit.ANCHORED: "sự kiện đã lưu trong tệp mốc kiểm chứng không còn hoặc đã khác "
                    "(nhật ký của đơn đã bị viết lại)",
}


def _label(choices, value):
    try:
        return choices(value).label
    except ValueError:
        return value


# The whole-table logs: a row there is not "an event of a case".
LOG_NOUN = {
    audit.IDENTITY_ACCESSES.name: "Nhật ký xem danh tính, lượt xem",
    audit.CLEARANCE_EVENTS.name: "Lịch sử quyền xem danh tính, bước",
}
LOG_TEXT = {
    audit.ALTERED: "nội dung đã bị sửa sau khi ghi (mã băm không khớp nội dung)",
    audit.RELINKED: "chuỗi bị đứt: dòng này không nối tiếp dòng liền trước (có dòng bị xóa "
                    "hoặc bị chèn vào trước nó)",
    audit.HEAD_MISSING: "dòng đầu tiên còn lại vẫn trỏ tới một dòng trước nó (các dòng đầu "
                        "của nhật ký đã bị xóa)",
    audit.ANCHORED: "dòng cuối đã lưu trong tệp mốc kiểm chứng không còn hoặc đã khác "
                    "(nhật ký đã bị viết lại hoặc cắt bớt)",
}
AGREEMENT_TEXT = {
    audit.UNPROTECTED: "nhật ký ghi đơn này là tố cáo nhưng danh tính người gửi không còn được "
                       "bảo mật (đã bị sửa ngoài các bước xử lý đơn)",
    audit.KIND_CHANGED: "loại đơn hiện là “{kind}” nhưng nhật ký ghi lần cuối là “{logged}” "
                        "(loại đơn đã bị sửa ngoài bước phân loại)",
    audit.UNRECORDED: "đang được xem danh tính người tố cáo nhưng lịch sử cấp quyền không có "
                      "phê duyệt nào của quản trị viên thứ hai cho đúng người, tổ chức và vai "
                      "trò này",
}


MOMENT_TEXT = ("{field} lưu trên đơn là {stored} nhưng nhật ký của đơn cho {logged} (đã bị "
               "sửa ngoài các bước xử lý đơn; các số liệu báo cáo theo kỳ đọc thời điểm này)")


def _moment(iso):
    """An ISO moment of a Break as the office reads it (local time), or "trống"."""
    if not iso:
        return "trống"
    local = timezone.localtime(datetime.fromisoformat(iso))
    return local.strftime("%d/%m/%Y %H:%M:%S")


def _case(b):
    if b.case_kind == "assignment":
        return f"Phân quyền “{b.organisation}” (id {b.case_id})"
    noun = "Đơn" if b.case_kind == "petition" else "Cuộc kiểm tra, giám sát"
    return (f"{noun} số {b.receipt_number} – {b.organisation} (id {b.case_id})"
            if b.receipt_number else f"{noun} id {b.case_id}")


def describe(b: audit.Break) -> str:
    if b.kind == audit.KEPT_COPY:
        clock = b.event_type.split(":", 1)[1]
        kept = _label(PetitionKind, b.case_status) if b.case_status else "trống"
        own = (f"đơn là “{_label(PetitionKind, b.event_status)}”" if b.case_kind == "petition"
               else "thời hạn của cuộc kiểm tra, giám sát không mang loại đơn")
        return (f"{_case(b)}: thời hạn #{clock} giữ loại “{kept}” nhưng {own} (đã bị sửa "
                "ngoài các bước xử lý; trang Tổng quan đếm theo loại thời hạn giữ).")
    if b.kind == audit.MOMENT_CHANGED:
        field = Petition._meta.get_field(b.event_type).verbose_name
        text = MOMENT_TEXT.format(field=str(field)[:1].upper() + str(field)[1:],
                                  stored=_moment(b.case_status), logged=_moment(b.event_status))
        return f"{_case(b)}: {text}."
    if b.kind in AGREEMENT_TEXT:
        text = AGREEMENT_TEXT[b.kind].format(kind=_label(PetitionKind, b.case_status),
                                             logged=_label(PetitionKind, b.event_status))
        return f"{_case(b)}: {text}."
    if b.chain in LOG_NOUN:
        if b.chain == audit.IDENTITY_ACCESSES.name:
            what = _label(IdentityAccessPurpose, b.event_type)
        else:
            what = _label(ClearanceEventType, b.event_type)
        row = f"{LOG_NOUN[b.chain]} #{b.event_id}" + (f" “{what}”" if what else "")
        about = (f" ({_case(b)})" if b.case_kind == "petition"
                 else f" (phân quyền id {b.case_id})" if b.case_kind == "assignment" else "")
        return f"{row}{about}: {LOG_TEXT[b.kind]}."
    event = (f", sự kiện #{b.event_id} “{_label(EventType, b.event_type)}”"
             if b.event_id else "")
    text = KIND_TEXT[b.kind].format(case_status=_label(PetitionStatus, b.case_status),
                                    event_status=_label(PetitionStatus, b.event_status))
    return f"{_case(b)}{event}: {text}."


class Command(BaseCommand):
    help = ("Kiểm tra tính toàn vẹn của nhật ký hồ sơ: tính lại chuỗi mã băm của từng hồ sơ và "
            "báo mọi sự kiện bị sửa, bị xóa hoặc bị chèn.")

    def add_arguments(self, parser):
        parser.add_argument("--case", type=int, metavar="ID",
                            help="chỉ kiểm tra một đơn (id của đơn)")
        parser.add_argument("--anchor", metavar="FILE",
                            help="đối chiếu với tệp mốc kiểm chứng đã lưu trước đây")
        parser.add_argument("--save-anchor", metavar="FILE",
                            help="sau khi kiểm tra không có sai lệch, lưu mốc kiểm chứng "
                                 "(điểm cuối chuỗi của mọi hồ sơ) vào tệp để cất giữ ngoài máy chủ")

    def handle(self, *args, case=None, anchor=None, save_anchor=None, **options):
        if case is not None and not Petition.objects.filter(pk=case).exists():
            raise CommandError(f"Không tìm thấy đơn id {case}.")
        result = audit.verify(case_id=case)
        breaks = result.breaks + (self._check_anchor(anchor, case) if anchor else [])
        scope = f"Đã kiểm tra {result.events} sự kiện của {result.cases} hồ sơ"
        if result.accesses:
            scope += f", {result.accesses} lượt xem danh tính"
        if result.clearances:
            scope += f", {result.clearances} bước cấp, thu hồi quyền xem danh tính"
        if anchor:
            scope += f" và mốc kiểm chứng {anchor}"
        if breaks:
            for b in breaks:
                self.stdout.write(describe(b))
            raise CommandError(f"{scope}: phát hiện {len(breaks)} sai lệch.")
        self.stdout.write(f"{scope}: không phát hiện sai lệch.")
        if save_anchor:
            self._save_anchor(save_anchor, result)

    def _check_anchor(self, path, case):
        try:
            with open(path, encoding="utf-8") as f:
                ends = [tuple(end) for end in json.load(f)["ends"]]
        except (OSError, ValueError, KeyError) as exc:
            raise CommandError(f"Không đọc được tệp mốc kiểm chứng {path}: {exc}") from None
        if case is not None:
            ends = [end for end in ends if end[1] == case]
        return audit.check_anchor(ends)

    def _save_anchor(self, path, result):
        ends = audit.chain_ends()
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"saved_at": timezone.now().isoformat(), "events": result.events,
                       "ends": ends}, f, ensure_ascii=False)
        logs = sum(1 for end in ends if end[0] in audit.WHOLE_TABLE_CHAINS)
        extra = f" và {logs} nhật ký khác" if logs else ""
        self.stdout.write(f"Đã lưu mốc kiểm chứng của {len(ends) - logs} hồ sơ{extra} vào "
                          f"{path}; cất tệp này ngoài máy chủ.")

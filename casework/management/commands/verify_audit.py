"""`python manage.py verify_audit [--case ID] [--anchor FILE] [--save-anchor FILE]`:
recompute the case event log's hash chains and name every case and event that no longer
matches (casework.services.audit). Exits non-zero when anything is found, so it can run
from cron or a monitoring check. `--save-anchor` writes every chain's end to a file to keep
outside the database; `--anchor` later checks that none of those ends was rewritten."""
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from casework.models import EventType, Petition, PetitionStatus
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


def describe(b: audit.Break) -> str:
    noun = "Đơn" if b.case_kind == "petition" else "Cuộc kiểm tra, giám sát"
    case = (f"{noun} số {b.receipt_number} – {b.organisation} (id {b.case_id})"
            if b.receipt_number else f"{noun} id {b.case_id}")
    event = (f", sự kiện #{b.event_id} “{_label(EventType, b.event_type)}”"
             if b.event_id else "")
    text = KIND_TEXT[b.kind].format(case_status=_label(PetitionStatus, b.case_status),
                                    event_status=_label(PetitionStatus, b.event_status))
    return f"{case}{event}: {text}."


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
        self.stdout.write(f"Đã lưu mốc kiểm chứng của {len(ends)} hồ sơ vào {path}; "
                          "cất tệp này ngoài máy chủ.")

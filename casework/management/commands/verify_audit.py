"""`python manage.py verify_audit [--case ID]`: recompute the case event log's hash chains
and name every case and event that no longer matches (casework.services.audit). Exits
non-zero when anything is found, so it can run from cron or a monitoring check."""
from django.core.management.base import BaseCommand, CommandError

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
}


def _label(choices, value):
    try:
        return choices(value).label
    except ValueError:
        return value


def describe(b: audit.Break) -> str:
    case = (f"Đơn số {b.receipt_number} – {b.organisation} (id {b.case_id})"
            if b.receipt_number else f"Đơn id {b.case_id}")
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

    def handle(self, *args, case=None, **options):
        if case is not None and not Petition.objects.filter(pk=case).exists():
            raise CommandError(f"Không tìm thấy đơn id {case}.")
        result = audit.verify(case_id=case)
        scope = f"Đã kiểm tra {result.events} sự kiện của {result.cases} hồ sơ"
        if not result.breaks:
            self.stdout.write(f"{scope}: không phát hiện sai lệch.")
            return
        for b in result.breaks:
            self.stdout.write(describe(b))
        raise CommandError(f"{scope}: phát hiện {len(result.breaks)} sai lệch.")

"""The deadline rules shipped with the product (domain.md, "Deadlines").

Installed after every `migrate` (and every flush) by `install_default_rules`, which only
adds missing versions, so a database always has them. Never edit a row here to follow a change in the law: add a new
entry with the same code and a later `effective_from`. Values marked "(chưa xác nhận)" in
the note are the best public reading and stay editable in the admin.
"""
from datetime import date

# Events after which a letter needs no more work at this step.
CLOSING = ["resolved", "withdrawn", "filed"]
ROUTED = ["classified", "accepted", "transferred", "guided"] + CLOSING

DEFAULT_RULES = [
    dict(code="don-phan-loai", procedure="petition", step="classify",
         start_event="received", stop_events=ROUTED, length=10, unit="working",
         legal_basis="Quy định 11-QĐi/TW; Thông tư 05/2021/TT-TTCP",
         effective_from=date(2021, 11, 15),
         note="Phân loại, xử lý đơn và thông báo cho người gửi."),
    dict(code="to-cao-phan-loai", procedure="denunciation", step="classify",
         start_event="received", stop_events=ROUTED, length=7, unit="working",
         max_extensions=1, extension_length=3, extension_decided_by=["leader", "ubkt"],
         legal_basis="Luật Tố cáo 2018, Điều 24", effective_from=date(2019, 1, 1),
         note="Kéo dài đến 10 ngày làm việc khi phải kiểm tra, xác minh ở nhiều nơi "
              "(chưa xác nhận)."),
    dict(code="khieu-nai-thu-ly", procedure="complaint", step="accept",
         start_event="received", stop_events=["accepted", "transferred", "guided"] + CLOSING,
         length=10, unit="calendar",
         legal_basis="Luật Khiếu nại 2011, Điều 27", effective_from=date(2012, 7, 1)),
    dict(code="khieu-nai-giai-quyet-lan-dau", procedure="complaint", step="resolve",
         start_event="accepted", stop_events=CLOSING, length=30, unit="calendar",
         max_extensions=1, extension_length=15, extension_decided_by=["leader", "ubkt"],
         legal_basis="Luật Khiếu nại 2011, Điều 28", effective_from=date(2012, 7, 1),
         note="Vụ việc phức tạp: không quá 45 ngày. Vùng sâu, vùng xa: 45 ngày, phức tạp "
              "60 ngày (chưa mô hình hóa)."),
    dict(code="khieu-nai-giai-quyet-lan-hai", procedure="complaint_second", step="resolve",
         start_event="accepted", stop_events=CLOSING, length=45, unit="calendar",
         max_extensions=1, extension_length=15, extension_decided_by=["leader", "ubkt"],
         legal_basis="Luật Khiếu nại 2011, Điều 37", effective_from=date(2012, 7, 1),
         note="Vụ việc phức tạp: không quá 60 ngày; vùng sâu, vùng xa 60/70 ngày."),
    dict(code="to-cao-chuyen-don", procedure="denunciation", step="transfer",
         start_event="classified", start_condition="competence_other",
         stop_events=["transferred", "guided"] + CLOSING, length=5, unit="working",
         legal_basis="Luật Tố cáo 2018, Điều 24", effective_from=date(2019, 1, 1)),
    dict(code="to-cao-giai-quyet", procedure="denunciation", step="resolve",
         start_event="accepted", stop_events=CLOSING, length=30, unit="calendar",
         max_extensions=2, extension_length=30, extension_decided_by=["leader", "ubkt"],
         legal_basis="Luật Tố cáo 2018, Điều 30", effective_from=date(2019, 1, 1),
         note="Phức tạp: gia hạn một lần, không quá 30 ngày; đặc biệt phức tạp: gia hạn "
              "hai lần, mỗi lần không quá 30 ngày; bằng quyết định."),
    dict(code="to-cao-dang-vien-giai-quyet", procedure="denunciation_member", step="resolve",
         start_event="accepted", stop_events=CLOSING, length=90, unit="working",
         max_extensions=1, extension_length=30, extension_decided_by=["leader", "ubkt"],
         legal_basis="Quy định 296-QĐ/TW ngày 30/5/2025 và Hướng dẫn 08-HD/TW",
         effective_from=date(2025, 5, 30),
         note="Tố cáo đảng viên, tổ chức đảng ở cơ sở (chưa xác nhận cho 2025–2026)."),
    dict(code="kien-nghi-tra-loi", procedure="recommendation", step="answer",
         start_event="received", stop_events=["transferred", "guided"] + CLOSING,
         length=15, unit="calendar",
         legal_basis="Quy định của cấp ủy (không có thời hạn luật định)",
         effective_from=date(2021, 1, 1),
         note="Quy định nội bộ, sửa được."),
    dict(code="don-don-doc", procedure="petition", step="chase",
         start_event="transferred", stop_events=["followed_up"] + CLOSING,
         length=15, unit="calendar", warn_days_before=0, reminder_every_days=7,
         legal_basis="Quy định của cấp ủy về theo dõi đơn đã chuyển",
         effective_from=date(2021, 1, 1),
         note="Theo dõi, đôn đốc cơ quan có thẩm quyền trả lời."),
    dict(code="don-don-doc-lai", procedure="petition", step="chase_again",
         start_event="followed_up", stop_events=["followed_up"] + CLOSING,
         length=7, unit="calendar", warn_days_before=0, reminder_every_days=7,
         legal_basis="Quy định của cấp ủy về theo dõi đơn đã chuyển",
         effective_from=date(2021, 1, 1),
         note="Sau mỗi lần đôn đốc, hạn đôn đốc tiếp theo."),
]


def install_default_rules(rule_model, using="default"):
    """Create any shipped rule version that is missing; never touch existing rows."""
    for data in DEFAULT_RULES:
        data = dict(data)
        rule_model.objects.using(using).get_or_create(code=data.pop("code"),
                                         effective_from=data.pop("effective_from"),
                                         defaults=data)

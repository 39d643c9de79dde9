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


# ---- inspection and supervision cases ---------------------------------------------------
# Quy định 296-QĐ/TW (30/5/2025) and its guidance set the steps; the number of days for each
# step below is our best reading, not confirmed: they are data, editable in the admin
# (a new version with a later effective_from when the committee fixes them).
CASE_BASIS = "Quy định 296-QĐ/TW; Hướng dẫn 08-HD/TW (chưa xác nhận)"
CASE_FROM = date(2025, 5, 30)
CASE_NOTE = "Số ngày chưa xác nhận; sửa trong trang quản trị khi có quy định của cấp ủy."
DECIDERS = ["ubkt", "branch_secretary", "leader"]
AFTER_NOTICE_STOPS = ["discipline_opened", "remediation", "archived"]


def _case_rule(code, procedure, step, start_event, stop_events, length, unit="working",
               **extra):
    extra.setdefault("note", CASE_NOTE)
    return dict(code=code, procedure=procedure, step=step, start_event=start_event,
                stop_events=stop_events, length=length, unit=unit, legal_basis=CASE_BASIS,
                effective_from=CASE_FROM, **extra)


def _finish_rule(code, procedure, stop_events):
    """The decision's own period: due on the case's end date; one gia hạn by decision."""
    return _case_rule(
        code, procedure, "finish", "case_opened", stop_events, 0, "calendar",
        counted_from="case_end", max_extensions=1, extension_length=30,
        extension_decided_by=DECIDERS, warn_days_before=5,
        note="Hạn là ngày kết thúc ghi trong quyết định kiểm tra, giám sát; kết thúc khi "
             "thông báo kết luận, kết quả (theo dõi khắc phục và lưu hồ sơ có thời hạn "
             "riêng). Gia hạn bằng quyết định của cấp có thẩm quyền: số ngày chưa xác nhận.")


INSPECTION_RULES = [
    _case_rule("kt-cong-bo", "inspection", "announce", "case_opened", ["announced"], 10),
    _case_rule("kt-giai-trinh", "inspection", "explain", "announced", ["explained"], 10),
    _case_rule("kt-tham-tra", "inspection", "verify", "explained", ["verified"], 15,
               max_extensions=1, extension_length=10, extension_decided_by=DECIDERS),
    _case_rule("kt-bao-cao-doan", "inspection", "report", "verified", ["reported"], 5),
    _case_rule("kt-hop", "inspection", "meet", "reported", ["met"], 5),
    _case_rule("kt-ket-luan", "inspection", "conclude", "met", ["concluded"], 10),
    _case_rule("kt-thong-bao", "inspection", "notify", "concluded", ["case_notified"], 5),
    _case_rule("kt-sau-thong-bao", "inspection", "after_notice", "case_notified",
               AFTER_NOTICE_STOPS, 15),
    _case_rule("kt-ky-luat", "inspection", "discipline", "discipline_opened", ["disciplined"],
               15),
    _case_rule("kt-khac-phuc", "inspection", "remediate", "remediation", ["archived"], 90,
               "calendar", warn_days_before=5, reminder_every_days=15),
    _case_rule("kt-khac-phuc-sau-ky-luat", "inspection", "remediate", "disciplined",
               ["archived"], 90, "calendar", warn_days_before=5, reminder_every_days=15),
    _finish_rule("kt-ket-thuc", "inspection", ["case_notified"]),
]

# A supervision turned into an inspection ("escalated") ends where it stands.
SUPERVISION_RULES = [
    _case_rule("gs-cong-bo", "supervision", "announce", "case_opened",
               ["announced", "escalated"], 10),
    _case_rule("gs-giai-trinh", "supervision", "explain", "announced",
               ["explained", "escalated"], 10),
    _case_rule("gs-xem-xet", "supervision", "review", "explained", ["reviewed", "escalated"],
               10),
    _case_rule("gs-thong-bao", "supervision", "notify", "reviewed",
               ["case_notified", "escalated"], 5),
    _case_rule("gs-sau-thong-bao", "supervision", "after_notice", "case_notified",
               ["remediation", "archived", "escalated"], 15),
    _case_rule("gs-khac-phuc", "supervision", "remediate", "remediation",
               ["archived", "escalated"], 90, "calendar", warn_days_before=5,
               reminder_every_days=15),
    _finish_rule("gs-ket-thuc", "supervision", ["case_notified", "escalated"]),
]

# Appealing is the disciplined member's or organisation's right, not anybody's duty: the
# clock tells whether an appeal came in time, never that one is overdue (`lapses`).
APPEAL_RULES = [
    _case_rule("kl-khieu-nai", "discipline_appeal", "appeal", "disciplined", ["appealed"], 1,
               "month", start_condition="discipline_form",
               counted_from="discipline_notified", lapses=True, warn_days_before=0,
               reminder_every_days=0,
               note="Khiếu nại kỷ luật trong thời hạn một tháng kể từ ngày công bố quyết định "
                    "kỷ luật (Điều lệ Đảng; chưa xác nhận). Hết thời hạn mà không có khiếu "
                    "nại: thời hạn kết thúc là “hết thời hạn”, không phải quá hạn."),
]

DEFAULT_RULES += INSPECTION_RULES + SUPERVISION_RULES + APPEAL_RULES


def install_default_rules(rule_model, using="default"):
    """Create any shipped rule version that is missing; never touch existing rows."""
    for data in DEFAULT_RULES:
        data = dict(data)
        rule_model.objects.using(using).get_or_create(code=data.pop("code"),
                                         effective_from=data.pop("effective_from"),
                                         defaults=data)

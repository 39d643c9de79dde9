"""The deadline rules shipped with the product (domain.md, "Deadlines").

Installed after every `migrate` (and every flush) by `install_default_rules`, which only
adds missing versions, so a database always has them. Never edit a row here to follow a
change in the law: add a new entry with the same code and a later `effective_from`.

Each rule names its source (`source_article`, `source_title`, `source_date`) and whether
it was checked against the text itself (`confirmed`; the checked table of domain.md,
read from the Bộ pháp điển copies on 30/11/2026). Unconfirmed values are the best public
reading: the administrator sees that state and confirms a rule after reading the text;
users see only the legal basis, without "(chưa xác nhận)" on every deadline.

Corrections found in that check (and NĐ 155/2026, in force 1/7/2026) are new versions
effective 1/7/2026: clocks started before keep the rule they started with, and
`workflows/migrations/0009_recompute_since_july` moved the clocks of letters received
since then onto them. See docs/deadline-rules.md for the table.
"""
from datetime import date

LUAT_KHIEU_NAI = "Luật Khiếu nại số 02/2011/QH13"
LUAT_KHIEU_NAI_DATE = date(2011, 11, 11)
LUAT_TO_CAO = "Luật Tố cáo số 25/2018/QH14"
LUAT_TO_CAO_DATE = date(2018, 6, 12)
LUAT_TIEP_CONG_DAN = "Luật Tiếp công dân số 42/2013/QH13"
LUAT_TIEP_CONG_DAN_DATE = date(2013, 11, 25)
# The decree's own date was not in the checked copy: the rows citing it carry the law's
# date (the text they amend) until the administrator adds the decree's from the text.
ND_155 = "Nghị định 155/2026/NĐ-CP (sửa đổi Nghị định 124/2020/NĐ-CP)"
QD_296 = "Quy định 296-QĐ/TW"
QD_296_DATE = date(2025, 5, 30)
DIEU_LE = "Điều lệ Đảng Cộng sản Việt Nam"
DIEU_LE_DATE = date(2011, 1, 19)
LOCAL_RULE = "Quy định của cấp ủy (quy định nội bộ)"
# Corrections from the check of 30/11/2026 and the rules of NĐ 155/2026 take effect here.
JULY_2026 = date(2026, 7, 1)

# Events after which a letter needs no more work at this step.
CLOSING = ["resolved", "withdrawn", "filed"]
ROUTED = ["classified", "accepted", "transferred", "guided"] + CLOSING

DEFAULT_RULES = [
    dict(code="don-phan-loai", procedure="petition", step="classify",
         start_event="received", stop_events=ROUTED, length=10, unit="working",
         source_article="Điều 28 khoản 1 (Luật Tiếp công dân); Quy định 11-QĐi/TW",
         source_title="Luật Tiếp công dân số 42/2013/QH13", source_date=date(2013, 11, 25),
         confirmed=True,
         legal_basis="Quy định 11-QĐi/TW; Thông tư 05/2021/TT-TTCP",
         effective_from=date(2021, 11, 15),
         note="Phân loại, xử lý đơn và thông báo cho người gửi."),
    dict(code="to-cao-phan-loai", procedure="denunciation", step="classify",
         start_event="received", stop_events=ROUTED, length=7, unit="working",
         max_extensions=1, extension_length=3, extension_decided_by=["leader", "ubkt"],
         source_article="Điều 24 khoản 1", source_title=LUAT_TO_CAO, source_date=LUAT_TO_CAO_DATE,
         confirmed=True,
         legal_basis="Luật Tố cáo 2018, Điều 24", effective_from=date(2019, 1, 1),
         note="Kéo dài đến 10 ngày làm việc khi phải kiểm tra, xác minh ở nhiều nơi "
              "(chưa xác nhận)."),
    dict(code="khieu-nai-thu-ly", procedure="complaint", step="accept",
         start_event="received", stop_events=["accepted", "transferred", "guided"] + CLOSING,
         length=10, unit="calendar",
         source_article="Điều 27", source_title=LUAT_KHIEU_NAI, source_date=LUAT_KHIEU_NAI_DATE,
         confirmed=True,
         legal_basis="Luật Khiếu nại 2011, Điều 27", effective_from=date(2012, 7, 1)),
    dict(code="khieu-nai-giai-quyet-lan-dau", procedure="complaint", step="resolve",
         start_event="accepted", stop_events=CLOSING, length=30, unit="calendar",
         max_extensions=1, extension_length=15, extension_decided_by=["leader", "ubkt"],
         source_article="Điều 28", source_title=LUAT_KHIEU_NAI, source_date=LUAT_KHIEU_NAI_DATE,
         confirmed=True,
         legal_basis="Luật Khiếu nại 2011, Điều 28", effective_from=date(2012, 7, 1),
         note="Vụ việc phức tạp: không quá 45 ngày. Vùng sâu, vùng xa: 45 ngày, phức tạp "
              "60 ngày (chưa mô hình hóa)."),
    dict(code="khieu-nai-giai-quyet-lan-hai", procedure="complaint_second", step="resolve",
         start_event="accepted", stop_events=CLOSING, length=45, unit="calendar",
         max_extensions=1, extension_length=15, extension_decided_by=["leader", "ubkt"],
         source_article="Điều 37", source_title=LUAT_KHIEU_NAI, source_date=LUAT_KHIEU_NAI_DATE,
         confirmed=True,
         legal_basis="Luật Khiếu nại 2011, Điều 37", effective_from=date(2012, 7, 1),
         note="Vụ việc phức tạp: không quá 60 ngày; vùng sâu, vùng xa 60/70 ngày."),
    # As shipped: counted from the classification, a misreading of Điều 24(2) (kept, not
    # confirmed, for the clocks that started under it; corrected from 1/7/2026 below).
    dict(code="to-cao-chuyen-don", procedure="denunciation", step="transfer",
         start_event="classified", start_condition="competence_other",
         stop_events=["transferred", "guided"] + CLOSING, length=5, unit="working",
         source_article="Điều 24 khoản 2", source_title=LUAT_TO_CAO, source_date=LUAT_TO_CAO_DATE,
         confirmed=False,
         legal_basis="Luật Tố cáo 2018, Điều 24", effective_from=date(2019, 1, 1)),
    dict(code="to-cao-giai-quyet", procedure="denunciation", step="resolve",
         start_event="accepted", stop_events=CLOSING, length=30, unit="calendar",
         max_extensions=2, extension_length=30, extension_decided_by=["leader", "ubkt"],
         source_article="Điều 30 (Luật Tố cáo); Điều 3 (Nghị định 31/2019/NĐ-CP)",
         source_title=LUAT_TO_CAO, source_date=LUAT_TO_CAO_DATE, confirmed=True,
         legal_basis="Luật Tố cáo 2018, Điều 30", effective_from=date(2019, 1, 1),
         note="Phức tạp: gia hạn một lần, không quá 30 ngày; đặc biệt phức tạp: gia hạn "
              "hai lần, mỗi lần không quá 30 ngày; bằng quyết định."),
    dict(code="to-cao-dang-vien-giai-quyet", procedure="denunciation_member", step="resolve",
         start_event="accepted", stop_events=CLOSING, length=90, unit="working",
         max_extensions=1, extension_length=30, extension_decided_by=["leader", "ubkt"],
         source_article="Quy định 296-QĐ/TW; Hướng dẫn 08-HD/TW", source_title=QD_296,
         source_date=QD_296_DATE,
         legal_basis="Quy định 296-QĐ/TW ngày 30/5/2025 và Hướng dẫn 08-HD/TW",
         effective_from=date(2025, 5, 30),
         note="Tố cáo đảng viên, tổ chức đảng ở cơ sở (chưa xác nhận cho 2025–2026)."),
    dict(code="kien-nghi-tra-loi", procedure="recommendation", step="answer",
         start_event="received", stop_events=["transferred", "guided"] + CLOSING,
         length=15, unit="calendar",
         source_title=LOCAL_RULE,
         legal_basis="Quy định của cấp ủy (không có thời hạn luật định)",
         effective_from=date(2021, 1, 1),
         note="Quy định nội bộ, sửa được."),
    dict(code="don-don-doc", procedure="petition", step="chase",
         start_event="transferred", stop_events=["followed_up"] + CLOSING,
         length=15, unit="calendar", warn_days_before=0, reminder_every_days=7,
         source_title=LOCAL_RULE,
         legal_basis="Quy định của cấp ủy về theo dõi đơn đã chuyển",
         effective_from=date(2021, 1, 1),
         note="Theo dõi, đôn đốc cơ quan có thẩm quyền trả lời."),
    dict(code="don-don-doc-lai", procedure="petition", step="chase_again",
         start_event="followed_up", stop_events=["followed_up"] + CLOSING,
         length=7, unit="calendar", warn_days_before=0, reminder_every_days=7,
         source_title=LOCAL_RULE,
         legal_basis="Quy định của cấp ủy về theo dõi đơn đã chuyển",
         effective_from=date(2021, 1, 1),
         note="Sau mỗi lần đôn đốc, hạn đôn đốc tiếp theo."),
]


# ---- versions from 1/7/2026, and rules the check found missing -----------------------
ND_155_THU_LY = "Điều 10, sửa Điều 16 khoản 1 Nghị định 124/2020/NĐ-CP"
KN_STOPS_ACCEPT = ["accepted", "transferred", "guided"] + CLOSING
KN_BASIS_2026 = "Luật Khiếu nại 2011, Điều %s; Nghị định 155/2026/NĐ-CP"
COMPLEX_NOTE = ("Gia hạn chỉ khi vụ việc phức tạp, ghi nhận bằng văn bản (Nghị định "
                "155/2026/NĐ-CP Điều 3a); quyết định tạm đình chỉ dừng tính thời hạn, tính "
                "tiếp từ ngày có quyết định tiếp tục giải quyết.")


# The start event of a rule that starts when a clock of `step` of the same procedure passes
# its due date unmet (see workflows.sweep.start_after_elapsed).
ELAPSED = "%s_elapsed"
ELAPSED_NOTE = ("Tính từ ngày hết thời hạn giải quyết lần đầu mà khiếu nại không được giải "
                "quyết; có quyết định sau đó thì tính lại từ ngày nhận quyết định.")


def _kn(code, procedure, step, start_event, stop_events, length, unit, article, **extra):
    """A complaint rule of Luật Khiếu nại 2011 (confirmed against the text)."""
    extra.setdefault("legal_basis", f"Luật Khiếu nại 2011, Điều {article}")
    extra.setdefault("effective_from", date(2012, 7, 1))
    return dict(code=code, procedure=procedure, step=step, start_event=start_event,
                stop_events=stop_events, length=length, unit=unit,
                source_article=f"Điều {article}", source_title=LUAT_KHIEU_NAI,
                source_date=LUAT_KHIEU_NAI_DATE, confirmed=True, **extra)


def _kn_2026(code, procedure, step, start_event, stop_events, length, unit, article, **extra):
    """The same from 1/7/2026, when NĐ 155/2026 took effect (`nd_article`: its article)."""
    nd_article = extra.pop("nd_article", "Điều 3a")
    rule = _kn(code, procedure, step, start_event, stop_events, length, unit, article,
               legal_basis=KN_BASIS_2026 % article, effective_from=JULY_2026, **extra)
    rule["source_article"] = f"Điều {article} (Luật Khiếu nại); {nd_article} (Nghị định 155)"
    rule["source_title"] = f"{LUAT_KHIEU_NAI}; {ND_155}"
    return rule


def _kn_resolve(code, procedure, length, extension, article, remote):
    cond = {"start_condition": "remote_area"} if remote else {}
    ext = dict(max_extensions=1, extension_length=extension,
               extension_decided_by=["leader", "ubkt"])
    return [
        _kn(code, procedure, "resolve", "accepted", CLOSING, length, "calendar", article,
            **cond, **ext),
        _kn_2026(code, procedure, "resolve", "accepted", CLOSING, length, "calendar", article,
                 **cond, **ext, extension_needs_complex=True, may_suspend=True,
                 note=COMPLEX_NOTE),
    ]


RULES_2026 = [
    # Thụ lý, first and second instance: 10 days until 30/6/2026, then 07 working days
    # (NĐ 155/2026 Điều 10 rewrites NĐ 124/2020 Điều 16(1)).
    _kn_2026("khieu-nai-thu-ly", "complaint", "accept", "received", KN_STOPS_ACCEPT, 7,
             "working", "27", nd_article=ND_155_THU_LY,
             note="07 ngày làm việc kể từ ngày nhận đơn (từ 01/07/2026)."),
    _kn("khieu-nai-lan-hai-thu-ly", "complaint_second", "accept", "received",
        KN_STOPS_ACCEPT, 10, "calendar", "36"),
    _kn_2026("khieu-nai-lan-hai-thu-ly", "complaint_second", "accept", "received",
             KN_STOPS_ACCEPT, 7, "working", "36", nd_article=ND_155_THU_LY,
             note="07 ngày làm việc kể từ ngày nhận đơn (từ 01/07/2026)."),
    # Resolving: from 1/7/2026 the extension needs a case recorded as complex, and a
    # suspension pauses the clock; the remote-area variants (45/60, 60/70 days).
    _kn_resolve("khieu-nai-giai-quyet-lan-dau", "complaint", 30, 15, "28", False)[1],
    *_kn_resolve("khieu-nai-giai-quyet-lan-dau-vung-xa", "complaint", 45, 15, "28", True),
    _kn_resolve("khieu-nai-giai-quyet-lan-hai", "complaint_second", 45, 15, "37", False)[1],
    *_kn_resolve("khieu-nai-giai-quyet-lan-hai-vung-xa", "complaint_second", 60, 10, "37",
                 True),
    # The complainant's window for the second complaint: a right that lapses, not a duty
    # (Điều 33(1)). Counted from the day the decision was received, or (rows below) from the
    # end of the first-instance period when it passed without a decision.
    _kn("khieu-nai-thoi-han-lan-hai", "complaint", "second_window", "resolved",
        ["second_complaint"], 30, "calendar", "33 khoản 1", counted_from="decision_received",
        lapses=True, warn_days_before=0, reminder_every_days=0,
        note="Quyền của người khiếu nại: hết thời hạn mà không có đơn lần hai thì thời hạn "
             "kết thúc là “hết thời hạn”, không phải quá hạn."),
    _kn("khieu-nai-thoi-han-lan-hai-vung-xa", "complaint", "second_window", "resolved",
        ["second_complaint"], 45, "calendar", "33 khoản 1", counted_from="decision_received",
        start_condition="remote_area", lapses=True, warn_days_before=0,
        reminder_every_days=0, note="Vùng sâu, vùng xa: 45 ngày."),
    # The article's other start: the first-instance period (Điều 28, with its extension)
    # ended and no decision came. "resolve_elapsed" is no case event: the sweep starts these
    # when a running resolution clock of the same procedure passes its due date, counting
    # from that date (workflows.sweep.start_after_elapsed). A decision that comes later
    # ("resolved") ends this window and starts the one counted from its receipt, the start
    # the law names first (workflows.services.clocks.on_case_event).
    _kn("khieu-nai-thoi-han-lan-hai-het-han", "complaint", "second_window",
        ELAPSED % "resolve", ["second_complaint", "resolved"], 30, "calendar", "33 khoản 1",
        lapses=True, warn_days_before=0, reminder_every_days=0, note=ELAPSED_NOTE),
    _kn("khieu-nai-thoi-han-lan-hai-het-han-vung-xa", "complaint", "second_window",
        ELAPSED % "resolve", ["second_complaint", "resolved"], 45, "calendar", "33 khoản 1",
        start_condition="remote_area", lapses=True, warn_days_before=0,
        reminder_every_days=0, note="Vùng sâu, vùng xa: 45 ngày. " + ELAPSED_NOTE),
    # Tố cáo: the 10-working-day variant also when the check is delegated (Điều 24(1));
    # the transfer counted from receipt (Điều 24(2)).
    dict(code="to-cao-phan-loai", procedure="denunciation", step="classify",
         start_event="received", stop_events=ROUTED, length=7, unit="working",
         max_extensions=1, extension_length=3, extension_decided_by=["leader", "ubkt"],
         legal_basis="Luật Tố cáo 2018, Điều 24 khoản 1", effective_from=JULY_2026,
         source_article="Điều 24 khoản 1", source_title=LUAT_TO_CAO,
         source_date=LUAT_TO_CAO_DATE, confirmed=True,
         note="Kéo dài đến 10 ngày làm việc khi phải kiểm tra, xác minh ở nhiều địa điểm "
              "hoặc khi ủy quyền, giao cơ quan, tổ chức, cá nhân khác kiểm tra, xác minh."),
    dict(code="to-cao-chuyen-don", procedure="denunciation", step="transfer",
         start_event="classified", start_condition="competence_other",
         counted_from="received", stop_events=["transferred", "guided"] + CLOSING, length=5,
         unit="working", legal_basis="Luật Tố cáo 2018, Điều 24 khoản 2",
         effective_from=JULY_2026, source_article="Điều 24 khoản 2",
         source_title=LUAT_TO_CAO, source_date=LUAT_TO_CAO_DATE, confirmed=True,
         note="05 ngày làm việc kể từ ngày nhận đơn (bắt đầu theo dõi khi phân loại là "
              "không thuộc thẩm quyền)."),
    # Against a Party member: from receipt by the competent Party body (UBKTTW's published
    # answer); the 90 + 30 working days stay unconfirmed.
    dict(code="to-cao-dang-vien-giai-quyet", procedure="denunciation_member", step="resolve",
         start_event="accepted", counted_from="received", stop_events=CLOSING, length=90,
         unit="working", max_extensions=1, extension_length=30,
         extension_decided_by=["leader", "ubkt"], legal_basis=QD_296 + "; Hướng dẫn 08-HD/TW",
         effective_from=JULY_2026, source_article="Quy định 296-QĐ/TW; Hướng dẫn 08-HD/TW",
         source_title=QD_296, source_date=QD_296_DATE,
         note="Tính từ ngày cơ quan đảng có thẩm quyền nhận đơn; số ngày chưa xác nhận."),
    # The body that resolved a letter transferred to it reports the result back.
    dict(code="don-bao-cao-ket-qua", procedure="petition", step="report_back",
         start_event="resolved", start_condition="forwarded", stop_events=["reported_back"],
         length=7, unit="working", legal_basis="Luật Tiếp công dân 2013, Điều 27 khoản 2",
         effective_from=date(2014, 7, 1), source_article="Điều 27 khoản 2",
         source_title=LUAT_TIEP_CONG_DAN, source_date=LUAT_TIEP_CONG_DAN_DATE, confirmed=True,
         note="Đơn do cơ quan khác chuyển đến: báo cáo kết quả cho cơ quan đã chuyển trong "
              "07 ngày làm việc kể từ khi giải quyết xong."),
]
DEFAULT_RULES += RULES_2026

# ---- hand-off inside the system (issue 14) ---------------------------------------------
# A letter handed to a unit inside the system: what that unit does with it comes back to
# the sender's letter as "recipient_acted" (casework.services.handoff), which is the answer
# the follow-up waits for, so the chase stops by itself. New versions, not edits: from
# 01/07/2025, when the communes' registers begin (two-level local government); a clock
# started under the older version keeps it and stops when the sender's letter closes.
HANDOFF_FROM = date(2025, 7, 1)
HANDOFF_NOTE = ("Đơn chuyển đến đơn vị trong hệ thống: dừng khi đơn vị nhận đơn thụ lý, "
                "giải quyết, lưu, chuyển tiếp hoặc người gửi rút đơn tại đó (hệ thống tự ghi).")
DEFAULT_RULES += [
    dict(code="don-don-doc", procedure="petition", step="chase",
         start_event="transferred", stop_events=["followed_up", "recipient_acted"] + CLOSING,
         length=15, unit="calendar", warn_days_before=0, reminder_every_days=7,
         source_title=LOCAL_RULE,
         legal_basis="Quy định của cấp ủy về theo dõi đơn đã chuyển",
         effective_from=HANDOFF_FROM,
         note="Theo dõi, đôn đốc cơ quan có thẩm quyền trả lời. " + HANDOFF_NOTE),
    dict(code="don-don-doc-lai", procedure="petition", step="chase_again",
         start_event="followed_up", stop_events=["followed_up", "recipient_acted"] + CLOSING,
         length=7, unit="calendar", warn_days_before=0, reminder_every_days=7,
         source_title=LOCAL_RULE,
         legal_basis="Quy định của cấp ủy về theo dõi đơn đã chuyển",
         effective_from=HANDOFF_FROM,
         note="Sau mỗi lần đôn đốc, hạn đôn đốc tiếp theo. " + HANDOFF_NOTE),
]

# ---- inspection and supervision cases ---------------------------------------------------
# Quy định 296-QĐ/TW (30/5/2025) and its guidance set the steps; the number of days for each
# step below is our best reading, not confirmed: they are data, editable in the admin
# (a new version with a later effective_from when the committee fixes them).
# The state (unconfirmed) is a field the administrator sees, not words in the basis every
# user reads on every case deadline.
CASE_BASIS = "Quy định 296-QĐ/TW; Hướng dẫn 08-HD/TW"
CASE_FROM = date(2025, 5, 30)
CASE_NOTE = "Số ngày chưa xác nhận; sửa trong trang quản trị khi có quy định của cấp ủy."
DECIDERS = ["ubkt", "branch_secretary", "leader"]
AFTER_NOTICE_STOPS = ["discipline_opened", "remediation", "archived"]


def _case_rule(code, procedure, step, start_event, stop_events, length, unit="working",
               **extra):
    extra.setdefault("note", CASE_NOTE)
    extra.setdefault("legal_basis", CASE_BASIS)
    extra.setdefault("effective_from", CASE_FROM)
    extra.setdefault("source_article", "Quy định 296-QĐ/TW; Hướng dẫn 08-HD/TW (thủ tục "
                                       "kiểm tra, giám sát)")
    extra.setdefault("source_title", QD_296)
    extra.setdefault("source_date", QD_296_DATE)
    return dict(code=code, procedure=procedure, step=step, start_event=start_event,
                stop_events=stop_events, length=length, unit=unit, **extra)


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
DIEU_LE_BASIS = "Điều lệ Đảng, Điều 39 khoản 7"
APPEAL_RULES = [
    # As shipped in 2025: counted from the announcement, a misreading (kept for the clocks
    # that started under it).
    _case_rule("kl-khieu-nai", "discipline_appeal", "appeal", "disciplined", ["appealed"], 1,
               "month", start_condition="discipline_form",
               counted_from="discipline_notified", lapses=True, warn_days_before=0,
               reminder_every_days=0, source_title=DIEU_LE, source_article="Điều 39 khoản 7",
               source_date=DIEU_LE_DATE,
               note="Khiếu nại kỷ luật trong thời hạn một tháng kể từ ngày công bố quyết định "
                    "kỷ luật (Điều lệ Đảng; chưa xác nhận). Hết thời hạn mà không có khiếu "
                    "nại: thời hạn kết thúc là “hết thời hạn”, không phải quá hạn."),
    _case_rule("kl-khieu-nai", "discipline_appeal", "appeal", "disciplined", ["appealed"], 1,
               "month", start_condition="discipline_form",
               counted_from="discipline_received", lapses=True, warn_days_before=0,
               reminder_every_days=0, legal_basis=DIEU_LE_BASIS, source_title=DIEU_LE,
               source_article="Điều 39 khoản 7", source_date=DIEU_LE_DATE, confirmed=True,
               effective_from=JULY_2026,
               note="Một tháng kể từ ngày NHẬN quyết định kỷ luật (Điều lệ Đảng Điều 39(7)); "
                    "có ý kiến đọc là 30 ngày làm việc. Hết thời hạn mà không có khiếu nại: "
                    "“hết thời hạn”, không phải quá hạn."),
]

DEFAULT_RULES += INSPECTION_RULES + SUPERVISION_RULES + APPEAL_RULES


SOURCE_BLANK = {"source_article": "", "source_title": "", "source_date": None,
                "confirmed": False}


def install_default_rules(rule_model, using="default"):
    """Create any shipped rule version that is missing. An existing row is never changed,
    except that a row installed before rules carried their source gets it (once: a row
    with a source, e.g. one the administrator confirmed, is left as it is)."""
    for data in DEFAULT_RULES:
        data = dict(data)
        rule, created = rule_model.objects.using(using).get_or_create(
            code=data.pop("code"), effective_from=data.pop("effective_from"), defaults=data)
        if not created and not rule.source_title and data.get("source_title"):
            for name, blank in SOURCE_BLANK.items():
                setattr(rule, name, data.get(name, blank))
            rule.save(update_fields=list(SOURCE_BLANK))

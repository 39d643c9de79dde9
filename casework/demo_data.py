"""Demo data for `manage.py load_demo`: the commune of Kè Sắt and its 2025 letters.

The figures reproduce the section "Về tiếp nhận, xử lý đơn thư" of the 2025 year-end
report: the Party office received 17 letters (01 tố cáo, 05 khiếu nại, 11 kiến nghị), all
transferred to competent bodies; 03 withdrawn, 02 filed, 08 resolved, 04 kiến nghị still
under consideration. The UBKT received 01 anonymous kiến nghị, filed for monitoring.

The report spells the commune three ways; the system uses one: "Kè Sắt". People, addresses,
document numbers and contents are invented. Dates are written dd/mm/yyyy and are all
working days of 2025, after the commune was founded on 01/07/2025.
"""
from casework.models import (
    Channel,
    Competence,
    FiledReason,
    MemberStatus,
    OrgKind,
    OutsideBodyKind,
    PetitionKind,
    Role,
)

DEMO_PASSWORD = "KeSat@2025demo"
YEAR = 2025

# (code, name, kind, parent code) — parents listed before their children.
ORGANISATIONS = [
    ("hai-phong", "Đảng bộ thành phố Hải Phòng", OrgKind.PROVINCE, None),
    ("ke-sat", "Đảng bộ xã Kè Sắt", OrgKind.COMMUNE, "hai-phong"),
    ("van-phong", "Văn phòng Đảng ủy", OrgKind.AGENCY, "ke-sat"),
    ("ubkt", "Ủy ban Kiểm tra Đảng ủy", OrgKind.AGENCY, "ke-sat"),
] + [
    (code, f"Chi bộ {name}", OrgKind.BRANCH, "ke-sat")
    for code, name in [
        ("thcs-ke-sat", "Trường THCS Kè Sắt"),
        ("th-ke-sat", "Trường Tiểu học Kè Sắt"),
        ("mn-ke-sat", "Trường Mầm non Kè Sắt"),
        ("hoa-che", "thôn Hòa Ché"),
        ("th-vinh-hong", "Trường Tiểu học Vĩnh Hồng"),
        ("th-vinh-hung", "Trường Tiểu học Vĩnh Hưng"),
        ("thcs-vinh-hong", "Trường THCS Vĩnh Hồng"),
        ("thpt-ke-sat", "Trường THPT Kè Sắt"),
        ("me-vang", "Me Vàng"),
        ("mn-vinh-hung", "Trường Mầm non Vĩnh Hưng"),
        ("vinh-lai", "Vĩnh Lại"),
        ("thon-lai", "thôn Lại"),
        ("co-quan-dang", "các cơ quan Đảng"),
        ("ho-lieu", "thôn Hồ Liễu"),
        ("ly-dong", "thôn Lý Đông"),
        ("thon-3", "thôn 3"),
        ("thon-trung", "thôn Trung"),
        ("ngoc-mai", "thôn Ngọc Mai"),
    ]
]

# Symbols as the units' documents write them ("05-TB/UBKT"); casework.numbers puts them on
# every number: 001/2025/VPĐU. A unit not listed takes its code in capitals (Organisation.save).
SYMBOLS = {"hai-phong": "TU", "ke-sat": "ĐU", "van-phong": "VPĐU", "ubkt": "UBKT"}

FULL, PROBATIONARY = MemberStatus.FULL, MemberStatus.PROBATIONARY

# branch code → [(full name, birth year, status)]
MEMBERS = {
    "hoa-che": [
        ("Nguyễn Văn Bình", 1968, FULL),
        ("Lê Thị Thanh", 1975, FULL),
        ("Phạm Văn Cường", 1962, FULL),
        ("Đỗ Văn Hải", 1990, FULL),
        ("Vũ Thị Ngọc", 1998, PROBATIONARY),
    ],
    "thon-lai": [
        ("Bùi Văn Tuấn", 1970, FULL),
        ("Nguyễn Thị Liên", 1981, FULL),
        ("Hoàng Văn Long", 1959, FULL),
        ("Trần Văn Khoa", 1996, PROBATIONARY),
    ],
    "thon-3": [
        ("Trần Thị Hạnh", 1972, FULL),
        ("Vũ Văn Dũng", 1965, FULL),
        ("Lê Văn Minh", 1988, FULL),
    ],
    "thcs-ke-sat": [
        ("Nguyễn Thị Thu Hà", 1979, FULL),
        ("Phạm Văn Tùng", 1983, FULL),
        ("Đặng Thị Hương", 1990, FULL),
        ("Lương Văn Nam", 1999, PROBATIONARY),
    ],
    "th-ke-sat": [
        ("Hoàng Thị Yến", 1977, FULL),
        ("Nguyễn Văn Toản", 1985, FULL),
        ("Trần Thị Mai Anh", 1993, FULL),
    ],
    "me-vang": [
        ("Đinh Văn Sáu", 1960, FULL),
        ("Phạm Thị Dung", 1974, FULL),
        ("Nguyễn Văn Hưng", 1987, FULL),
    ],
}

# (username, full name, role or None for the administrator, organisation code)
USERS = [
    ("vanphong", "Nguyễn Thị Hoa", Role.CLERK, "van-phong"),
    ("ubkt", "Phạm Văn Thành", Role.UBKT, "ubkt"),
    ("bithu.hoache", "Lê Văn Hậu", Role.BRANCH_SECRETARY, "hoa-che"),
    # The branch that 016/2025 is handed to inside the system (issue 14).
    ("bithu.thon3", "Vũ Văn Dũng", Role.BRANCH_SECRETARY, "thon-3"),
    ("lanhdao", "Trần Văn Quyết", Role.LEADER, "ke-sat"),
    ("xem", "Đỗ Thị Lụa", Role.VIEWER, "ke-sat"),
    ("quantri", "Quản trị hệ thống", None, None),
    ("quantri2", "Quản trị hệ thống (người phê duyệt thứ hai)", None, None),
]
# Accounts cleared to see denouncers' identities. The branch secretary, the read-only
# account and the administrators are not, so the demo shows the mask too. Clearance takes
# two administrators (casework.services.clearance): the demo's is asked for by
# CLEARANCE_REQUESTED_BY and approved by CLEARANCE_APPROVED_BY, as an office would.
IDENTITY_CLEARED = {"vanphong", "ubkt", "lanhdao"}
CLEARANCE_REQUESTED_BY, CLEARANCE_APPROVED_BY = "quantri", "quantri2"
CLEARANCE_REASON = "Được Thường trực Đảng ủy giao tiếp nhận, giải quyết đơn tố cáo (dữ liệu mẫu)."

TO_CAO, KHIEU_NAI, KIEN_NGHI = (
    PetitionKind.DENUNCIATION, PetitionKind.COMPLAINT, PetitionKind.RECOMMENDATION)
XA = "xã Kè Sắt, thành phố Hải Phòng"
UBND = "UBND xã Kè Sắt"
RAILWAY = "dự án đường sắt Lào Cai - Hà Nội - Hải Phòng"


# The directory of outside bodies letters go to (casework.models.OutsideBody): the commune's
# own for its units (code of the unit they are offered to), the district-level ones for all.
OUTSIDE_BODIES = [
    ("UBND xã Kè Sắt", OutsideBodyKind.GOVERNMENT, "ke-sat"),
    ("Phòng Kinh tế UBND xã Kè Sắt", OutsideBodyKind.GOVERNMENT, "ke-sat"),
    ("Công an xã Kè Sắt", OutsideBodyKind.POLICE, "ke-sat"),
    ("Ủy ban Mặt trận Tổ quốc Việt Nam xã Kè Sắt", OutsideBodyKind.FRONT, "ke-sat"),
    ("Tòa án nhân dân khu vực 7 - Hải Phòng", OutsideBodyKind.COURT, None),
    ("Viện kiểm sát nhân dân khu vực 7 - Hải Phòng", OutsideBodyKind.PROCURACY, None),
    ("Thanh tra thành phố Hải Phòng", OutsideBodyKind.INSPECTORATE, None),
]


def _addr(village):
    return f"{village}, {XA}"


# Letters received by the Party office (Văn phòng Đảng ủy), in received order; the service
# numbers them 001/2025 … 017/2025. Each step is (date, …); the loader gives each event a
# time of day on that date. Outcomes:
#   ("resolved", answer doc number, answer doc date, date recorded, result)
#   ("withdrawn", date of the withdrawal letter, date recorded, reason)
#   ("filed", date filed, FiledReason, reason)      — filing is a leader's decision
#   None                                            — still under consideration
OFFICE_LETTERS = [
    dict(  # 001/2025
        received="08/07/2025", channel=Channel.DIRECT, kind=KIEN_NGHI,
        senders=[("Trần Văn Thắng", _addr("Thôn Hòa Ché"))],
        summary="Kiến nghị sửa chữa tuyến đường trục thôn Hòa Ché, đoạn từ nhà văn hóa thôn "
                "đến ngã ba giáp thôn Trung bị xuống cấp, nhiều ổ gà, ngập nước khi mưa, "
                "gây mất an toàn giao thông.",
        classified="09/07/2025", transferred=("10/07/2025", UBND, "05-CV/ĐU"),
        outcome=("resolved", "112/UBND-KT", "20/08/2025", "22/08/2025",
                 "UBND xã trả lời: tuyến đường đã đưa vào kế hoạch duy tu, bảo dưỡng năm 2025; "
                 "đã vá ổ gà, khơi thông rãnh thoát nước trong tháng 8/2025. Người kiến nghị "
                 "nhất trí với kết quả."),
    ),
    dict(  # 002/2025
        received="21/07/2025", channel=Channel.POST, kind=KHIEU_NAI,
        senders=[("Phạm Thị Lan", _addr("Thôn Lý Đông"))],
        summary=f"Khiếu nại việc xác định diện tích đất nông nghiệp của gia đình bị thu hồi để "
                f"thực hiện {RAILWAY} ít hơn diện tích thực tế sử dụng (chênh lệch khoảng "
                f"120 m²).",
        subject_name="Hội đồng bồi thường, hỗ trợ và tái định cư xã Kè Sắt",
        classified="22/07/2025", transferred=("24/07/2025", UBND, "09-CV/ĐU"),
        follow_ups=[("25/08/2025", "Đôn đốc qua điện thoại bộ phận địa chính UBND xã; được "
                                   "trả lời đang đo đạc lại thửa đất.", "")],
        outcome=("resolved", "215/QĐ-UBND", "26/09/2025", "29/09/2025",
                 "Chủ tịch UBND xã ban hành quyết định giải quyết khiếu nại lần đầu: đo đạc lại, "
                 "công nhận bổ sung 96 m² vào phương án bồi thường. Bà Lan nhất trí."),
    ),
    dict(  # 003/2025
        received="04/08/2025", channel=Channel.CITIZEN_RECEPTION, kind=KIEN_NGHI,
        senders=[("Nguyễn Văn Hùng", _addr("Thôn Ngọc Mai"))],
        summary="Kiến nghị lắp đặt đèn chiếu sáng công cộng trên tuyến đường liên thôn Ngọc Mai "
                "- Hồ Liễu; buổi tối không có đèn, đã xảy ra va chạm giao thông.",
        classified="05/08/2025", transferred=("07/08/2025", UBND, "14-CV/ĐU"),
        follow_ups=[
            ("08/09/2025", "Đôn đốc qua điện thoại bộ phận kinh tế UBND xã; được trả lời đang "
                           "lập dự toán, chờ bố trí vốn.", ""),
            ("10/11/2025", "Văn bản đôn đốc UBND xã Kè Sắt sớm xem xét, trả lời kiến nghị.",
             "55-CV/ĐU"),
        ],
        outcome=None,
    ),
    dict(  # 004/2025
        received="15/08/2025", channel=Channel.DIRECT, kind=KHIEU_NAI,
        senders=[("Vũ Văn Tám", _addr("Thôn 3"))],
        summary="Khiếu nại việc xác định ranh giới đất giữa gia đình với hộ liền kề khi đo đạc "
                "lại bản đồ địa chính, cho rằng bị lấn khoảng 1,5 m mặt đường.",
        classified="18/08/2025", transferred=("20/08/2025", UBND, "18-CV/ĐU"),
        outcome=("withdrawn", "15/09/2025", "16/09/2025",
                 "Ông Tám có đơn xin rút khiếu nại do hai gia đình đã hòa giải thành tại Tổ hòa "
                 "giải thôn 3."),
    ),
    dict(  # 005/2025
        received="27/08/2025", channel=Channel.POST, kind=KIEN_NGHI,
        senders=[("Đỗ Thị Hằng", _addr("Thôn Trung"))],
        summary="Kiến nghị xem xét các khoản thu đầu năm học 2025-2026 tại Trường THCS Kè Sắt "
                "(quỹ phụ huynh, tiền nước uống, tiền trông xe); đề nghị công khai và không thu "
                "các khoản ngoài quy định.",
        subject_name="Trường THCS Kè Sắt",
        classified="28/08/2025", transferred=("29/08/2025", "Trường THCS Kè Sắt", "23-CV/ĐU"),
        outcome=("resolved", "46/CV-THCS", "19/09/2025", "22/09/2025",
                 "Nhà trường họp phụ huynh, công khai các khoản thu, bỏ khoản thu tiền trông xe; "
                 "các khoản còn lại thu theo thỏa thuận tự nguyện. Đã trả lời bà Hằng bằng văn "
                 "bản."),
    ),
    dict(  # 006/2025 — the one tố cáo, about a named Party member
        received="05/09/2025", channel=Channel.POST, kind=TO_CAO,
        senders=[("Lê Văn Quang", _addr("Thôn Hòa Ché"))],
        summary="Tố cáo ông Nguyễn Văn Bình, đảng viên Chi bộ thôn Hòa Ché, trong thời gian làm "
                "trưởng thôn đã thu tiền đóng góp làm đường bê tông ngõ xóm nhưng không công "
                "khai thu, chi, không họp dân quyết toán.",
        subject_name="Ông Nguyễn Văn Bình, trưởng thôn Hòa Ché",
        subject_member=("hoa-che", "Nguyễn Văn Bình"), subject_organisation="hoa-che",
        classified="08/09/2025",
        transferred=("10/09/2025", "Ủy ban Kiểm tra Đảng ủy", "27-CV/ĐU"),
        follow_ups=[("20/10/2025", "Trao đổi trực tiếp với UBKT Đảng ủy về tiến độ xác minh "
                                   "nội dung tố cáo.", "")],
        outcome=("resolved", "12-TB/UBKT", "28/11/2025", "01/12/2025",
                 "UBKT Đảng ủy kết luận: việc thu, chi có chứng từ nhưng chưa công khai kịp thời; "
                 "tố cáo đúng một phần. Đồng chí Nguyễn Văn Bình đã kiểm điểm, công khai quyết "
                 "toán trước nhân dân thôn; Chi bộ nhắc nhở, rút kinh nghiệm."),
    ),
    dict(  # 007/2025
        received="16/09/2025", channel=Channel.FORWARDED,
        forwarded_by="Ủy ban Mặt trận Tổ quốc Việt Nam xã Kè Sắt", kind=KIEN_NGHI,
        senders=[("Hoàng Văn Sơn", _addr("Thôn Hồ Liễu"))],
        summary=f"Kiến nghị xem xét mức hỗ trợ di chuyển mồ mả và hỗ trợ ổn định đời sống cho "
                f"các hộ thôn Hồ Liễu có đất bị thu hồi để giải phóng mặt bằng {RAILWAY}; đề "
                f"nghị niêm yết công khai phương án bồi thường tại nhà văn hóa thôn.",
        classified="17/09/2025", transferred=("19/09/2025", UBND, "31-CV/ĐU"),
        follow_ups=[
            ("20/10/2025", "Đôn đốc qua điện thoại Hội đồng bồi thường, hỗ trợ và tái định cư "
                           "xã.", ""),
            ("08/12/2025", "Văn bản đôn đốc UBND xã Kè Sắt trả lời kiến nghị của nhân dân thôn "
                           "Hồ Liễu.", "69-CV/ĐU"),
        ],
        outcome=None,
    ),
    dict(  # 008/2025
        received="29/09/2025", channel=Channel.CITIZEN_RECEPTION, kind=KHIEU_NAI,
        senders=[("Bùi Văn Khải", _addr("Thôn Lại"))],
        summary="Khiếu nại việc gia đình không có tên trong danh sách hộ cận nghèo năm 2025 dù "
                "thu nhập bình quân dưới chuẩn; cho rằng cuộc họp bình xét ở thôn Lại không "
                "đúng quy trình.",
        classified="30/09/2025", transferred=("02/10/2025", UBND, "36-CV/ĐU"),
        outcome=("resolved", "248/QĐ-UBND", "31/10/2025", "03/11/2025",
                 "Chủ tịch UBND xã ban hành quyết định giải quyết khiếu nại lần đầu: rà soát lại, "
                 "gia đình ông Khải đủ điều kiện, được bổ sung vào danh sách hộ cận nghèo."),
    ),
    dict(  # 009/2025 — same sender and content as 001/2025: shows the đơn trùng hint
        received="07/10/2025", channel=Channel.DIRECT, kind=KIEN_NGHI,
        senders=[("Trần Văn Thắng", _addr("Thôn Hòa Ché"))],
        summary="Kiến nghị sửa chữa đường trục thôn Hòa Ché đoạn từ nhà văn hóa thôn đến ngã ba "
                "giáp thôn Trung bị xuống cấp, nhiều ổ gà, ngập nước khi mưa.",
        classified="08/10/2025", transferred=("10/10/2025", UBND, "40-CV/ĐU"),
        outcome=("filed", "24/10/2025", FiledReason.DUPLICATE,
                 "UBND xã có văn bản số 130/UBND-KT ngày 22/10/2025 cho biết nội dung đã được trả "
                 "lời tại văn bản số 112/UBND-KT ngày 20/08/2025 (đơn số 001/2025); lưu đơn do "
                 "trùng nội dung đã giải quyết."),
    ),
    dict(  # 010/2025
        received="14/10/2025", channel=Channel.POST, kind=KHIEU_NAI,
        senders=[("Nguyễn Thị Mai", _addr("Thôn Ngọc Mai"))],
        summary=f"Khiếu nại đơn giá bồi thường cây trồng, hoa màu trên diện tích đất bị thu hồi "
                f"thực hiện {RAILWAY}, cho rằng áp giá thấp hơn thực tế.",
        subject_name="Hội đồng bồi thường, hỗ trợ và tái định cư xã Kè Sắt",
        classified="15/10/2025", transferred=("17/10/2025", UBND, "43-CV/ĐU"),
        outcome=("withdrawn", "12/11/2025", "13/11/2025",
                 "Bà Mai có đơn xin rút khiếu nại sau khi được Hội đồng bồi thường giải thích, "
                 "kiểm đếm bổ sung và điều chỉnh đơn giá."),
    ),
    dict(  # 011/2025
        received="23/10/2025", channel=Channel.FORWARDED, forwarded_by="Hội Nông dân xã Kè Sắt",
        kind=KIEN_NGHI,
        senders=[("Đặng Văn Lực", _addr("Thôn Trung"))],
        summary="Kiến nghị nạo vét kênh tưới tiêu nội đồng cánh đồng thôn Trung bị bồi lắng, "
                "ảnh hưởng đến sản xuất vụ Đông và vụ Xuân.",
        classified="24/10/2025",
        transferred=("27/10/2025", "Phòng Kinh tế UBND xã Kè Sắt", "47-CV/ĐU"),
        outcome=("resolved", "35/PKT", "05/12/2025", "08/12/2025",
                 "Phòng Kinh tế phối hợp Hợp tác xã nông nghiệp nạo vét 1,2 km kênh, hoàn thành "
                 "trước vụ Xuân; đã thông báo cho người kiến nghị."),
    ),
    dict(  # 012/2025
        received="03/11/2025", channel=Channel.POST, kind=KIEN_NGHI,
        senders=[("Lương Thị Thu", _addr("Thôn Lại"))],
        summary="Kiến nghị đẩy nhanh việc cấp giấy chứng nhận quyền sử dụng đất cho thửa đất ở "
                "đã nộp hồ sơ từ năm 2023.",
        classified="04/11/2025", transferred=("06/11/2025", UBND, "52-CV/ĐU"),
        outcome=("filed", "01/12/2025", FiledReason.ANSWERED,
                 "UBND xã trả lại đơn: giấy chứng nhận quyền sử dụng đất của bà Thu đã được cấp "
                 "ngày 28/10/2025, trước ngày gửi đơn; lưu đơn."),
    ),
    dict(  # 013/2025
        received="12/11/2025", channel=Channel.DIRECT, kind=KHIEU_NAI,
        senders=[("Đinh Văn Phúc", _addr("Thôn Hồ Liễu"))],
        summary="Khiếu nại việc Công an xã Kè Sắt giải quyết vụ xô xát giữa gia đình với hộ "
                "hàng xóm chưa khách quan, chưa xử lý người gây thương tích.",
        subject_name="Công an xã Kè Sắt",
        classified="13/11/2025", transferred=("14/11/2025", "Công an xã Kè Sắt", "58-CV/ĐU"),
        outcome=("resolved", "27/TB-CAX", "12/12/2025", "15/12/2025",
                 "Trưởng Công an xã trả lời: đã xác minh lại, lập biên bản và xử phạt vi phạm "
                 "hành chính người gây thương tích theo quy định. Ông Phúc nhất trí."),
    ),
    dict(  # 014/2025
        received="20/11/2025", channel=Channel.CITIZEN_RECEPTION, kind=KIEN_NGHI,
        senders=[("Vũ Thị Nga", _addr("Thôn 3"))],
        summary="Kiến nghị xử lý trại chăn nuôi lợn gần khu dân cư thôn 3 xả nước thải ra mương "
                "chung, gây mùi hôi, ô nhiễm môi trường.",
        classified="21/11/2025", transferred=("24/11/2025", UBND, "62-CV/ĐU"),
        outcome=("resolved", "301/UBND-KT", "16/12/2025", "17/12/2025",
                 "UBND xã kiểm tra, yêu cầu chủ trại xây bể biogas, dừng xả thải ra mương chung; "
                 "giao thôn 3 giám sát việc khắc phục."),
    ),
    dict(  # 015/2025 — signed by several people
        received="28/11/2025", channel=Channel.POST, kind=KIEN_NGHI,
        senders=[("Nguyễn Văn Đức", _addr("Thôn Lý Đông")),
                 ("Trần Thị Bích", _addr("Thôn Lý Đông")),
                 ("Phạm Văn Hòa", _addr("Thôn Lý Đông"))],
        summary=f"Kiến nghị của 15 hộ dân thôn Lý Đông: đề nghị bố trí đường gom và hầm chui dân "
                f"sinh khi thi công {RAILWAY} qua cánh đồng thôn, bảo đảm người dân đi lại sản "
                f"xuất.",
        classified="01/12/2025", transferred=("03/12/2025", UBND, "66-CV/ĐU"),
        follow_ups=[("22/12/2025", "Đôn đốc qua điện thoại; UBND xã cho biết đã tổng hợp, kiến "
                                   "nghị chủ đầu tư dự án.", "")],
        outcome=None,
    ),
    dict(  # 016/2025 — about a member's conduct
        received="05/12/2025", channel=Channel.DIRECT, kind=KIEN_NGHI,
        senders=[("Phạm Văn Toàn", _addr("Thôn 3"))],
        summary="Kiến nghị xem xét việc đảng viên Trần Thị Hạnh (Chi bộ thôn 3) dựng lều quán "
                "lấn chiếm hành lang đường giao thông liên thôn để kinh doanh, gây cản trở đi "
                "lại.",
        subject_name="Bà Trần Thị Hạnh, thôn 3",
        subject_member=("thon-3", "Trần Thị Hạnh"), subject_organisation="thon-3",
        classified="08/12/2025", transferred=("09/12/2025", "Chi bộ thôn 3", "71-CV/ĐU"),
        # Handed to the branch inside the system: the letter is in its register (its own
        # number), the branch takes it on, and the withdrawal the sender then sends to the
        # branch closes the office's letter by itself. Withdrawn, as the report counts it
        # (03 withdrawn): the office's figures stay those of the report.
        handed_to="thon-3",
        branch=dict(classified="10/12/2025", accepted=("11/12/2025", "01-TB/CB")),
        outcome=("withdrawn", "19/12/2025", "22/12/2025",
                 "Ông Toàn có đơn xin rút kiến nghị do bà Hạnh đã tự tháo dỡ lều quán, trả lại "
                 "hành lang giao thông."),
    ),
    dict(  # 017/2025
        received="15/12/2025", channel=Channel.FORWARDED,
        forwarded_by="Văn phòng Thành ủy Hải Phòng",
        kind=KIEN_NGHI,
        senders=[("Lê Thị Hồng", _addr("Thôn Ngọc Mai"))],
        summary="Kiến nghị của phụ huynh học sinh về việc tăng mức thu tiền ăn và tiền chăm sóc "
                "bán trú tại Trường Mầm non Vĩnh Hưng từ học kỳ II; đề nghị xem xét mức thu phù "
                "hợp với thu nhập của người dân.",
        subject_name="Trường Mầm non Vĩnh Hưng",
        classified="16/12/2025", transferred=("17/12/2025", UBND, "75-CV/ĐU"),
        outcome=None,
    ),
]

# The UBKT's one letter: anonymous, so not handled as such, kept for monitoring.
UBKT_LETTER = dict(
    received="20/10/2025", channel=Channel.POST, kind=KIEN_NGHI,
    summary="Đơn giấu tên kiến nghị Ủy ban Kiểm tra Đảng ủy xem xét việc quản lý, sử dụng quỹ "
            "xây dựng nhà văn hóa thôn Lại; cho rằng một số đảng viên trong Ban phát triển thôn "
            "chưa công khai các khoản chi.",
    subject_organisation="thon-lai",
    classified=("21/10/2025", Competence.HERE,
                "Đơn giấu tên, nội dung chưa nêu cụ thể người, việc vi phạm."),
    filed=("23/10/2025", FiledReason.MONITORING,
           "Lưu đơn để tiếp tục theo dõi, nắm tình hình do đơn giấu tên."),
)

"""Demo data for `manage.py load_demo_inspections`: the inspections and supervisions of Kè
Sắt, 2025 as the year-end report has them, and the current year's programme under way.

2025 (section "Công tác kiểm tra, giám sát" of the report; the commune was founded on
01/07/2025 and did no inspection in the first half, so everything falls in Q3–Q4):
- the branches inspected 31 members and supervised 39 (per branch in BRANCH_2025, from the
  report's footnotes ¹ and ²), one case per member, the branch conducting it;
- the UBKT inspected 02 lower organisations on their inspection duties, 02 on enforcing
  discipline, 01 on Party finance, and supervised 01 member (UBKT_2025);
- the Ban Chấp hành supervised 04 branches: one case with four subjects (EXECUTIVE_2025).
Each comes from an item of its body's 2025 programme; all were concluded and archived.

The current year: a programme each for the UBKT, the Ban Chấp hành and three branches, with
cases at various steps (dates counted back from today), one past the end date its decision
set, one opened ad hoc, one that found a violation and waits on its discipline decision,
and items not started yet (CURRENT). Like every demo case, each is back-filled: its
history is written first, its process started afterwards on its current step.

People, document numbers and contents are invented; the branches are load_demo's.
"""
from django.db.models import Count

from casework.formatting import count_text, date_text, rate_text
from casework.models import (
    CaseStatus,
    CaseSubject,
    InspectionCase,
    InspectionKind,
    InspectionProgramme,
    Organisation,
)
from casework.models import InspectionKind as K
from casework.models.inspections import OPEN_CASE_STATUSES
from casework.selectors.programme import CONCLUDED_STATUSES, Figures, programmes_progress

YEAR = 2025

# Extra accounts: the secretary of each branch that runs a case, and a second UBKT member
# for the teams. (username, full name, role, organisation code); password: DEMO_PASSWORD.
USERS = [
    ("ubkt.trang", "Vũ Thị Thu Trang", "ubkt", "ubkt"),
    ("bithu.thcskesat", "Nguyễn Văn Đức", "branch_secretary", "thcs-ke-sat"),
    ("bithu.thkesat", "Phạm Thị Thu Hiền", "branch_secretary", "th-ke-sat"),
    ("bithu.mnkesat", "Trần Thị Loan", "branch_secretary", "mn-ke-sat"),
    ("bithu.thvinhhong", "Đỗ Thị Nhung", "branch_secretary", "th-vinh-hong"),
    ("bithu.thvinhhung", "Vũ Thị Hồng Nhung", "branch_secretary", "th-vinh-hung"),
    ("bithu.thcsvinhhong", "Hoàng Văn Chiến", "branch_secretary", "thcs-vinh-hong"),
    ("bithu.thptkesat", "Lê Thị Minh Phương", "branch_secretary", "thpt-ke-sat"),
    ("bithu.mevang", "Đinh Văn Quý", "branch_secretary", "me-vang"),
    ("bithu.mnvinhhung", "Nguyễn Thị Thoa", "branch_secretary", "mn-vinh-hung"),
    ("bithu.vinhlai", "Phạm Văn Lộc", "branch_secretary", "vinh-lai"),
    ("bithu.thonlai", "Bùi Văn Tiến", "branch_secretary", "thon-lai"),
    ("bithu.cqd", "Lương Văn Hòa", "branch_secretary", "co-quan-dang"),
]
SECRETARY = {org: username for username, _, role, org in USERS if role == "branch_secretary"}
SECRETARY["hoa-che"] = "bithu.hoache"  # load_demo's

# Branch → (members inspected, members supervised) in 2025: the report's footnotes.
BRANCH_2025 = {
    "thcs-ke-sat": (3, 2),
    "th-ke-sat": (10, 9),
    "mn-ke-sat": (3, 4),
    "hoa-che": (3, 3),
    "th-vinh-hong": (4, 3),
    "th-vinh-hung": (1, 0),
    "thcs-vinh-hong": (4, 4),
    "thpt-ke-sat": (1, 0),
    "me-vang": (2, 1),
    "mn-vinh-hung": (0, 1),
    "vinh-lai": (0, 1),
    "thon-lai": (0, 10),
    "co-quan-dang": (0, 1),
}
# The order of the report's footnote ² (¹ follows BRANCH_2025's order).
SUPERVISED_ORDER = ["thcs-ke-sat", "th-ke-sat", "mn-ke-sat", "hoa-che", "mn-vinh-hung",
                    "vinh-lai", "th-vinh-hong", "thon-lai", "me-vang", "thcs-vinh-hong",
                    "co-quan-dang"]
# The order the report lists the UBKT's work in.
UBKT_KIND_ORDER = [K.LOWER_ORG_DUTY, K.DISCIPLINE_ENFORCEMENT, K.PARTY_FINANCE,
                   K.THEMATIC_SUPERVISION]
SCHOOLS = {"thcs-ke-sat", "th-ke-sat", "mn-ke-sat", "th-vinh-hong", "th-vinh-hung",
           "thcs-vinh-hong", "thpt-ke-sat", "mn-vinh-hung"}

BRANCH_INSPECTION_CONTENT = (
    "Kiểm tra đảng viên việc thực hiện nhiệm vụ đảng viên, nghị quyết của chi bộ, nhiệm vụ do "
    "chi bộ phân công và quy định về trách nhiệm nêu gương, những điều đảng viên không được "
    "làm.")
BRANCH_SUPERVISION_CONTENT = (
    "Giám sát chuyên đề đảng viên việc thực hiện nhiệm vụ đảng viên, nghị quyết của chi bộ, "
    "nhiệm vụ do chi bộ phân công và quy định về trách nhiệm nêu gương.")

# The UBKT's and the Ban Chấp hành's 2025 cases: (kind, subject, decision day, days the
# decision gives, whether a remediation follow-up came before archiving, content). A subject
# is an organisation code, (branch code, member name) for a member, or a list of
# organisation codes for a case with several subjects.
UBKT_2025 = [
    (K.LOWER_ORG_DUTY, "thon-trung", "15/09/2025", 45, True,
     "Kiểm tra việc xây dựng và thực hiện chương trình kiểm tra, giám sát năm 2025 của Chi bộ "
     "thôn Trung."),
    (K.LOWER_ORG_DUTY, "ngoc-mai", "01/10/2025", 45, False,
     "Kiểm tra việc xây dựng và thực hiện chương trình kiểm tra, giám sát năm 2025 của Chi bộ "
     "thôn Ngọc Mai."),
    (K.DISCIPLINE_ENFORCEMENT, "vinh-lai", "20/10/2025", 40, False,
     "Kiểm tra việc thi hành kỷ luật trong Đảng tại Chi bộ Vĩnh Lại."),
    (K.DISCIPLINE_ENFORCEMENT, "thon-lai", "03/11/2025", 40, True,
     "Kiểm tra việc thi hành kỷ luật trong Đảng tại Chi bộ thôn Lại."),
    (K.PARTY_FINANCE, "thpt-ke-sat", "10/11/2025", 30, False,
     "Kiểm tra việc thu, nộp, quản lý và sử dụng đảng phí năm 2025 của Chi bộ Trường THPT "
     "Kè Sắt."),
    (K.THEMATIC_SUPERVISION, ("ly-dong", "Ngô Văn Thịnh"), "17/11/2025", 30, False,
     "Giám sát đồng chí Ngô Văn Thịnh, Bí thư Chi bộ thôn Lý Đông, việc thực hiện chức trách, "
     "nhiệm vụ được giao và giữ gìn phẩm chất đạo đức, lối sống."),
]
# One case with four subjects: the report's "cuộc giám sát của BCH Đảng bộ đối với 4 chi bộ".
EXECUTIVE_2025_BRANCHES = ["ho-lieu", "ly-dong", "hoa-che", "thon-3"]
EXECUTIVE_2025 = [
    (K.THEMATIC_SUPERVISION, EXECUTIVE_2025_BRANCHES, "05/08/2025", 60, False,
     "Giám sát Chi bộ thôn Hồ Liễu, Chi bộ thôn Lý Đông, Chi bộ thôn Hòa Ché, Chi bộ thôn 3 "
     "về việc xây dựng và thực hiện quy chế làm việc, chương trình kiểm tra, giám sát nhiệm "
     "kỳ 2025-2027 và năm 2025 của chi bộ; việc thực hiện các chỉ thị, nghị quyết, quy định, "
     "kết luận, hướng dẫn của cấp trên về công tác xây dựng Đảng, công tác kiểm tra, giám sát "
     "của Đảng."),
]
PROGRAMME_DOCUMENTS_2025 = {
    "ubkt": "02-CTr/UBKT ngày 18/07/2025",
    "executive": "05-CTr/ĐU ngày 15/07/2025 (nhiệm kỳ 2025-2030 và 6 tháng cuối năm 2025)",
    "branch": "01-CTr/CB ngày 25/07/2025",
}

# ---- the current year ---------------------------------------------------------------------
# Programmes: key → (organisation code, body). Items: key → (programme, kind, target (org
# code or None), planned cases, quarter, content). A quarter of None means "the quarter of
# the item's first case" (or the current quarter if it has none); "previous" the quarter
# before today's (today's when it is the first), so that item is left undone past its time.
CURRENT_PROGRAMMES = {
    "ubkt": ("ubkt", "ubkt"),
    "executive": ("ke-sat", "executive"),
    "hoa-che": ("hoa-che", "branch"),
    "th-ke-sat": ("th-ke-sat", "branch"),
    "thon-lai": ("thon-lai", "branch"),
}
CURRENT_ITEMS = {
    "ubkt-trung": ("ubkt", K.LOWER_ORG_DUTY, "thon-trung", 1, None,
                   "Kiểm tra Chi bộ thôn Trung thực hiện nhiệm vụ kiểm tra, giám sát."),
    "ubkt-ho-lieu": ("ubkt", K.LOWER_ORG_DUTY, "ho-lieu", 1, "previous",
                     "Kiểm tra Chi bộ thôn Hồ Liễu thực hiện nhiệm vụ kiểm tra, giám sát."),
    "ubkt-finance": ("ubkt", K.PARTY_FINANCE, "van-phong", 1, None,
                     "Kiểm tra tài chính đảng tại Văn phòng Đảng ủy (thu, chi ngân sách đảng, "
                     "đảng phí)."),
    "ubkt-discipline": ("ubkt", K.DISCIPLINE_ENFORCEMENT, "me-vang", 1, None,
                        "Kiểm tra việc thi hành kỷ luật trong Đảng tại Chi bộ Me Vàng."),
    "ubkt-member": ("ubkt", K.THEMATIC_SUPERVISION, "thon-lai", 1, None,
                    "Giám sát chuyên đề một đảng viên là cấp ủy viên Chi bộ thôn Lại."),
    "ubkt-assets": ("ubkt", K.ASSET_VERIFICATION, None, 3, None,
                    "Xác minh tài sản, thu nhập đối với cán bộ thuộc diện Ban Thường vụ Đảng "
                    "ủy quản lý."),
    "bch-ngoc-mai": ("executive", K.THEMATIC_SUPERVISION, "ngoc-mai", 1, None,
                     "Giám sát Chi bộ thôn Ngọc Mai việc lãnh đạo thực hiện quy chế dân chủ ở "
                     "cơ sở."),
    "bch-thcs-vinh-hong": ("executive", K.THEMATIC_SUPERVISION, "thcs-vinh-hong", 1, None,
                           "Giám sát Chi bộ Trường THCS Vĩnh Hồng việc thực hiện nghị quyết "
                           "năm học."),
    "bch-vinh-lai": ("executive", K.THEMATIC_SUPERVISION, "vinh-lai", 1, None,
                     "Giám sát Chi bộ Vĩnh Lại việc thực hiện chế độ sinh hoạt chi bộ."),
    "hoa-che-kt": ("hoa-che", K.MEMBER_COMPLIANCE, None, 2, None, BRANCH_INSPECTION_CONTENT),
    "hoa-che-gs": ("hoa-che", K.THEMATIC_SUPERVISION, None, 2, None,
                   BRANCH_SUPERVISION_CONTENT),
    "th-ke-sat-kt": ("th-ke-sat", K.MEMBER_COMPLIANCE, None, 3, None,
                     BRANCH_INSPECTION_CONTENT),
    "thon-lai-gs": ("thon-lai", K.THEMATIC_SUPERVISION, None, 2, None,
                    BRANCH_SUPERVISION_CONTENT),
}
# Cases: (item key or None for ad hoc, programme key, kind, subject, title, decided days ago,
# days the decision gives, status to reach, days ago of the last step). "Days ago" shrink
# early in the year (see the loader).
CURRENT_CASES = [
    ("ubkt-trung", "ubkt", K.LOWER_ORG_DUTY, "thon-trung",
     "Kiểm tra Chi bộ thôn Trung thực hiện nhiệm vụ kiểm tra, giám sát", 150, 45,
     "archived", 90),
    ("ubkt-finance", "ubkt", K.PARTY_FINANCE, "van-phong",
     "Kiểm tra tài chính đảng tại Văn phòng Đảng ủy", 45, 20, "verified", 28),  # late
    ("ubkt-discipline", "ubkt", K.DISCIPLINE_ENFORCEMENT, "me-vang",
     "Kiểm tra việc thi hành kỷ luật tại Chi bộ Me Vàng", 25, 50, "announced", 18),
    ("ubkt-member", "ubkt", K.THEMATIC_SUPERVISION, ("thon-lai", "Bùi Văn Tuấn"),
     "Giám sát chuyên đề đồng chí Bùi Văn Tuấn, Phó Bí thư Chi bộ thôn Lại", 60, 80,
     "reviewed", 3),
    (None, "ubkt", K.VIOLATION_SIGNS, ("ngoc-mai", "Tạ Văn Kiên"),
     "Kiểm tra đồng chí Tạ Văn Kiên khi có dấu hiệu vi phạm trong quản lý đất công", 35, 60,
     "explained", 10),
    ("bch-ngoc-mai", "executive", K.THEMATIC_SUPERVISION, "ngoc-mai",
     "Giám sát Chi bộ thôn Ngọc Mai thực hiện quy chế dân chủ ở cơ sở", 95, 45,
     "remediation", 30),
    ("bch-thcs-vinh-hong", "executive", K.THEMATIC_SUPERVISION, "thcs-vinh-hong",
     "Giám sát Chi bộ Trường THCS Vĩnh Hồng thực hiện nghị quyết năm học", 8, 45, "decided", 0),
    ("hoa-che-kt", "hoa-che", K.MEMBER_COMPLIANCE, ("hoa-che", "Đỗ Văn Hải"),
     "Kiểm tra đảng viên Đỗ Văn Hải chấp hành nhiệm vụ đảng viên", 110, 30, "archived", 70),
    ("hoa-che-kt", "hoa-che", K.MEMBER_COMPLIANCE, ("hoa-che", "Phạm Văn Cường"),
     "Kiểm tra đảng viên Phạm Văn Cường chấp hành nhiệm vụ đảng viên", 30, 45, "met", 4),
    ("hoa-che-gs", "hoa-che", K.THEMATIC_SUPERVISION, ("hoa-che", "Lê Thị Thanh"),
     "Giám sát chuyên đề đảng viên Lê Thị Thanh", 20, 40, "explained", 6),
    ("th-ke-sat-kt", "th-ke-sat", K.MEMBER_COMPLIANCE, ("th-ke-sat", "Hoàng Thị Yến"),
     "Kiểm tra đảng viên Hoàng Thị Yến chấp hành nhiệm vụ đảng viên", 50, 30, "notified", 12),
    # Transcribed from the branch's paper file (BACKFILLED_CASE_TITLE): every step up to the
    # proposal of discipline was taken before the case was entered, so its process starts
    # on the discipline decision and its chart and page show the earlier steps as done.
    ("th-ke-sat-kt", "th-ke-sat", K.MEMBER_COMPLIANCE, ("th-ke-sat", "Nguyễn Văn Toản"),
     "Kiểm tra đảng viên Nguyễn Văn Toản chấp hành nhiệm vụ đảng viên", 70, 80,
     "discipline", 5),
]
BACKFILLED_CASE_TITLE = "Kiểm tra đảng viên Nguyễn Văn Toản chấp hành nhiệm vụ đảng viên"
# The conclusion of the one demo case that found a violation.
VIOLATION_CONCLUSION = (
    "chưa thực hiện đúng quy định về sinh hoạt đảng và nhiệm vụ được chi bộ phân công "
    "trong năm học; có vi phạm đến mức phải xem xét, xử lý kỷ luật.")
# Members the tables above name that load_demo does not create: (branch, name, birth year).
NAMED_MEMBERS = [("ly-dong", "Ngô Văn Thịnh", 1971), ("ngoc-mai", "Tạ Văn Kiên", 1966)]

# ---- members for the branches' 2025 cases -------------------------------------------------
# Generated, plausible and stable: the same names every run, distinct within a branch.
_SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đỗ", "Bùi", "Đặng", "Ngô",
             "Dương", "Lương", "Đinh", "Phan", "Trịnh", "Mai", "Cao", "Tô", "Hà", "Lã"]
_MALE = ["Văn An", "Đức Anh", "Văn Bảo", "Minh Châu", "Văn Công", "Quang Dũng", "Hữu Định",
         "Văn Giang", "Xuân Hòa", "Văn Khánh", "Đức Lâm", "Văn Mạnh", "Hữu Nghĩa", "Văn Phú",
         "Quang Sơn", "Văn Thái", "Minh Tuấn", "Văn Việt", "Xuân Trường", "Văn Hiếu"]
_FEMALE = ["Thị Bích", "Thu Hằng", "Thị Huệ", "Minh Huyền", "Thị Kim", "Thị Lan Anh",
           "Ngọc Lan", "Thị Mến", "Thu Nga", "Thị Oanh", "Hồng Nhung", "Thị Phượng",
           "Thanh Tâm", "Thị Thảo", "Thu Thủy", "Thị Tuyết", "Thị Vân", "Hải Yến",
           "Thị Quyên", "Minh Nguyệt"]


def generated_members(code, count, taken):
    """`count` (name, birth year) for branch `code`, avoiding names in `taken`. Schools
    have mostly women teachers, villages older members."""
    seed = sum(ord(c) for c in code)
    school = code in SCHOOLS
    out, i = [], 0
    while len(out) < count:
        n = seed + i
        female = (n % 4 != 0) if school else (n % 3 == 0)
        # Steps coprime with 20 walk every surname, and every given name, before repeating.
        given = (_FEMALE if female else _MALE)[(seed + 3 * i + 7 * (i // 20)) % 20]
        name = f"{_SURNAMES[(seed + 7 * i) % 20]} {given}"
        birth = (1972 + (n * 5) % 27) if school else (1956 + (n * 7) % 38)
        if name not in taken:
            taken.add(name)
            out.append((name, birth))
        i += 1
    return out


# ---- the summary the command prints: read back from the database --------------------------

def branch_counts(year):
    """{kind: {branch code: number of cases}} of the branches' cases of `year`."""
    out = {}
    rows = (InspectionCase.objects.filter(year=year, body="branch")
            .values_list("kind", "organisation__code").annotate(n=Count("pk")).order_by())
    for kind, code, n in rows:
        out.setdefault(kind, {})[code] = n
    return out


def figures_text(f):
    return (f"dự kiến {count_text(f.planned)} cuộc, "
            f"đã tiến hành {count_text(f.started)}, đã kết luận "
            f"{count_text(f.concluded)}, quá hạn {count_text(f.overdue)}; "
            f"hoàn thành {rate_text(f.rate)}")


def summary_lines(*, orgs, today):
    """What the commune's cases say, read back from the database."""
    year, commune = YEAR, orgs["ke-sat"]
    names = dict(Organisation.objects.values_list("code", "name"))
    counts = branch_counts(year)
    lines = [f"Năm {year}:"]
    for kind, verb, table_order in [
            (InspectionKind.MEMBER_COMPLIANCE, "kiểm tra", list(BRANCH_2025)),
            (InspectionKind.THEMATIC_SUPERVISION, "giám sát chuyên đề", SUPERVISED_ORDER)]:
        per = counts.get(kind, {})
        order = [c for c in table_order if c in per] + sorted(set(per) - set(table_order))
        lines.append(f"  Các chi bộ {verb} {count_text(sum(per.values()))} đảng viên: "
                     + ", ".join(f"{names[c]} {count_text(per[c])}" for c in order) + ".")
    rank = {k: i for i, k in enumerate(UBKT_KIND_ORDER)}
    for code, label in [("ubkt", "Ủy ban Kiểm tra Đảng ủy"), ("ke-sat", "Ban Chấp hành Đảng bộ")]:
        cases = InspectionCase.objects.filter(year=year, organisation=orgs[code])
        rows = sorted(cases.values_list("kind").annotate(
            c=Count("pk", distinct=True), m=Count("subject_rows__member"),
            o=Count("subject_rows__organisation")).order_by(), key=lambda r: rank.get(r[0], 99))
        parts = [f"{str(InspectionKind(k).label).lower()} "
                 + ", ".join(f"{count_text(n)} {what}" for n, what in [(o, "tổ chức đảng"),
                                                               (m, "đảng viên")] if n)
                 + (f" trong {count_text(c)} cuộc" if c != m + o else "")
                 for k, c, m, o in rows]
        if code == "ke-sat":
            parts = [p + " (" + ", ".join(CaseSubject.objects.filter(case__in=cases).order_by(
                "case__seq", "position").values_list("organisation__name", flat=True)) + ")"
                for p in parts]
        lines.append(f"  {label}: {'; '.join(parts) or 'không có'}.")
    for y in (year, today.year) if today.year > year else (year,):
        programmes = list(InspectionProgramme.objects.filter(
            year=y, organisation__path__startswith=commune.path)
            .select_related("organisation").order_by("organisation__path", "body"))
        progress = programmes_progress(programmes, today=today)
        if y != year:
            lines.append(f"Năm {y} (hôm nay {date_text(today)}):")
            for p in programmes:
                pr = progress[p.pk]
                adhoc = (f"; ngoài chương trình {count_text(pr.adhoc.started)}"
                         if pr.adhoc.started else "")
                body = "" if p.body == "branch" else f" ({p.get_body_display()})"
                lines.append(f"  {p.organisation}{body}: "
                             f"{figures_text(pr.total)}{adhoc}.")
        else:
            total = Figures()
            for pr in progress.values():
                total.add(pr.total)
            lines.append(f"  {count_text(len(programmes))} chương trình: {figures_text(total)}.")
    open_cases = (InspectionCase.objects.filter(
        year=today.year, organisation__path__startswith=commune.path,
        status__in=OPEN_CASE_STATUSES).select_related("organisation").order_by("ends_on"))
    if today.year > year and open_cases:
        lines.append("  Đang tiến hành:")
        for c in open_cases:
            late = (" – QUÁ HẠN" if c.ends_on < today and c.status not in CONCLUDED_STATUSES
                    else "")
            lines.append(f"    {c.number} {c.organisation}: {c.title} – "
                         f"{CaseStatus(c.status).label}, hạn {date_text(c.ends_on)}{late}")
    return lines

"""Generated communes for `python manage.py load_demo_province`: a province to look at on the
leaders' overview and in the reports (issue 12, item 5).

Each generated commune sits under the province above Kè Sắt (Đảng bộ thành phố Hải Phòng
since the 2025 merger), beside Kè Sắt and never under it, so nothing generated is ever
counted in Kè Sắt's figures. Every generated unit says so in its name ("… (dữ liệu mẫu sinh
tự động)") and its code starts with "mau-"; its people are invented.

The letters and cases go through the services the pages use (receipt, classification,
thụ lý, transfer, follow-up, resolution, withdrawal, filing, a case's decision), each step
back-dated with `at=` to a moment after the previous one and never after now, so every
letter has one receipt event, at most one closing event, its events in order and its
deadline clocks as the engine keeps them; `verify_audit` holds. A random generator seeded
by (seed, commune number) makes a commune's history the same on every run, and a commune
that already has letters is left alone: running the command twice creates nothing.
"""
import random
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from casework.demo_data import DEMO_PASSWORD
from casework.models import (
    Channel,
    Competence,
    FiledReason,
    InspectionCase,
    Organisation,
    OrgKind,
    Petition,
    PetitionKind,
    Role,
    RoleAssignment,
    SenderType,
)
from casework.services import petitions as svc
from casework.services.inspections import case_open

PROVINCE = "hai-phong"
PROVINCE_NAME = "Đảng bộ thành phố Hải Phòng"
GENERATED = "(dữ liệu mẫu sinh tự động)"
PREFIX = "mau-"
# The provincial leader's login (README), a leader at the province: every commune.
LEADER = ("lanhdao.tinh", "Vũ Văn Thịnh")
# Who takes the generated steps: a UBKT member of every generated commune, and of none other;
# it cannot sign in (no password).
WORKER = ("mau.ubkt", f"Cán bộ mẫu {GENERATED}")

PLACES = ["An Lư", "Bạch Đằng", "Cao Nhân", "Đông Sơn", "Hòa Bình", "Kiến Thiết", "Lê Lợi",
          "Minh Tân", "Ngũ Lão", "Phù Ninh", "Quang Trung", "Tam Hưng", "Tân Dương",
          "Thủy Đường", "Trung Hà", "Vĩnh Bảo", "Yên Hưng", "Hùng Thắng", "Tiên Lãng",
          "Kiến Thụy"]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đỗ", "Bùi", "Đặng", "Ngô"]
GIVEN = ["Văn An", "Thị Bình", "Văn Cường", "Thị Dung", "Văn Hải", "Thị Hoa", "Văn Long",
         "Thị Mai", "Văn Nam", "Thị Yến"]
TOPICS = {
    PetitionKind.COMPLAINT: "Khiếu nại việc xác định diện tích đất bị thu hồi tại thôn {place}.",
    PetitionKind.DENUNCIATION: "Tố cáo cán bộ thôn {place} thu tiền đóng góp sai quy định.",
    PetitionKind.RECOMMENDATION: "Kiến nghị sửa chữa đường trục thôn {place} bị xuống cấp.",
    PetitionKind.FEEDBACK: "Phản ánh việc xả rác thải ra kênh thủy lợi thôn {place}.",
}
KIND_WEIGHTS = [(PetitionKind.RECOMMENDATION, 5), (PetitionKind.COMPLAINT, 3),
                (PetitionKind.FEEDBACK, 2), (PetitionKind.DENUNCIATION, 1)]
# What happens to a letter after classification, with weights; an empty path leaves it open.
PATHS = [
    (("transfer", "resolve"), 6), (("transfer", "follow_up", "resolve"), 3),
    (("transfer",), 2), (("transfer", "follow_up"), 1), (("transfer", "withdraw"), 1),
    (("accept", "resolve"), 3), (("accept",), 1), (("guide",), 1), (("file",), 1),
    ((), 1),
]


def commune_code(i):
    return f"{PREFIX}xa-{i:03d}"


def is_generated(organisation):
    return organisation.code.startswith(PREFIX)


class Generator:
    def __init__(self, *, seed, letters, years, today=None):
        self.seed, self.letters, self.years = seed, letters, years
        self.today = today or timezone.localdate()
        self.created = {"communes": 0, "letters": 0, "cases": 0, "users": 0}

    # ---- the province, its users, the communes --------------------------------------
    def province(self):
        province, _new = Organisation.objects.get_or_create(
            code=PROVINCE, defaults=dict(name=PROVINCE_NAME, kind=OrgKind.PROVINCE, symbol="TU"))
        return province

    def user(self, username, full_name, *, password):
        User = get_user_model()
        user, new = User.objects.get_or_create(username=username,
                                               defaults=dict(first_name=full_name))
        if new:
            if password:
                user.set_password(DEMO_PASSWORD)
            else:
                user.set_unusable_password()
            user.save(update_fields=["password"])
            self.created["users"] += 1
        return user

    def commune(self, province, i):
        code = commune_code(i)
        place = PLACES[(i - 1) % len(PLACES)]
        if i > len(PLACES):
            place = f"{place} {(i - 1) // len(PLACES) + 1}"

        def unit(suffix, name, kind, parent, symbol):
            org, new = Organisation.objects.get_or_create(
                code=f"{code}{suffix}",
                defaults=dict(name=f"{name} {GENERATED}", kind=kind, parent=parent,
                              symbol=f"{symbol}-M{i:03d}"))
            return org, new

        commune, new = unit("", f"Đảng bộ xã {place}", OrgKind.COMMUNE, province, "ĐU")
        self.created["communes"] += new
        units = {
            "office": unit("-vp", f"Văn phòng Đảng ủy xã {place}", OrgKind.AGENCY, commune,
                           "VPĐU")[0],
            "ubkt": unit("-ubkt", f"Ủy ban Kiểm tra Đảng ủy xã {place}", OrgKind.AGENCY,
                         commune, "UBKT")[0],
            "branches": [unit(f"-cb{b}", f"Chi bộ thôn {b} xã {place}", OrgKind.BRANCH, commune,
                              f"CB{b}")[0] for b in (1, 2, 3)],
        }
        return commune, units, place

    # ---- one commune's history ------------------------------------------------------
    def load_commune(self, province, worker, i):
        commune, units, place = self.commune(province, i)
        RoleAssignment.objects.get_or_create(user=worker, organisation=commune, role=Role.UBKT)
        if Petition.objects.filter(organisation__path__startswith=commune.path).exists():
            return  # loaded by an earlier run
        rng = random.Random(f"{self.seed}/{i}")
        for n in range(self.letters):
            self.letter(rng, worker, rng.choice([units["office"]] * 4 + [units["ubkt"]]),
                        place, n)
        for year in self.case_years():
            self.case(rng, worker, units, year)

    def case_years(self):
        return [self.today.year - back for back in range(self.years)]

    def moment(self, rng, day, hour=None):
        at = timezone.make_aware(datetime.combine(day, time(hour or rng.choice((8, 9, 10, 14,
                                                                                  15)),
                                                           rng.randrange(60))))
        return min(at, timezone.now() - timedelta(minutes=1))

    def received_day(self, rng):
        # A few letters of the last weeks, so that deadlines are running today.
        span = 30 if rng.random() < 0.15 else self.years * 365
        return self.today - timedelta(days=rng.randrange(span))

    def letter(self, rng, worker, office, place, n):
        kind = rng.choices([k for k, _w in KIND_WEIGHTS], [w for _k, w in KIND_WEIGHTS])[0]
        day = self.received_day(rng)
        anonymous = rng.random() < 0.08
        name = f"{rng.choice(FAMILY)} {rng.choice(GIVEN)}"
        at = self.moment(rng, day, 8)
        letter = svc.petition_receive(
            actor=worker, organisation=office, received_on=day,
            channel=rng.choice((Channel.DIRECT, Channel.POST, Channel.CITIZEN_RECEPTION)),
            kind=kind, sender_type=SenderType.ANONYMOUS if anonymous else SenderType.NAMED,
            senders=[] if anonymous else [svc.SenderData(full_name=name,
                                                         address=f"Thôn {place}")],
            summary=f"{TOPICS[kind].format(place=place)} {GENERATED}", at=at)
        self.created["letters"] += 1
        # Letters of the last weeks are still being handled; older ones mostly closed.
        recent = (self.today - day).days < 40
        path = () if recent and rng.random() < 0.6 else rng.choices(
            [p for p, _w in PATHS], [w for _p, w in PATHS])[0]
        steps = ["classify", *path]
        for action in steps:
            at = self.next_moment(rng, at)
            if at is None:
                return
            self.take(rng, worker, letter.pk, action, at, anonymous)

    def next_moment(self, rng, after):
        gap = timedelta(days=rng.choice((1, 2, 3, 5, 8, 12, 20, 35)), hours=rng.randrange(6))
        at = after + gap
        return at if at < timezone.now() - timedelta(minutes=1) else None

    def take(self, rng, worker, pk, action, at, anonymous):
        day = timezone.localdate(at)
        doc = {"doc_number": f"{rng.randrange(1, 300)}-CV/ĐU", "doc_date": day}
        args = {
            "classify": {"kind": None, "competence": Competence.OTHER,
                         "reason": "Đơn có nội dung cụ thể (dữ liệu mẫu)."},
            "accept": doc,
            "transfer": {"recipient": "UBND xã", "reason": "Chuyển đơn theo thẩm quyền.", **doc},
            "follow_up": {"reason": "Đôn đốc qua điện thoại (dữ liệu mẫu)."},
            "resolve": {"result": "Đã giải quyết, trả lời người gửi (dữ liệu mẫu).", **doc},
            "withdraw": {"doc_date": day, "reason": "Người gửi có đơn xin rút."},
            "guide": {"reason": "Hướng dẫn người gửi đến cơ quan có thẩm quyền."},
            "file": {"filed_reason": FiledReason.ANONYMOUS if anonymous else FiledReason.DUPLICATE,
                     "reason": "Lưu đơn (dữ liệu mẫu)."},
        }[action]
        if action == "classify":
            args["kind"] = Petition.objects.values_list("kind", flat=True).get(pk=pk)
        svc.SERVICES[action](actor=worker, petition_id=pk, at=at, **args)

    def case(self, rng, worker, units, year):
        """One UBKT case a year about a branch, opened by decision (back-dated)."""
        start = date(year, rng.randrange(2, 10), rng.randrange(1, 28))
        if start >= self.today:
            return
        branch = rng.choice(units["branches"])
        if InspectionCase.objects.filter(organisation=units["ubkt"],
                                         decision_date__year=year).exists():
            return
        case_open(actor=worker, organisation=units["ubkt"], body="ubkt",
                  kind="lower_org_duty",
                  title=f"Kiểm tra {branch.name} thực hiện nhiệm vụ kiểm tra, giám sát năm "
                        f"{year}",
                  decision_number=f"{rng.randrange(1, 60)}-QĐ/UBKT", decision_date=start,
                  starts_on=start, ends_on=start + timedelta(days=45), team_leader=worker,
                  team=[worker], subject_organisation=branch,
                  at=self.moment(rng, start, 9))
        self.created["cases"] += 1

    def run(self, communes):
        """Each commune in its own transaction: one that fails leaves the others, and
        nothing of itself."""
        with transaction.atomic():
            province = self.province()
            worker = self.user(*WORKER, password=False)
            leader = self.user(*LEADER, password=True)
            RoleAssignment.objects.get_or_create(user=leader, organisation=province,
                                                 role=Role.LEADER)
        for i in range(1, communes + 1):
            with transaction.atomic():
                self.load_commune(province, worker, i)
        return self.created

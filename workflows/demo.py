"""Demo letters of the current year whose deadline clocks are live today, for
`python manage.py load_demo_deadlines` (run after `load_demo`).

`load_demo` loads the commune's 2025 register: by now each of its clocks has ended or is long
overdue. These letters show deadlines as they look on a working day:

- a kiến nghị received on the last working day (or today): classification clock, many days left;
- a khiếu nại classified as the committee's own, not yet accepted: its thụ lý clock is in
  the warning rung (due within 1–2 working days);
- a tố cáo accepted about five weeks ago whose resolution clock was extended once by
  decision (number, date, reason) and is now due in a few days;
- a khiếu nại whose resolution clock is paused, waiting for the sender's documents;
- a transferred kiến nghị whose chase clock is overdue.

Every date is computed backwards from today on the working-day calendar (weekends, Tết,
day swaps), so the states hold whatever day it is; letters are received on working days of
the current year only. When a state cannot be reached today (a Monday leaves no working day
to receive a letter whose 10-day thụ lý clock falls due on Tuesday or Wednesday; early in
January the year is too young for a five-week-old case) the plan says so: the letter is
then created in the nearest state that can be reached, or not at all, with the reason.

Everything goes through the services the pages use (receipt, classification, thụ lý,
transfer, pause, extension), back-dated with `at=` / the document dates, so each letter has a
real history and receipt number. After creating, the clocks are checked against what was
intended; a mismatch is an error and the whole load is rolled back.

The letters are recognised by their summaries (one set per year): if any of them is already
in the register for this year, nothing is created.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from casework.demo_data import XA
from casework.formatting import count_text, date_text
from casework.models import (
    Channel,
    Competence,
    Organisation,
    Petition,
    PetitionKind,
    SenderType,
)
from casework.services import petitions as svc
from workflows.calendar import get_calendar, weekday_name
from workflows.models import ClockStatus, DeadlineClock, Unit
from workflows.models.clocks import OPEN_CLOCK_STATUSES
from workflows.services import clocks as clock_svc

ORG_CODES = ("van-phong", "ubkt")
USERNAMES = ("vanphong", "ubkt", "lanhdao")
UBND = "UBND xã Kè Sắt"
MTTQ = "Ủy ban Mặt trận Tổ quốc Việt Nam xã Kè Sắt"

# Time of day given to each kind of step (office hours); a second step on the same day
# comes STEP_GAP after the first.
STEP_TIME = {
    "receive": time(8, 30),
    "classify": time(15, 0),
    "accept": time(10, 0),
    "transfer": time(10, 0),
}
STEP_GAP = timedelta(minutes=30)

# Document series and roughly how many numbers each issues per day of the year, so that a
# number looks like where a commune's register would be on that day; numbers grow with the
# date and never repeat within a series.
SERIES_RATE = {"CV/ĐU": 0.21, "TB/UBKT": 0.04, "QĐ/UBKT": 0.03, "CV/UBKT": 0.08}


class Unreachable(Exception):
    """The letter cannot be placed in the current year today; the message says why."""


class NotAsIntended(Exception):
    """A clock created through the services is not in the state the plan computed."""


def _addr(village):
    return f"{village}, {XA}"


def day_text(d):
    return f"{weekday_name(d)}, {date_text(d)}"


def unit_count(rule, n):
    return f"{count_text(n)} {Unit(rule.unit).label}"


# ------------------------------------------------------------------ planning helpers

@dataclass
class Context:
    today: date
    now: datetime
    cal: object
    year: int = 0
    floor: date = None  # the first day a letter of this year may be received

    def __post_init__(self):
        self.year = self.today.year
        self.floor = date(self.year, 1, 1)

    def last_working_day(self, on_or_before):
        """`on_or_before` if it is a working day, else the working day before it."""
        cal = self.cal
        return on_or_before if cal.is_working_day(on_or_before) else (
            cal.subtract_working_days(on_or_before, 1))

    def working_days_back(self, start, *, min_age=0, max_age=400):
        """Working days of this year on or before `start`, latest first, between min_age and
        max_age calendar days before today."""
        d = self.last_working_day(start)
        while d >= self.floor and (self.today - d).days <= max_age:
            if (self.today - d).days >= min_age:
                yield d
            d = self.cal.subtract_working_days(d, 1)

    def chain(self, end, gaps):
        """One working day per gap, counted backwards from the working day `end`: the last
        lies gaps[-1] working days before `end`, the one before it gaps[-2] before that, and
        so on (a gap of 0 is the same day). When the first would fall before the year began,
        the longest gaps are shortened, down to steps on the same day."""
        gaps = list(gaps)
        while True:
            days, d = [], end
            for gap in reversed(gaps):
                d = self.cal.subtract_working_days(d, gap) if gap else d
                days.insert(0, d)
            if days[0] >= self.floor:
                return days
            if not any(gaps):
                raise Unreachable(f"chưa có ngày làm việc nào của năm {self.year} đủ sớm "
                                  f"để nhận đơn")
            gaps[gaps.index(max(gaps))] -= 1


class Timeline:
    """The moments of one letter's case events: office hours on their day, strictly
    increasing, never after now."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.last = None

    def at(self, day, step):
        zone = timezone.get_default_timezone()
        moment = timezone.make_aware(datetime.combine(day, STEP_TIME[step]), zone)
        if self.last is not None and moment <= self.last:
            moment = self.last + STEP_GAP
        if moment > self.ctx.now:
            moment = self.ctx.now
        if (self.last is not None and moment <= self.last) or timezone.localdate(moment) != day:
            raise Unreachable(
                f"chưa đủ thời gian trong ngày {date_text(day)} để ghi các bước xử lý")
        self.last = moment
        return moment


@dataclass
class Step:
    action: str  # receive | classify | accept | transfer | pause | extend
    day: date
    at: datetime | None = None
    data: dict = field(default_factory=dict)
    series: str = ""  # the document series whose next number this step takes


@dataclass
class Plan:
    letter: "Letter"
    received_on: date
    steps: list
    expect: dict  # what the clock must show after creation (see Letter.verify)
    note: str = ""  # set when the intended state cannot be reached today


# ------------------------------------------------------------------ the letters

class Letter:
    key = ""
    org_code = ""
    actor = ""
    kind = ""
    channel = Channel.DIRECT
    forwarded_by = ""
    sender = ("", "")
    subject_name = ""
    subject_organisation = ""
    step = ""  # the step of the clock this letter is about
    intended = ""  # the state, in words, for messages

    def summary(self, year):
        raise NotImplementedError

    def plan(self, ctx) -> Plan:
        raise NotImplementedError

    def verify(self, clock, ctx, plan):
        """Raise NotAsIntended unless `clock` is in the state `plan` promised."""
        raise NotImplementedError

    def receive_step(self, day, timeline):
        return Step("receive", day, timeline.at(day, "receive"))

    def label(self):
        return str(PetitionKind(self.kind).label).lower()

    @staticmethod
    def check(condition, message):
        if not condition:
            raise NotAsIntended(message)


class FreshLetter(Letter):
    key = "moi-nhan"
    org_code = "van-phong"
    actor = "vanphong"
    kind = PetitionKind.RECOMMENDATION
    channel = Channel.DIRECT
    sender = ("Ngô Văn Thịnh", _addr("Thôn Hồ Liễu"))
    step = "classify"
    intended = "mới nhận, hạn phân loại còn nhiều ngày"

    def summary(self, year):
        return ("Kiến nghị sửa chữa, thay thế động cơ trạm bơm tiêu úng thôn Hồ Liễu bị hỏng, "
                "không bảo đảm tiêu nước cho khoảng 12 ha lúa và hoa màu khi mưa lớn.")

    def plan(self, ctx):
        cal, today = ctx.cal, ctx.today
        yesterday = today - timedelta(days=1)
        if yesterday >= ctx.floor and cal.is_working_day(yesterday):
            received = yesterday
        elif cal.is_working_day(today):
            received = today
        else:  # a weekend or holiday: the last working day before it
            received = next(ctx.working_days_back(today), None)
            if received is None:
                raise Unreachable(f"chưa có ngày làm việc nào của năm {ctx.year}")
        timeline = Timeline(ctx)
        return Plan(self, received, [self.receive_step(received, timeline)],
                    expect={"min_left": 9})

    def verify(self, clock, ctx, plan):
        left = clock_svc.days_left(clock, today=ctx.today, cal=ctx.cal)
        self.check(clock.status == ClockStatus.RUNNING and left is not None
                   and left >= plan.expect["min_left"],
                   f"hạn phân loại phải còn ít nhất {plan.expect['min_left']} ngày làm việc, "
                   f"nay còn {left}")


class ComplaintAwaitingAcceptance(Letter):
    key = "khieu-nai-sap-den-han-thu-ly"
    org_code = "van-phong"
    actor = "vanphong"
    kind = PetitionKind.COMPLAINT
    channel = Channel.POST
    sender = ("Phan Văn Lợi", _addr("Thôn Trung"))
    subject_organisation = "thon-trung"
    subject_name = "Chi bộ thôn Trung"
    step = "accept"
    intended = "hạn thụ lý còn 01–02 ngày làm việc (mốc nhắc trước hạn)"

    def summary(self, year):
        return (f"Khiếu nại việc Chi bộ thôn Trung đánh giá, xếp loại chất lượng đảng viên năm "
                f"{year - 1} đối với bản thân ở mức “không hoàn thành nhiệm vụ”; cho rằng chi bộ "
                f"chưa xem xét đầy đủ bản tự kiểm điểm và ý kiến nhận xét của nơi cư trú.")

    def plan(self, ctx):
        cal, today = ctx.cal, ctx.today
        best = None
        for received in ctx.working_days_back(today - timedelta(days=1), max_age=40):
            due = cal.add_calendar_days(received, 10)
            if due < today:
                break
            left = cal.working_days_between(today, due)
            if left in (1, 2):
                # Also within two calendar days if possible, so that every page calls it
                # "sắp đến hạn"; then the first day of the warning rung.
                key = (0, (due - today).days > 2, -left)
            else:
                key = (1, 1 - left if left < 1 else left - 2, left)
            if best is None or key < best[0]:
                best = (key, received, due, left)
        if best is None:
            raise Unreachable(f"chưa có ngày làm việc nào của năm {ctx.year} để nhận đơn mà "
                              f"hạn thụ lý 10 ngày chưa qua")
        key, received, due, left = best
        note = ""
        if key[0]:
            state = "đến hạn hôm nay" if left == 0 else f"còn {count_text(left)} ngày làm việc"
            note = (f"hôm nay ({day_text(today)}) không có ngày làm việc nào của năm {ctx.year} "
                    f"để nhận đơn mà hạn thụ lý 10 ngày rơi vào 01–02 ngày làm việc tới; đơn "
                    f"được tạo với hạn thụ lý {day_text(due)} ({state})")
        classified = cal.add_working_days(received, 1)
        if classified >= today:
            classified = received
        timeline = Timeline(ctx)
        steps = [
            self.receive_step(received, timeline),
            Step("classify", classified, timeline.at(classified, "classify"), dict(
                competence=Competence.HERE,
                reason="Khiếu nại của đảng viên về đánh giá, xếp loại chất lượng đảng viên; "
                       "thuộc thẩm quyền xem xét của Đảng ủy. Trình Thường trực Đảng ủy xem "
                       "xét, quyết định thụ lý.")),
        ]
        return Plan(self, received, steps, expect={"due_on": due, "warning": not key[0]},
                    note=note)

    def verify(self, clock, ctx, plan):
        today = ctx.today
        self.check(clock.status == ClockStatus.RUNNING and clock.due_on == plan.expect["due_on"],
                   f"hạn thụ lý phải là {date_text(plan.expect['due_on'])}, nay là "
                   f"{date_text(clock.due_on) if clock.due_on else 'không có'}")
        if plan.expect["warning"]:
            left = ctx.cal.working_days_between(today, clock.due_on)
            self.check(clock.warn_on is not None and clock.warn_on <= today < clock.due_on
                       and left in (1, 2),
                       f"hạn thụ lý phải ở mốc nhắc trước hạn (còn 01–02 ngày làm việc), nay "
                       f"còn {left} ngày làm việc, nhắc từ "
                       f"{date_text(clock.warn_on) if clock.warn_on else 'không nhắc'}")


class ExtendedDenunciation(Letter):
    key = "to-cao-da-gia-han"
    org_code = "ubkt"
    actor = "ubkt"
    kind = PetitionKind.DENUNCIATION
    channel = Channel.POST
    sender = ("Hà Văn Chiến", _addr("Thôn Ngọc Mai"))
    # Not linked to a registered member: the Party rule for a denounced member (90 working
    # days) would not fall due five weeks after thụ lý; this one runs on Luật Tố cáo Đ.30.
    subject_name = "Ông Lưu Văn Tiến, Phó trưởng thôn Ngọc Mai"
    step = "resolve"
    intended = "thụ lý khoảng 05 tuần trước, đã gia hạn một lần, còn vài ngày đến hạn"
    extension_decided_by = "lanhdao"

    def summary(self, year):
        return ("Tố cáo ông Lưu Văn Tiến, Phó trưởng thôn Ngọc Mai, trong quá trình kiểm đếm, "
                "lập hồ sơ bồi thường giải phóng mặt bằng dự án đường sắt Lào Cai - Hà Nội - "
                "Hải Phòng đã kê khai thêm cây trồng, vật kiến trúc trên đất của người thân để "
                "hưởng tiền bồi thường.")

    def plan(self, ctx):
        cal, today = ctx.cal, ctx.today
        best = None
        for accepted in ctx.working_days_back(today, min_age=21, max_age=60):
            original = cal.add_calendar_days(accepted, 30)
            decided = cal.subtract_working_days(min(original, today), 2)
            if decided <= accepted:
                continue
            for days in range(1, 31):
                due = cal.add_calendar_days(accepted, 30 + days)
                if due <= today:
                    continue
                left = cal.working_days_between(today, due)
                age = (today - accepted).days
                if 3 <= left <= 5:
                    # About five weeks ago (30–42 days), a round number of days, then the
                    # nearest to 35 days ago and to 4 working days left.
                    key = (0, not 30 <= age <= 42, days % 5 != 0, abs(age - 35),
                           abs(left - 4), days)
                else:
                    key = (1, abs(left - 4), abs(age - 35), days % 5 != 0, days)
                if best is None or key < best[0]:
                    best = (key, accepted, decided, days, due, left)
        if best is None:
            so_far = count_text((today - ctx.floor).days + 1)
            raise Unreachable(f"năm {ctx.year} mới có {so_far} ngày: "
                              f"chưa thể có đơn tố cáo thụ lý từ 03 tuần trở lên và đã gia hạn")
        key, accepted, decided, days, due, left = best
        note = ""
        if key[0]:
            note = (f"không có ngày thụ lý nào trong năm {ctx.year} để sau một lần gia hạn hạn "
                    f"giải quyết còn 03–05 ngày làm việc; đơn được tạo với hạn {day_text(due)} "
                    f"(còn {count_text(left)} ngày làm việc)")
        received, classified = ctx.chain(accepted, [2, 3])
        timeline = Timeline(ctx)
        steps = [
            self.receive_step(received, timeline),
            Step("classify", classified, timeline.at(classified, "classify"), dict(
                competence=Competence.HERE,
                reason="Tố cáo có họ tên, địa chỉ người tố cáo; nội dung cụ thể, có cơ sở xác "
                       "minh. Thường trực Đảng ủy giao Ủy ban Kiểm tra Đảng ủy thụ lý, giải "
                       "quyết.")),
            Step("accept", accepted, timeline.at(accepted, "accept"), dict(
                reason="Thụ lý giải quyết tố cáo; thành lập tổ xác minh, thông báo cho người "
                       "tố cáo và người bị tố cáo."), series="TB/UBKT"),
            Step("extend", decided, data=dict(
                days=days,
                reason="Vụ việc phức tạp: nội dung tố cáo liên quan hồ sơ bồi thường của nhiều "
                       "hộ, cần thêm thời gian làm việc với Hội đồng bồi thường, hỗ trợ và tái "
                       "định cư xã và đo đạc, kiểm đếm lại tại thực địa (Luật Tố cáo 2018, "
                       "Điều 30)."), series="QĐ/UBKT"),
        ]
        return Plan(self, received, steps, expect={"due_on": due, "days": days,
                                                    "accepted": accepted, "few": not key[0]},
                    note=note)

    def verify(self, clock, ctx, plan):
        extensions = [e for e in clock.entries.all() if e.kind == "extend"]
        self.check(clock.status == ClockStatus.RUNNING and clock.extensions_used == 1
                   and len(extensions) == 1,
                   f"hạn giải quyết phải đang tính và đã gia hạn đúng 01 lần, nay: "
                   f"{clock.get_status_display()}, gia hạn {clock.extensions_used} lần")
        entry = extensions[0]
        self.check(entry.decision_number and entry.decision_date and entry.reason
                   and entry.days == plan.expect["days"],
                   "lần gia hạn phải có số, ngày quyết định và lý do")
        self.check(clock.started_on == plan.expect["accepted"]
                   and clock.due_on == plan.expect["due_on"] and clock.due_on > ctx.today,
                   f"hạn giải quyết sau gia hạn phải là {date_text(plan.expect['due_on'])}, nay là "
                   f"{date_text(clock.due_on) if clock.due_on else 'không có'}")
        if plan.expect["few"]:
            left = ctx.cal.working_days_between(ctx.today, clock.due_on)
            self.check(3 <= left <= 5, f"hạn giải quyết phải còn 03–05 ngày làm việc, nay "
                                       f"còn {left}")


class PausedComplaint(Letter):
    key = "khieu-nai-tam-dung"
    org_code = "ubkt"
    actor = "ubkt"
    kind = PetitionKind.COMPLAINT
    channel = Channel.DIRECT
    sender = ("Đào Văn Thuận", _addr("Thôn Lý Đông"))
    subject_organisation = "ly-dong"
    subject_name = "Chi bộ thôn Lý Đông"
    step = "resolve"
    intended = "hạn giải quyết tạm dừng, chờ người gửi bổ sung tài liệu"

    def summary(self, year):
        return ("Khiếu nại quyết định kỷ luật khiển trách của Chi bộ thôn Lý Đông đối với bản "
                "thân về việc xây dựng công trình phụ trên đất hành lang kênh thủy lợi; cho "
                "rằng công trình có từ trước khi có quy hoạch hành lang, chi bộ xem xét chưa "
                "khách quan.")

    def plan(self, ctx):
        anchor = next(ctx.working_days_back(ctx.today), None)
        if anchor is None:
            raise Unreachable(f"chưa có ngày làm việc nào của năm {ctx.year}")
        received, classified, accepted, paused = ctx.chain(anchor, [1, 2, 3, 2])
        timeline = Timeline(ctx)
        steps = [
            self.receive_step(received, timeline),
            Step("classify", classified, timeline.at(classified, "classify"), dict(
                competence=Competence.HERE,
                reason="Khiếu nại kỷ luật đảng gửi trong thời hạn một tháng kể từ ngày nhận "
                       "quyết định; thuộc thẩm quyền giải quyết của Ủy ban Kiểm tra Đảng ủy.")),
            Step("accept", accepted, timeline.at(accepted, "accept"), dict(
                reason="Thụ lý giải quyết khiếu nại kỷ luật đảng."), series="TB/UBKT"),
            Step("pause", paused, series="CV/UBKT"),
        ]
        return Plan(self, received, steps, expect={"paused_on": paused})

    def verify(self, clock, ctx, plan):
        self.check(clock.status == ClockStatus.PAUSED and clock.due_on is None
                   and clock.paused_on == plan.expect["paused_on"],
                   f"hạn giải quyết phải tạm dừng từ {date_text(plan.expect['paused_on'])}, nay: "
                   f"{clock.get_status_display()}")


class OverdueTransferred(Letter):
    key = "da-chuyen-qua-han-don-doc"
    org_code = "van-phong"
    actor = "vanphong"
    kind = PetitionKind.RECOMMENDATION
    channel = Channel.FORWARDED
    forwarded_by = MTTQ
    sender = ("Trịnh Thị Loan", _addr("Thôn Lại"))
    step = "chase"
    intended = "đã chuyển đơn, quá hạn đôn đốc"
    recipient = UBND

    def summary(self, year):
        return ("Kiến nghị của các hộ dân thôn Lại về việc rác thải sinh hoạt không được thu "
                "gom đúng lịch, tồn đọng nhiều ngày tại điểm tập kết đầu cầu thôn, gây mùi hôi, "
                "ô nhiễm; đề nghị bố trí thêm chuyến thu gom.")

    def plan(self, ctx):
        cal, today = ctx.cal, ctx.today
        best = None
        for transferred in ctx.working_days_back(today - timedelta(days=16), max_age=60):
            due = cal.add_calendar_days(transferred, 15)
            if due >= today:
                continue
            late = cal.working_days_between(due, today)
            key = (not 2 <= late <= 5, abs(late - 3), (today - transferred).days)
            if best is None or key < best[0]:
                best = (key, transferred, due, late)
        if best is None:
            so_far = count_text((today - ctx.floor).days + 1)
            raise Unreachable(f"năm {ctx.year} mới có {so_far} ngày: "
                              f"đơn chuyển đi trong năm chưa thể quá hạn đôn đốc 15 ngày")
        key, transferred, due, late = best
        note = ""
        if key[0]:
            note = (f"không có ngày chuyển đơn nào trong năm {ctx.year} để hạn đôn đốc đã quá "
                    f"02–05 ngày làm việc; đơn được tạo với hạn đôn đốc {day_text(due)} (quá hạn "
                    f"{count_text((today - due).days)} ngày)")
        received, classified = ctx.chain(transferred, [1, 1])
        timeline = Timeline(ctx)
        steps = [
            self.receive_step(received, timeline),
            Step("classify", classified, timeline.at(classified, "classify"), dict(
                competence=Competence.OTHER,
                reason=f"Đơn kiến nghị có họ tên, nội dung cụ thể; thuộc thẩm quyền của "
                       f"{self.recipient}.")),
            Step("transfer", transferred, timeline.at(transferred, "transfer"), dict(
                recipient=self.recipient,
                reason=f"Chuyển đơn đến {self.recipient} xem xét, giải quyết theo thẩm quyền và "
                       f"thông báo kết quả cho Văn phòng Đảng ủy."), series="CV/ĐU"),
        ]
        return Plan(self, received, steps, expect={"due_on": due, "rung": not key[0]}, note=note)

    def verify(self, clock, ctx, plan):
        self.check(clock.status == ClockStatus.RUNNING and clock.due_on == plan.expect["due_on"]
                   and clock.due_on < ctx.today,
                   f"hạn đôn đốc phải là {date_text(plan.expect['due_on'])} và đã qua, nay là "
                   f"{date_text(clock.due_on) if clock.due_on else 'không có'}")
        if plan.expect["rung"]:
            self.check(clock.overdue_on is not None and clock.overdue_on <= ctx.today,
                       "hạn đôn đốc phải đã đến mốc báo quá hạn")


LETTERS = [FreshLetter(), ComplaintAwaitingAcceptance(), ExtendedDenunciation(),
           PausedComplaint(), OverdueTransferred()]


# ------------------------------------------------------------------ loading

@dataclass
class Result:
    today: date
    year: int
    created: list = field(default_factory=list)  # (plan, petition)
    existing: list = field(default_factory=list)  # (letter, petition)
    skipped: list = field(default_factory=list)  # (letter, reason)


class MissingDemoData(Exception):
    pass


def existing_letters(year, orgs):
    """The letters of this set already in the register for `year`, by letter key."""
    found = {}
    for letter in LETTERS:
        petition = (Petition.objects.filter(organisation=orgs[letter.org_code],
                                            receipt_year=year, summary=letter.summary(year))
                    .order_by("receipt_seq").first())
        if petition is not None:
            found[letter.key] = petition
    return found


def _number_documents(plans, year):
    """Give each document a number of its series: growing with the date, never repeated
    (also not across letters), roughly where such a register would be on that day."""
    by_series = {}
    for plan in plans:
        for step in plan.steps:
            if step.series:
                by_series.setdefault(step.series, []).append(step)
    for series, steps in by_series.items():
        last = 0
        for step in sorted(steps, key=lambda s: s.day):
            day_of_year = (step.day - date(year, 1, 1)).days + 1
            last = max(last + 1, round(day_of_year * SERIES_RATE[series]))
            step.data["doc_number"] = f"{count_text(last)}-{series}"


def _open_clock(petition, step):
    return (DeadlineClock.objects.select_related("rule")
            .get(petition=petition, rule__step=step, status__in=OPEN_CLOCK_STATUSES))


def _create(plan, *, orgs, users, subject_orgs):
    letter = plan.letter
    actor = users[letter.actor]
    org = orgs[letter.org_code]
    petition = None
    for step in plan.steps:
        data = step.data
        if step.action == "receive":
            name, address = letter.sender
            petition = svc.petition_receive(
                actor=actor, organisation=org, received_on=step.day, channel=letter.channel,
                kind=letter.kind, sender_type=SenderType.NAMED,
                senders=[svc.SenderData(full_name=name, address=address)],
                summary=letter.summary(plan.received_on.year),
                subject_name=letter.subject_name,
                subject_organisation=(subject_orgs[letter.subject_organisation]
                                      if letter.subject_organisation else None),
                forwarded_by=letter.forwarded_by, at=step.at)
        elif step.action == "classify":
            svc.petition_classify(actor=actor, petition_id=petition.pk, kind=letter.kind,
                                  competence=data["competence"], reason=data["reason"],
                                  at=step.at)
        elif step.action == "accept":
            svc.petition_accept(actor=actor, petition_id=petition.pk,
                                doc_number=data["doc_number"], doc_date=step.day,
                                reason=data["reason"], at=step.at)
        elif step.action == "transfer":
            svc.petition_transfer(actor=actor, petition_id=petition.pk,
                                  recipient=data["recipient"], doc_number=data["doc_number"],
                                  doc_date=step.day, reason=data["reason"], at=step.at)
        elif step.action == "pause":
            clock = _open_clock(petition, letter.step)
            clock_svc.clock_pause(
                actor=actor, clock_id=clock.pk, on=step.day,
                reason=f"Văn bản số {data['doc_number']} ngày {date_text(step.day)} đề nghị người "
                       f"khiếu nại bổ sung bản sao quyết định kỷ luật, biên bản họp chi bộ đã "
                       f"được giao và các tài liệu, chứng cứ kèm theo; tạm dừng tính thời hạn "
                       f"đến khi nhận đủ tài liệu.")
        elif step.action == "extend":
            clock = _open_clock(petition, letter.step)
            clock_svc.clock_extend(
                actor=users[letter.extension_decided_by], clock_id=clock.pk, days=data["days"],
                decision_number=data["doc_number"], decision_date=step.day,
                reason=data["reason"])
        else:  # pragma: no cover - a mistake in the table above
            raise ValueError(step.action)
    return petition


def load(*, today=None, now=None):
    """Plan, create and check the letters. Call inside a transaction: a NotAsIntended or a
    service refusal must roll everything back."""
    today = today or timezone.localdate()
    now = now or timezone.now()
    orgs = {o.code: o for o in Organisation.objects.filter(code__in=ORG_CODES)}
    users = {u.username: u for u in get_user_model().objects.filter(username__in=USERNAMES)}
    missing = [c for c in ORG_CODES if c not in orgs] + [u for u in USERNAMES if u not in users]
    if missing:
        raise MissingDemoData(", ".join(missing))
    subject_codes = {x.subject_organisation for x in LETTERS if x.subject_organisation}
    subject_orgs = {o.code: o for o in Organisation.objects.filter(code__in=subject_codes)}
    if len(subject_orgs) != len(subject_codes):
        raise MissingDemoData(", ".join(sorted(subject_codes - set(subject_orgs))))

    ctx = Context(today=today, now=now, cal=get_calendar())
    result = Result(today=today, year=ctx.year)
    found = existing_letters(ctx.year, orgs)
    if found:
        result.existing = [(x, found[x.key]) for x in LETTERS if x.key in found]
        return result

    plans = []
    for letter in LETTERS:
        try:
            plans.append(letter.plan(ctx))
        except Unreachable as exc:
            result.skipped.append((letter, str(exc)))
    _number_documents(plans, ctx.year)
    # Receipt numbers follow the order of receipt, as in a paper register.
    order = {x.key: i for i, x in enumerate(LETTERS)}
    for plan in sorted(plans, key=lambda p: (p.received_on, p.steps[0].at, order[p.letter.key])):
        petition = _create(plan, orgs=orgs, users=users, subject_orgs=subject_orgs)
        result.created.append((plan, petition))
    for plan, petition in result.created:
        if petition.receipt_year != ctx.year:
            raise NotAsIntended(f"đơn {petition.receipt_number} không thuộc năm {ctx.year}")
        clock = _open_clock(petition, plan.letter.step)
        try:
            plan.letter.verify(clock, ctx, plan)
        except NotAsIntended as exc:
            raise NotAsIntended(f"đơn {petition.receipt_number} ({plan.letter.intended}): "
                                f"{exc}") from None
    result.created.sort(key=lambda pair: order[pair[0].letter.key])
    return result


# ------------------------------------------------------------------ describing

def clock_words(clock, today, cal):
    """How a clock stands today, for the command's output."""
    rule = clock.rule
    step = str(rule.get_step_display())
    if clock.status == ClockStatus.PAUSED:
        return f"{step}: tạm dừng từ {date_text(clock.paused_on)}"
    if clock.status == ClockStatus.STOPPED:
        return f"{step}: đã kết thúc"
    left = clock_svc.days_left(clock, today=today, cal=cal)
    due = f"hạn {day_text(clock.due_on)}"
    if clock.due_on < today:
        late = -left if left else (today - clock.due_on).days
        words = f"{due}, quá hạn {unit_count(rule, late)}"
    elif clock.due_on == today:
        words = f"{due}, đến hạn hôm nay"
    else:
        words = f"{due}, còn {unit_count(rule, left)}"
        extra = []
        if rule.unit == Unit.CALENDAR:  # the ladder counts in working days
            working = cal.working_days_between(today, clock.due_on)
            extra.append(f"{count_text(working)} ngày làm việc")
        if clock.warn_on and clock.warn_on <= today:
            extra.append("sắp đến hạn: đã đến mốc nhắc trước hạn")
        if extra:
            words += f" ({'; '.join(extra)})"
    if clock.extensions_used:
        last = clock.entries.filter(kind="extend").order_by("-id").first()
        words += (f"; đã gia hạn {count_text(clock.extensions_used)} lần, lần gần nhất thêm "
                  f"{unit_count(rule, last.days)} theo quyết định số {last.decision_number} "
                  f"ngày {date_text(last.decision_date)}")
    return f"{step}: {words}"


def petition_line(petition, letter, today, cal):
    clocks = (DeadlineClock.objects.select_related("rule")
              .filter(petition=petition, rule__step=letter.step).order_by("-id"))
    clock = clocks.first()
    state = clock_words(clock, today, cal) if clock else "không có thời hạn"
    return (f"{petition.receipt_number} {petition.organisation}, {letter.label()} nhận "
            f"{date_text(petition.received_on)} – {state}.")

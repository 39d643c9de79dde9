"""`python manage.py load_demo_inspections`: the inspections and supervisions of Kè Sắt,
2025 as the year-end report has them and the current year's programme under way. Run
after `load_demo` (it creates the commune, the branches and the demo users).

Every case goes through the services the pages use (`case_open`, `case_step`), back-dated
with `at=` and the document dates, so each has a real history; the open ones then get their
viewflow process (`sync_case_process`). 2025's dates are fixed; the current year's are
counted back from today on the working-day calendar (shrunk early in the year). The tables
are in `casework.demo_inspections`.

Each part is loaded once: it is recognised by the UBKT's programme of its year. Everything
is written in one transaction and the report's figures are read back and checked before it
commits, so a mistake leaves nothing half-loaded. Running the command again creates nothing.
"""
from collections import Counter
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from casework import case_steps, demo_data
from casework import demo_inspections as data
from casework.demo_documents import issue_demo_case_documents
from casework.errors import ActionRefused
from casework.formatting import count_text, date_text
from casework.models import (
    CaseEvent,
    CaseStatus,
    InspectionCase,
    InspectionKind,
    InspectionProgramme,
    Member,
    Organisation,
    ProgrammeItem,
    RoleAssignment,
)
from casework.models.inspections import procedure_of
from casework.services import inspections as svc
from workflows.calendar import get_calendar

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
STEP_REASON = {
    "announce": "Công bố quyết định, kế hoạch tại cuộc họp với đối tượng.",
    "explain": "Đối tượng nộp báo cáo giải trình bằng văn bản.",
    "verify": "Đoàn thẩm tra, xác minh tài liệu, làm việc với tổ chức, cá nhân liên quan.",
    "review": "Xem xét báo cáo của đối tượng, đối chiếu tài liệu.",
    "report": "Đoàn báo cáo kết quả kiểm tra.",
    "meet": "Họp thông qua dự thảo báo cáo với đối tượng.",
    "open_discipline": "Đề nghị cấp có thẩm quyền xem xét, thi hành kỷ luật theo kết luận.",
    "remediate": "Theo dõi việc khắc phục hạn chế theo kết luận, thông báo.",
    "archive": "Hoàn thiện, lưu hồ sơ cuộc kiểm tra, giám sát.",
}
SERIES = {"ubkt": "UBKT", "executive": "ĐU", "branch": "CB"}
BODY_USER = {"ubkt": ("ubkt", ["ubkt.trang"]), "executive": ("lanhdao", ["ubkt"])}
MIN_DAYS_FOR_CASES = 20  # days of the current year needed to place its cases
FULL_SPAN = 160          # days the current year's timeline takes when there is room


def _day(text):
    return datetime.strptime(text, "%d/%m/%Y").date()


def quarter_of(d):
    return (d.month - 1) // 3 + 1


def steps_to(kind, upto, remediation=False):
    """The steps from the decision up to the status `upto` (archived: with or without a
    remediation follow-up), as CASE_STEPS orders them. A case waiting on its discipline
    decision was concluded with a violation; every other demo case without."""
    return case_steps.steps_to(procedure_of(kind), upto, remediation=remediation,
                               violation_found=upto == CaseStatus.DISCIPLINE)


class Loader:
    def __init__(self, *, today):
        self.today, self.cal = today, get_calendar()
        self.numbers = Counter()
        self.notes = []
        self.open_cases = []

    # ---- people and places -------------------------------------------------------------
    def load_people(self):
        codes = {c for _, _, _, c in data.USERS} | set(data.BRANCH_2025) | {
            "ubkt", "ke-sat", "van-phong", "ho-lieu", "ly-dong", "thon-3", "thon-trung",
            "ngoc-mai"}
        self.orgs = {o.code: o for o in Organisation.objects.filter(code__in=codes)}
        User = get_user_model()
        self.users = {u.username: u for u in User.objects.filter(
            username__in=["ubkt", "lanhdao", "bithu.hoache"])}
        missing = sorted(codes - set(self.orgs)) + sorted(
            {"ubkt", "lanhdao", "bithu.hoache"} - set(self.users))
        if missing:
            raise CommandError("Chưa có dữ liệu mẫu (" + ", ".join(missing) + "). Hãy chạy "
                               "trước: python manage.py load_demo")
        for username, full_name, role, code in data.USERS:
            user, new = User.objects.get_or_create(username=username,
                                                   defaults={"first_name": full_name})
            if new:
                user.set_password(demo_data.DEMO_PASSWORD)
                user.save(update_fields=["password"])
            RoleAssignment.objects.get_or_create(user=user, organisation=self.orgs[code],
                                                 role=role)
            self.users[username] = user
        for code, name, birth in data.NAMED_MEMBERS:
            self.member(code, name, birth)

    def member(self, code, name, birth=None):
        member, _ = Member.objects.get_or_create(full_name=name, organisation=self.orgs[code],
                                                 defaults={"birth_year": birth})
        return member

    def branch_members(self, code, count):
        known = [name for name, _, _ in demo_data.MEMBERS.get(code, [])]
        taken = set(known)
        people = [(n, None) for n in known[:count]]
        people += data.generated_members(code, count - len(people), taken)
        return [self.member(code, name, birth) for name, birth in people]

    # ---- numbers, days, moments ----------------------------------------------------------
    def number(self, kind, body, year, org_code):
        key = (kind, body, year, org_code if body == "branch" else "")
        self.numbers[key] += 1
        return f"{self.numbers[key]:02d}-{kind}/{SERIES[body]}"

    def working_on_or_before(self, d, floor):
        while not self.cal.is_working_day(d):
            d -= timedelta(days=1)
        if d < floor:
            d = self.cal.next_working_day(floor - timedelta(days=1))
        return d

    def spread(self, start, end, count):
        """`count` working days from just after `start` to `end`, in order (several steps
        may share a day)."""
        days, previous = [], start
        for i in range(1, count + 1):
            d = start + timedelta(days=round((end - start).days * i / count))
            d = max(self.working_on_or_before(d, start), previous)
            days.append(d)
            previous = d
        return days

    # ---- one case, through the services ----------------------------------------------------
    def run_case(self, *, body, org_code, kind, subject, title, content, item, decided,
                 ends_on, steps, step_days, decision_number=None, remediation_note=""):
        actor_name, team_names = BODY_USER.get(body, (data.SECRETARY.get(org_code), []))
        actor = self.users[actor_name]
        moments = iter(range(10_000))

        def at(d):
            return timezone.make_aware(datetime.combine(d, time(8, 0)), ZONE) + timedelta(
                minutes=25 * next(moments))

        subject_members, subject_orgs = [], []
        if isinstance(subject, tuple):
            subject_members = [self.member(*subject)]
            subject_name = f"đồng chí {subject_members[0].full_name}"
        else:
            # an organisation's code, or a list of them: one case, several subjects
            subject_orgs = [self.orgs[code] for code in
                            (subject if isinstance(subject, list) else [subject])]
            subject_name = ", ".join(str(org) for org in subject_orgs)
        year = decided.year
        case = svc.case_open(
            actor=actor, organisation=self.orgs[org_code], body=body, kind=kind, title=title,
            decision_number=decision_number or self.number("QĐ", body, year, org_code),
            decision_date=decided,
            starts_on=min(self.cal.next_working_day(decided), ends_on), ends_on=ends_on,
            team_leader=actor, team=[self.users[u] for u in team_names],
            subject_members=subject_members, subject_organisations=subject_orgs, content=content,
            programme_item=item, at=at(decided))
        last_day = decided
        for action, d in zip(steps, step_days):
            last_day = d if d > last_day else last_day
            kwargs = {"reason": STEP_REASON.get(action, "")}
            if action == "conclude":
                violation = "open_discipline" in steps
                kwargs.update(
                    conclusion=(f"{subject_name[:1].upper()}{subject_name[1:]} "
                                + (data.VIOLATION_CONCLUSION if violation else
                                   f"cơ bản thực hiện tốt nội dung được kiểm tra; không có "
                                   f"vi phạm. {remediation_note}".strip())),
                    violation_found=violation,
                    doc_number=self.number("KL", body, year, org_code),
                    doc_date=last_day, reason="")
            elif action == "notify":
                kwargs.update(doc_number=self.number("TB", body, year, org_code),
                              doc_date=last_day,
                              reason=f"Thông báo kết luận, kết quả đến {subject_name} và tổ "
                                     f"chức đảng quản lý.")
            elif action == "archive":
                kwargs.update(on=last_day)
            case = svc.case_step(actor=actor, case_id=case.pk, action=action, at=at(last_day),
                                 **kwargs)
        if case.is_open:
            self.open_cases.append(case)
        return case

    # ---- 2025: the report --------------------------------------------------------------------
    def load_2025(self):
        year = data.YEAR
        if InspectionProgramme.objects.filter(organisation=self.orgs["ubkt"], year=year,
                                              body="ubkt").exists():
            return False
        programmes = {}

        def programme(code, body):
            if code not in programmes:
                programmes[code] = InspectionProgramme.objects.create(
                    organisation=self.orgs[code], year=year, body=body,
                    document=data.PROGRAMME_DOCUMENTS_2025[body])
            return programmes[code]

        def item(code, body, kind, quarter, planned, target=None, content=""):
            return ProgrammeItem.objects.create(
                programme=programme(code, body), kind=kind, quarter=quarter,
                planned_cases=planned, target_organisation=target, content=content)

        for b, (code, (inspected, supervised)) in enumerate(data.BRANCH_2025.items()):
            people = self.branch_members(code, inspected + supervised)
            for kind, members, first_day, days, content in [
                (InspectionKind.MEMBER_COMPLIANCE, people[:inspected], date(2025, 8, 4), 45,
                 data.BRANCH_INSPECTION_CONTENT),
                (InspectionKind.THEMATIC_SUPERVISION, people[inspected:], date(2025, 10, 6), 40,
                 data.BRANCH_SUPERVISION_CONTENT),
            ]:
                if not members:
                    continue
                decided = self.cal.next_working_day(first_day + timedelta(days=3 * b - 1))
                the_item = item(code, "branch", kind, quarter_of(decided), len(members),
                                content=content)
                number = self.number("QĐ", "branch", year, code)  # one decision, all members
                for i, m in enumerate(members):
                    remediation = i % 4 == 3
                    steps = steps_to(kind, CaseStatus.ARCHIVED, remediation)
                    ends_on = decided + timedelta(days=days)
                    label = ("Kiểm tra đảng viên" if kind == InspectionKind.MEMBER_COMPLIANCE
                             else "Giám sát chuyên đề đảng viên")
                    self.run_case(
                        body="branch", org_code=code, kind=kind, subject=(code, m.full_name),
                        title=f"{label} {m.full_name}", content=content, item=the_item,
                        decided=decided, ends_on=ends_on, steps=steps,
                        step_days=self.spread(decided, ends_on - timedelta(days=i % 5),
                                              len(steps)),
                        decision_number=number,
                        remediation_note="Đề nghị khắc phục một số hạn chế đã chỉ ra."
                        if remediation else "")
        for body, code, cases in [("ubkt", "ubkt", data.UBKT_2025),
                                  ("executive", "ke-sat", data.EXECUTIVE_2025)]:
            for kind, subject, day, days, remediation, content in cases:
                decided = _day(day)
                # The item of a case with several subjects names no one target: its content
                # names them. It plans one case (planned_cases counts cases, not subjects).
                target = (None if isinstance(subject, list) else
                          self.orgs[subject[0] if isinstance(subject, tuple) else subject])
                the_item = item(code, body, kind, quarter_of(decided), 1, target, content)
                steps = steps_to(kind, CaseStatus.ARCHIVED, remediation)
                ends_on = decided + timedelta(days=days)
                self.run_case(
                    body=body, org_code=code, kind=kind, subject=subject,
                    title=content.split(";")[0].rstrip("."), content=content, item=the_item,
                    decided=decided, ends_on=ends_on, steps=steps,
                    step_days=self.spread(decided, ends_on, len(steps)),
                    remediation_note="Đề nghị khắc phục các hạn chế đã chỉ ra."
                    if remediation else "")
        return True

    # ---- the current year ------------------------------------------------------------------
    def load_current(self):
        year, today = self.today.year, self.today
        if year <= data.YEAR:
            self.notes.append(f"Năm {year} là năm của báo cáo: không tạo chương trình năm nay.")
            return False
        if InspectionProgramme.objects.filter(organisation=self.orgs["ubkt"], year=year,
                                              body="ubkt").exists():
            return False
        jan1 = date(year, 1, 1)
        room = (today - jan1).days
        scale = min(1.0, max(room - 2, 0) / FULL_SPAN)
        if scale < 1:
            self.notes.append(f"Đầu năm {year} mới có {count_text(room)} ngày: "
                              f"các mốc thời gian của "
                              f"cuộc kiểm tra, giám sát năm nay được rút ngắn theo tỉ lệ.")

        def ago(days):
            if not days:
                return today
            d = today - timedelta(days=max(1, round(days * scale)))
            return self.working_on_or_before(d, jan1)

        cases = data.CURRENT_CASES if room >= MIN_DAYS_FOR_CASES else []
        if not cases:
            self.notes.append(f"Năm {year} mới bắt đầu ({count_text(room)} ngày): chỉ tạo chương "
                              f"trình, chưa tạo cuộc kiểm tra, giám sát nào.")
        decided = {i: ago(spec[5]) for i, spec in enumerate(cases)}
        first_case_quarter = {}
        for i, spec in enumerate(cases):
            if spec[0]:
                first_case_quarter.setdefault(spec[0], quarter_of(decided[i]))
        now_q = quarter_of(today)
        programmes = {
            key: InspectionProgramme.objects.create(
                organisation=self.orgs[code], year=year, body=body,
                document=f"01-CTr/{SERIES[body]} ngày {date_text(self.cal.next_working_day(jan1))}")
            for key, (code, body) in data.CURRENT_PROGRAMMES.items()}
        items = {}
        for key, (prog, kind, target, planned, quarter, content) in data.CURRENT_ITEMS.items():
            quarter = (max(1, now_q - 1) if quarter == "previous"
                       else first_case_quarter.get(key, now_q))
            items[key] = ProgrammeItem.objects.create(
                programme=programmes[prog], kind=kind, quarter=quarter, planned_cases=planned,
                target_organisation=self.orgs[target] if target else None, content=content)
        # Opened in the order of their decisions, so their numbers follow the dates.
        for i in sorted(decided, key=lambda i: (decided[i], i)):
            item_key, prog, kind, subject, title, _, days, upto, last_ago = cases[i]
            code, body = data.CURRENT_PROGRAMMES[prog]
            start = decided[i]
            steps = steps_to(kind, upto)
            last = max(ago(last_ago), start) if steps else start
            self.run_case(
                body=body, org_code=code, kind=kind, subject=subject, title=title,
                content=items[item_key].content if item_key else title + ".",
                item=items.get(item_key), decided=start,
                ends_on=start + timedelta(days=max(1, round(days * scale))), steps=steps,
                step_days=self.spread(start, last, len(steps)))
        return True

    # ---- processes and checks ------------------------------------------------------------------
    def sync_processes(self):
        """The open cases created now get their viewflow process, waiting on their next step
        (the services were called directly, not through the task pages)."""
        from workflows.case_processes import sync_case_process

        for case in self.open_cases:
            sync_case_process(case)

    def check_2025(self):
        """The report's figures, read back from the cases."""
        got = data.branch_counts(data.YEAR)
        expected = {
            kind: {c: n[i] for c, n in data.BRANCH_2025.items() if n[i]}
            for i, kind in enumerate([InspectionKind.MEMBER_COMPLIANCE,
                                      InspectionKind.THEMATIC_SUPERVISION])}
        wrong = [k for k in expected if got.get(k, {}) != expected[k]]
        if wrong:
            raise CommandError(f"Dữ liệu mẫu năm {data.YEAR} không khớp báo cáo: {wrong}")


class Command(BaseCommand):
    help = ("Nạp dữ liệu mẫu kiểm tra, giám sát: năm 2025 theo báo cáo tổng kết (chi bộ kiểm tra "
            "31, giám sát 39 đảng viên; UBKT; Ban Chấp hành) và chương trình năm nay đang thực "
            "hiện. Chạy sau load_demo; chạy lại không tạo thêm.")

    def handle(self, *args, **options):
        before = {m: m.objects.count() for m in (InspectionProgramme, ProgrammeItem,
                                                 InspectionCase, CaseEvent, Member)}
        users_before = get_user_model().objects.count()
        loader = Loader(today=timezone.localdate())
        failed = "Không nạp được dữ liệu mẫu kiểm tra, giám sát, chưa ghi gì"
        try:
            with transaction.atomic():
                loader.load_people()
                loader.load_2025()
                loader.load_current()
                # The Word decisions of a few of this year's UBKT cases.
                issue_demo_case_documents(actor=loader.users["ubkt"],
                                          organisation=loader.orgs["ubkt"],
                                          year=loader.today.year)
                loader.check_2025()
                loader.sync_processes()
        except ActionRefused as exc:
            raise CommandError(f"{failed}: {exc.message}") from exc
        except ValidationError as exc:
            raise CommandError(f"{failed}: {'; '.join(exc.messages)}") from exc
        created = [(get_user_model().objects.count() - users_before, "người dùng")] + [
            (m.objects.count() - n, label) for (m, n), label in zip(before.items(), [
                "chương trình", "nội dung chương trình", "cuộc kiểm tra, giám sát",
                "sự kiện", "đảng viên"])]
        parts = [f"{count_text(n)} {label}" for n, label in created if n]
        self.stdout.write(self.style.SUCCESS(f"Đã tạo {', '.join(parts)}.") if parts
                          else "Dữ liệu mẫu kiểm tra, giám sát đã có, không tạo thêm.")
        for note in loader.notes:
            self.stdout.write(f"Lưu ý: {note}")
        self.report(loader)

    def report(self, loader):
        for line in data.summary_lines(orgs=loader.orgs, today=loader.today):
            self.stdout.write(line)

"""`python manage.py load_demo`: the commune of Kè Sắt with its 2025 letters, for trying the
system out and for demonstrations.

Organisations, members and users are matched by their natural keys (code; name and branch;
username) and only created when missing. The letters go through the same services as the
pages (receive, classify, transfer, follow up, resolve, withdraw, file), back-dated with
`at=` to their moment in 2025, so each has a real history and a receipt number issued by the
service; they are loaded only if the organisation has no letter in 2025 yet. Everything is
written in one transaction: a failure leaves nothing half-loaded. Running the command again
creates nothing. The data itself is in `casework.demo_data`.
"""
from datetime import datetime, time
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from casework import demo_data as data
from casework.demo_documents import issue_demo_documents
from casework.errors import ActionRefused
from casework.formatting import count_text
from casework.models import (
    CaseEvent,
    ClearanceEvent,
    ClearanceEventType,
    Competence,
    EventType,
    Member,
    Organisation,
    OutsideBody,
    Petition,
    PetitionKind,
    PetitionStatus,
    ReceiptCounter,
    Role,
    RoleAssignment,
    SenderType,
)
from casework.services import petitions as svc
from casework.services.clearance import clearance_approve, clearance_request

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")

# Time of day given to each kind of step on its date (office hours).
STEP_TIME = {
    "received": time(8, 30),
    "classified": time(15, 0),
    "transferred": time(10, 0),
    "followed_up": time(9, 15),
    "accepted": time(9, 45),
    "outcome": time(14, 30),
}


def _day(text):
    return datetime.strptime(text, "%d/%m/%Y").date()


class _Timeline:
    """The moments of one letter's events; refuses a step dated before the previous one,
    so a mistake in the data tables cannot produce a history that runs backwards."""

    def __init__(self, label):
        self.label = label
        self.last = None

    def at(self, day_text, step):
        moment = timezone.make_aware(datetime.combine(_day(day_text), STEP_TIME[step]), ZONE)
        if self.last is not None and moment <= self.last:
            raise CommandError(f"Dữ liệu mẫu sai: {self.label}, bước “{step}” ngày {day_text} "
                               f"không sau bước trước.")
        self.last = moment
        return moment


class Command(BaseCommand):
    help = ("Nạp dữ liệu mẫu: Đảng bộ xã Kè Sắt, các chi bộ, tài khoản dùng thử và sổ đơn thư "
            "năm 2025 theo báo cáo tổng kết. Chạy lại không tạo thêm.")

    def handle(self, *args, **options):
        self.created = dict(orgs=0, members=0, users=0, roles=0, clearances=0, bodies=0,
                            petitions=0, events=0)
        self.existing_users = []
        petitions_before, events_before = Petition.objects.count(), CaseEvent.objects.count()
        try:
            with transaction.atomic():
                orgs = self.load_organisations()
                self.bodies = self.load_outside_bodies(orgs)
                members = self.load_members(orgs)
                users = self.load_users(orgs)
                self.load_clearances(users)
                self.load_office_letters(orgs, members, users)
                self.load_ubkt_letter(orgs, users)
                # The Word documents of a few letters' steps (casework.demo_documents).
                issue_demo_documents(actor=users["vanphong"], organisation=orgs["van-phong"],
                                     year=data.YEAR)
                self.created["petitions"] = Petition.objects.count() - petitions_before
                self.created["events"] = CaseEvent.objects.count() - events_before
        except ActionRefused as exc:
            raise CommandError(f"Không nạp được dữ liệu mẫu, chưa ghi gì: {exc.message}") from exc
        except ValidationError as exc:
            raise CommandError(
                f"Không nạp được dữ liệu mẫu, chưa ghi gì: {'; '.join(exc.messages)}") from exc
        self.report(orgs)

    # ---- organisations, members, users ----------------------------------------------
    def load_organisations(self):
        orgs = {}
        for code, name, kind, parent_code in data.ORGANISATIONS:
            # Parents come first in the table: Organisation.save needs the parent's path.
            org, new = Organisation.objects.get_or_create(
                code=code, defaults=dict(name=name, kind=kind, symbol=data.SYMBOLS.get(code, ""),
                                         parent=orgs[parent_code] if parent_code else None))
            self.created["orgs"] += new
            orgs[code] = org
        return orgs

    def load_outside_bodies(self, orgs):
        bodies = {}
        for name, kind, org_code in data.OUTSIDE_BODIES:
            body, new = OutsideBody.objects.get_or_create(
                name=name, defaults=dict(kind=kind,
                                         organisation=orgs[org_code] if org_code else None))
            self.created["bodies"] += new
            bodies[name] = body
        return bodies

    def load_members(self, orgs):
        members = {}
        for code, people in data.MEMBERS.items():
            for full_name, birth_year, status in people:
                member, new = Member.objects.get_or_create(
                    full_name=full_name, organisation=orgs[code],
                    defaults=dict(birth_year=birth_year, status=status))
                self.created["members"] += new
                members[(code, full_name)] = member
        return members

    def load_users(self, orgs):
        User = get_user_model()
        users = {}
        for username, full_name, role, org_code in data.USERS:
            admin = role is None
            user, new = User.objects.get_or_create(
                username=username,
                defaults=dict(first_name=full_name, last_name="", is_staff=admin,
                              is_superuser=admin))
            if new:
                user.set_password(data.DEMO_PASSWORD)
                user.save(update_fields=["password"])
                self.created["users"] += 1
            else:
                self.existing_users.append(username)  # its password is left as it is
            if role:
                _, new_role = RoleAssignment.objects.get_or_create(
                    user=user, organisation=orgs[org_code], role=role)
                self.created["roles"] += new_role
            users[username] = user
        return users

    def load_clearances(self, users):
        """The demo's clearances, by the same two-administrator path as in the admin: one
        asks, the other approves. An assignment already explained by an approved grant is
        left alone, so a second run writes nothing."""
        requester = users[data.CLEARANCE_REQUESTED_BY]
        approver = users[data.CLEARANCE_APPROVED_BY]
        for username in sorted(data.IDENTITY_CLEARED):
            for assignment in users[username].role_assignments.all():
                if ClearanceEvent.objects.filter(assignment_id=assignment.pk,
                                                 event_type=ClearanceEventType.APPROVED).exists():
                    continue
                request = clearance_request(requester=requester, assignment=assignment,
                                            grant=True, reason=data.CLEARANCE_REASON)
                clearance_approve(approver=approver, request=request)
                self.created["clearances"] += 1

    # ---- letters ----------------------------------------------------------------------
    def _has_letters(self, organisation):
        if Petition.objects.filter(organisation=organisation, receipt_year=data.YEAR).exists():
            return True
        counter = ReceiptCounter.objects.filter(organisation=organisation, year=data.YEAR).first()
        if counter and counter.last_value:
            self.stderr.write(f"Lưu ý: {organisation} đã cấp {counter.last_value} số biên nhận "
                              f"năm {data.YEAR}; số của đơn mẫu sẽ tiếp theo số đó.")
        return False

    def load_office_letters(self, orgs, members, users):
        office = orgs["van-phong"]
        if self._has_letters(office):
            return
        clerk, leader = users["vanphong"], users["lanhdao"]
        for spec in data.OFFICE_LETTERS:
            self.load_office_letter(spec, office=office, orgs=orgs, members=members,
                                    clerk=clerk, leader=leader, users=users)

    def load_office_letter(self, spec, *, office, orgs, members, clerk, leader, users):
        steps = _Timeline(f"đơn nhận ngày {spec['received']}")
        subject_org = spec.get("subject_organisation")
        petition = svc.petition_receive(
            actor=clerk, organisation=office, received_on=_day(spec["received"]),
            channel=spec["channel"], kind=spec["kind"], sender_type=SenderType.NAMED,
            senders=[svc.SenderData(full_name=name, address=address)
                     for name, address in spec["senders"]],
            summary=spec["summary"], subject_name=spec.get("subject_name", ""),
            subject_member=members[spec["subject_member"]] if spec.get("subject_member") else None,
            subject_organisation=orgs[subject_org] if subject_org else None,
            forwarded_by=spec.get("forwarded_by", ""), at=steps.at(spec["received"], "received"))
        pk = petition.pk
        kind_label = str(PetitionKind(spec["kind"]).label).lower()
        day, recipient, number = spec["transferred"]
        svc.petition_classify(
            actor=clerk, petition_id=pk, kind=spec["kind"], competence=Competence.OTHER,
            reason=f"Đơn {kind_label} có họ tên, nội dung cụ thể; thuộc thẩm quyền của "
                   f"{recipient}.",
            at=steps.at(spec["classified"], "classified"))
        # Chosen, not typed: a unit inside the system, else a body of the directory.
        unit = orgs[spec["handed_to"]] if spec.get("handed_to") else None
        body = None if unit else self.bodies.get(recipient)
        svc.petition_transfer(
            actor=clerk, petition_id=pk, recipient="" if unit or body else recipient,
            recipient_organisation=unit, outside_body=body, doc_number=number,
            doc_date=_day(day),
            reason=f"Chuyển đơn đến {recipient} xem xét, giải quyết theo thẩm quyền và thông báo "
                   f"kết quả cho Văn phòng Đảng ủy.",
            at=steps.at(day, "transferred"))
        for day, reason, number in spec.get("follow_ups", ()):
            svc.petition_follow_up(
                actor=clerk, petition_id=pk, reason=reason, doc_number=number,
                doc_date=_day(day) if number else None, at=steps.at(day, "followed_up"))

        outcome = spec["outcome"]
        if unit is not None:
            self.load_branch_steps(spec, petition, unit, users, steps)
            return
        if outcome is None:
            return
        if outcome[0] == "resolved":
            _, number, doc_day, recorded, result = outcome
            svc.petition_resolve(actor=clerk, petition_id=pk, result=result, doc_number=number,
                                 doc_date=_day(doc_day), at=steps.at(recorded, "outcome"))
        elif outcome[0] == "withdrawn":
            _, letter_day, recorded, reason = outcome
            svc.petition_withdraw(actor=clerk, petition_id=pk, doc_date=_day(letter_day),
                                  reason=reason, at=steps.at(recorded, "outcome"))
        elif outcome[0] == "filed":
            # Lưu đơn is a decision of the committee, not of the office clerk.
            _, day, filed_reason, reason = outcome
            svc.petition_file(actor=leader, petition_id=pk, filed_reason=filed_reason,
                              reason=reason, at=steps.at(day, "outcome"))
        else:
            raise CommandError(f"Dữ liệu mẫu sai: kết quả “{outcome[0]}” không hợp lệ.")

    def load_branch_steps(self, spec, petition, unit, users, steps):
        """A letter handed to a branch inside the system: the branch's secretary takes it
        on in the branch's register, and the sender's withdrawal reaches the branch; each
        step comes back to the office's letter (casework.services.handoff), which the
        withdrawal closes."""
        secretary = next(users[name] for name, _full, role, code in data.USERS
                         if code == spec["handed_to"] and role == Role.BRANCH_SECRETARY)
        linked = Petition.objects.get(forwarded_from=petition, organisation=unit)
        branch = spec["branch"]
        svc.petition_classify(
            actor=secretary, petition_id=linked.pk, kind=spec["kind"],
            competence=Competence.HERE,
            reason="Nội dung liên quan đến đảng viên của chi bộ; chi bộ xem xét theo thẩm quyền.",
            at=steps.at(branch["classified"], "classified"))
        day, number = branch["accepted"]
        svc.petition_accept(actor=secretary, petition_id=linked.pk, doc_number=number,
                            doc_date=_day(day), at=steps.at(day, "accepted"))
        kind, letter_day, recorded, reason = spec["outcome"]
        if kind != "withdrawn":
            raise CommandError(f"Dữ liệu mẫu sai: kết quả “{kind}” tại chi bộ chưa hỗ trợ.")
        svc.petition_withdraw(actor=secretary, petition_id=linked.pk,
                              doc_date=_day(letter_day), reason=reason,
                              at=steps.at(recorded, "outcome"))

    def load_ubkt_letter(self, orgs, users):
        ubkt_org, ubkt_user = orgs["ubkt"], users["ubkt"]
        if self._has_letters(ubkt_org):
            return
        spec = data.UBKT_LETTER
        steps = _Timeline(f"đơn UBKT nhận ngày {spec['received']}")
        petition = svc.petition_receive(
            actor=ubkt_user, organisation=ubkt_org, received_on=_day(spec["received"]),
            channel=spec["channel"], kind=spec["kind"], sender_type=SenderType.ANONYMOUS,
            senders=[], summary=spec["summary"],
            subject_organisation=orgs[spec["subject_organisation"]],
            at=steps.at(spec["received"], "received"))
        day, competence, reason = spec["classified"]
        svc.petition_classify(actor=ubkt_user, petition_id=petition.pk, kind=spec["kind"],
                              competence=competence, reason=reason,
                              at=steps.at(day, "classified"))
        day, filed_reason, reason = spec["filed"]
        svc.petition_file(actor=ubkt_user, petition_id=petition.pk, filed_reason=filed_reason,
                          reason=reason, at=steps.at(day, "outcome"))

    # ---- what was done ----------------------------------------------------------------
    def report(self, orgs):
        c = self.created
        parts = [f"{count} {label}" for count, label in [
            (c["orgs"], "tổ chức"), (c["members"], "đảng viên"), (c["users"], "người dùng"),
            (c["roles"], "phân quyền"),
            (c["clearances"], "quyền xem danh tính (đề nghị và phê duyệt bởi hai quản trị viên)"),
            (c["bodies"], "cơ quan ngoài hệ thống"),
            (c["petitions"], "đơn"), (c["events"], "sự kiện xử lý"),
        ] if count]
        if parts:
            self.stdout.write(self.style.SUCCESS(f"Đã tạo {', '.join(parts)}."))
        else:
            self.stdout.write("Dữ liệu mẫu đã có, không tạo thêm.")

        self.stdout.write(self.register_line(orgs["van-phong"]))
        self.stdout.write(self.register_line(orgs["ubkt"]))

        self.stdout.write(f"\nTài khoản dùng thử (mật khẩu chung: {data.DEMO_PASSWORD}):")
        width = max(len(username) for username, *_ in data.USERS)
        for username, full_name, role, org_code in data.USERS:
            if role is None:
                where = "quản trị hệ thống (mọi quyền, trừ xem danh tính người tố cáo)"
            else:
                label, org = str(Role(role).label), str(orgs[org_code])
                where = label if label == org else f"{label}, {org}"
                where += f" – {full_name}"
                if username in data.IDENTITY_CLEARED:
                    where += " (được xem danh tính người tố cáo)"
            self.stdout.write(f"  {username:<{width}}  {data.DEMO_PASSWORD}  {where}")
        if self.existing_users:
            self.stdout.write("Tài khoản đã có từ trước giữ nguyên mật khẩu, không đặt lại: "
                              + ", ".join(self.existing_users) + ".")

    @staticmethod
    def register_line(organisation):
        """The year's figures for one organisation, read back from the register."""
        letters = Petition.objects.filter(organisation=organisation, receipt_year=data.YEAR)
        kinds = dict(letters.values_list("kind").annotate(n=Count("id")).order_by())
        statuses = dict(letters.values_list("status").annotate(n=Count("id")).order_by())
        anonymous = letters.exclude(sender_type=SenderType.NAMED).count()
        transferred = letters.filter(events__event_type=EventType.TRANSFERRED).distinct().count()
        order = [PetitionKind.DENUNCIATION, PetitionKind.COMPLAINT,
                 PetitionKind.RECOMMENDATION, PetitionKind.FEEDBACK]
        detail = [f"{count_text(kinds[k])} {str(k.label).lower()}" for k in order if kinds.get(k)]
        if anonymous:
            detail.append(f"trong đó {count_text(anonymous)} đơn không rõ người gửi "
                          f"(giấu tên, mạo tên)")
        open_ = sum(statuses.get(s, 0) for s in (PetitionStatus.RECEIVED,
                                                 PetitionStatus.CLASSIFIED,
                                                 PetitionStatus.ACCEPTED,
                                                 PetitionStatus.TRANSFERRED))
        outcome = [f"{label} {count_text(count)}" for label, count in [
            ("đã chuyển", transferred), ("cho rút", statuses.get(PetitionStatus.WITHDRAWN, 0)),
            ("lưu", statuses.get(PetitionStatus.FILED, 0)),
            ("giải quyết xong", statuses.get(PetitionStatus.RESOLVED, 0)),
            ("hướng dẫn", statuses.get(PetitionStatus.GUIDED, 0)),
            ("đang xem xét, giải quyết", open_),
        ] if count]
        line = f"Năm {data.YEAR}, {organisation}: {count_text(sum(kinds.values()))} đơn"
        if detail:
            line += f" ({', '.join(detail)})"
        return line + (f"; {', '.join(outcome)}." if outcome else ".")

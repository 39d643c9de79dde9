"""Services for inspection and supervision cases: open a case, take each legal step,
record discipline and its appeal.

The only writers of `InspectionCase.status`. Every step is a declaration (`STEPS`) taken
through the transition engine (casework.services.transitions), the same one letters use:
lock the case row, check the acting user (the case's body decides; the team does the field
work), that the user saw the current state, the fields and the moment, apply the FSM
transition and write the case event, all in one transaction. The viewflow processes call
these from their task views, so a step taken through the process and one taken any other
way behave the same.
"""
from datetime import date, datetime

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework.dates import date_bounds_message
from casework.errors import ActionRefused
from casework.formatting import date_text
from casework.models import (
    CaseStatus,
    CaseSubject,
    ConductingBody,
    DisciplineDecision,
    DisciplineForm,
    DocumentKind,
    EventType,
    InspectionCase,
    InspectionKind,
    Member,
    Organisation,
)
from casework.models.inspections import (
    STEP_LABELS,
    Procedure,
    allowed_forms,
    subject_type_of,
)
from casework.permissions import case_user_may, is_case_team_member, may_open_case, roles_at
from casework.services.case_subjects import (
    check_subjects,
    decision_subject,
    every_subject_decided,
    subject_key,
)
from casework.services.documents import Issue
from casework.services.fields import Errors, check_choice, check_date
from casework.services.transitions import (
    DateRule,
    RecordKind,
    Step,
    check_moment,
    lock,
    pick,
    record_event,
    take,
    write_event,
)
from casework.text import cleans_text

# A supervision may lead to an inspection once the subject's report has been reviewed.
ESCALATION_STATUSES = (CaseStatus.REVIEWED, CaseStatus.NOTIFIED, CaseStatus.REMEDIATION)

CASE = RecordKind(
    model=InspectionCase, event_field="inspection", related=("organisation", "subject_member"),
    status=CaseStatus, labels=STEP_LABELS, start_day=lambda case: case.decision_date,
    number=lambda case: case.number,
    has_standing=lambda user, case: (bool(roles_at(user, case.organisation))
                                     or is_case_team_member(user, case)),
    may_act=case_user_may,
    noun=gettext_lazy("cuộc kiểm tra, giám sát"), this=gettext_lazy("cuộc kiểm tra, giám sát này"),
    named=gettext_lazy("cuộc %(number)s"),
    not_found=gettext_lazy("Không tìm thấy cuộc kiểm tra, giám sát."),
    start_label=gettext_lazy("ngày quyết định"))


def _next_seq(organisation, year):
    # The organisation's row lock serialises numbering within it: two cases opened at the
    # same moment get consecutive numbers, and a rolled-back opening frees its number.
    Organisation.objects.select_for_update().filter(pk=organisation.pk).exists()
    last = (InspectionCase.objects.filter(organisation=organisation, year=year)
            .aggregate(m=Max("seq"))["m"])
    return (last or 0) + 1


@transaction.atomic
@cleans_text("content")
def case_open(*, actor, organisation, body: str, kind: str, title: str, decision_number: str,
              decision_date: date | None, starts_on: date | None, ends_on: date | None,
              team_leader, team=(), subject_member=None, subject_organisation=None,
              subject_members=(), subject_organisations=(), content: str = "",
              programme_item=None, source_petition=None,
              escalated_from=None, at: datetime | None = None,
              issue_document: bool = False, seq: int | None = None) -> InspectionCase:
    """Quyết định kiểm tra, giám sát: the decision that opens a case, with its team, the
    period it sets (whose end date is the case's own deadline) and its subjects: one or
    several members and/or organisations (`subject_organisation(s)`, then
    `subject_member(s)`, in that order; a supervision of four branches is one case with
    four subjects). The first is also kept on the case row. `issue_document`: the
    decision is made from its template, numbered from the conducting unit's register
    (casework.services.documents), and the number typed is left empty. `seq`: the case's
    number in an old register, kept by an import (casework.services.case_import); refused
    when the unit's year has it already. The next case is numbered after the highest."""
    errors = Errors()
    if organisation is None:
        errors.add("organisation", _("Chưa chọn cấp tiến hành."))
    elif not may_open_case(actor, organisation):
        raise ActionRefused(_("Bạn không có quyền ra quyết định kiểm tra, giám sát của "
                              "tổ chức này."))
    check_choice(errors, "body", body, ConductingBody, label=_("chủ thể tiến hành"))
    check_choice(errors, "kind", kind, InspectionKind, label=_("loại cuộc kiểm tra, giám sát"))
    if not title.strip():
        errors.add("title", _("Chưa nhập tên cuộc kiểm tra, giám sát."))
    if issue_document and decision_number.strip():
        errors.add("decision_number", _("Đã chọn lập quyết định: số quyết định do sổ văn bản "
                                        "cấp, để trống ô số quyết định."))
    elif not issue_document and not decision_number.strip():
        errors.add("decision_number", _("Chưa nhập số quyết định."))
    check_date(errors, "decision_date", decision_date, label=_("ngày quyết định"))
    check_date(errors, "starts_on", starts_on, label=_("ngày bắt đầu"))
    if ends_on is None:
        errors.add("ends_on", _("Chưa nhập ngày kết thúc theo quyết định."))
    elif out_of_range := date_bounds_message(ends_on, label=_("ngày kết thúc")):
        errors.add("ends_on", out_of_range)
    if starts_on and decision_date and starts_on < decision_date:
        errors.add("starts_on", _("Ngày bắt đầu không được trước ngày quyết định."))
    if starts_on and ends_on and ends_on < starts_on:
        errors.add("ends_on", _("Ngày kết thúc không được trước ngày bắt đầu."))
    if team_leader is None:
        errors.add("team_leader", _("Chưa chọn trưởng đoàn."))
    subjects = check_subjects(errors, organisation, kind, subject_organisation,
                               subject_organisations, subject_member, subject_members)
    if programme_item is not None and programme_item.kind != kind:
        errors.add("kind", _("Loại cuộc kiểm tra khác với nội dung chương trình đã chọn "
                             "(%(kind)s).")
                   % {"kind": programme_item.get_kind_display()})
    if programme_item is not None and (
            programme_item.programme.organisation_id != getattr(organisation, "pk", None)
            or programme_item.programme.body != body):
        errors.add("programme_item", _("Nội dung chương trình đã chọn thuộc chương trình của "
                                       "%(org)s, không phải của cấp tiến hành cuộc này.")
                   % {"org": programme_item.programme.organisation})
    if escalated_from is not None:
        escalated_from = lock(CASE, escalated_from.pk)
        if escalated_from.procedure != Procedure.SUPERVISION:
            errors.add("escalated_from", _("Chỉ chuyển sang kiểm tra từ một cuộc giám sát."))
        elif kind != InspectionKind.VIOLATION_SIGNS:
            errors.add("kind", _("Giám sát phát hiện dấu hiệu vi phạm thì chuyển sang “%(kind)s”.")
                       % {"kind": InspectionKind.VIOLATION_SIGNS.label})
        elif escalated_from.status not in ESCALATION_STATUSES:
            errors.add("escalated_from", _(
                "Cuộc giám sát %(number)s chưa xem xét xong báo cáo của đối tượng "
                "(nay: “%(status)s”).")
                % {"number": escalated_from.number,
                   "status": CaseStatus(escalated_from.status).label})
    if seq is not None and organisation is not None and decision_date and \
            InspectionCase.objects.filter(organisation=organisation, year=decision_date.year,
                                          seq=seq).exists():
        errors.add("seq", _("Số cuộc %(seq)s năm %(year)s đã có.")
                   % {"seq": seq, "year": decision_date.year})
    errors.raise_if_any()

    year = decision_date.year
    issue = None
    if issue_document:
        # The conducting unit issues it (casework.documents.kinds.issuer_of).
        issue = Issue.for_step(DocumentKind.CASE_DECISION,
                               InspectionCase(organisation=organisation), actor)
        decision_number = issue.reserve(decision_date)
    case = InspectionCase.objects.create(
        organisation=organisation, body=body, kind=kind, year=year,
        seq=_next_seq(organisation, year) if seq is None else seq, title=title.strip(),
        subject_member=subjects[0] if isinstance(subjects[0], Member) else None,
        subject_organisation=subjects[0] if isinstance(subjects[0], Organisation) else None,
        programme_item=programme_item, source_petition=source_petition,
        escalated_from=escalated_from, decision_number=decision_number.strip(),
        decision_date=decision_date, starts_on=starts_on, ends_on=ends_on,
        team_leader=team_leader, content=content.strip(), created_by=actor)
    case.team.set({team_leader, *team})
    CaseSubject.objects.bulk_create([
        CaseSubject(case=case, position=position, **{
            "member" if isinstance(subject, Member) else "organisation": subject})
        for position, subject in enumerate(subjects)])
    opened = record_event(
        CASE, case, event_type=EventType.CASE_OPENED, actor=actor, from_status="",
        doc_number=case.decision_number, doc_date=decision_date,
        details={"number": case.number, "kind": kind, "ends_on": ends_on.isoformat(),
                 "subjects": [subject_key(subject) for subject in subjects],
                 "programme_item": programme_item.pk if programme_item else None,
                 "source_petition": source_petition.pk if source_petition else None},
        at=at)
    if issue:
        issue.record = case
        issue.produce(opened)
    if escalated_from is not None:
        # The supervision's own history says where it led; its status does not change.
        record_event(CASE, escalated_from, event_type=EventType.ESCALATED, actor=actor,
                     from_status=escalated_from.status, doc_number=case.decision_number,
                     doc_date=decision_date, details={"case": case.pk, "number": case.number},
                     at=at)
    return case


def _conclusion_allows_discipline(errors, case, values):
    if not case.violation_found:
        errors.add("reason", _("Kết luận không có vi phạm nên không đề nghị xem xét kỷ luật."))


def _check_discipline(errors, case, values):
    """The forms the Party's rules allow for this subject and this body (Điều lệ Đảng Điều
    35–36); `form` empty means "không kỷ luật", which needs its reason."""
    form, decision_date, notified_on = (values["form"], values["decision_date"],
                                        values["notified_on"])
    if not form:
        decision_subject(errors, case, values)
        if not values["reason"]:
            errors.add("reason", _("Không kỷ luật: nhập lý do."))
        return
    row = decision_subject(errors, case, values)
    if row is None:
        return
    subject_type = subject_type_of(row)
    allowed = allowed_forms(subject_type, case.body)
    if form not in DisciplineForm.values:
        errors.add("form", _("Hình thức kỷ luật “%(form)s” không hợp lệ.") % {"form": form})
    elif form not in allowed:
        errors.add("form", _(
            "%(body)s không được áp dụng hình thức “%(form)s” đối với %(subject)s; "
            "chỉ được: %(allowed)s.") % {
            "body": ConductingBody(case.body).label, "form": DisciplineForm(form).label,
            "subject": str(subject_type.label).lower(),
            "allowed": ", ".join(str(DisciplineForm(f).label).lower()
                                 for f in DisciplineForm if f in allowed) or _("không có")})
    if not values["decision_number"]:
        errors.add("decision_number", _("Chưa nhập số quyết định kỷ luật."))
    decision_label = _("ngày quyết định kỷ luật")
    check_date(errors, "decision_date", decision_date, label=decision_label,
               not_before=case.decision_date, not_before_label=CASE.start_label)
    check_date(errors, "notified_on", notified_on, label=_("ngày công bố quyết định"),
               not_before=decision_date, not_before_label=decision_label)
    # The appeal month runs from receipt (Điều lệ Đảng Điều 39(7)); optional, the
    # announcement day stands for it when the decision was handed over then.
    check_date(errors, "received_on", values["received_on"], required=False,
               label=_("ngày đối tượng nhận quyết định"),
               not_before=notified_on or decision_date,
               not_before_label=_("ngày công bố quyết định") if notified_on else decision_label)


def _write_decision(case, values, actor):
    row = values["subject_row"]
    DisciplineDecision.objects.create(
        case=case, subject=row, subject_type=subject_type_of(row), body=case.body,
        form=values["form"], decision_number=values["decision_number"],
        decision_date=values["decision_date"], notified_on=values["notified_on"],
        reason=values["reason"], decided_by=actor)


def _discipline_details(case, values):
    def day(name):
        return values[name].isoformat() if values[name] else None

    row = values["subject_row"]
    return {"form": values["form"], "subject_type": subject_type_of(row),
            "subject": subject_key(row.subject),
            "notified_on": day("notified_on"), "received_on": day("received_on")}


# Read once, at import: the messages translate when shown (gettext_lazy).
_DOC_DATE = DateRule("doc_date", gettext_lazy("ngày văn bản"), required=False)
_DOCUMENT = {"required": {"doc_number": gettext_lazy("Chưa nhập số văn bản.")},
             "dates": [DateRule("doc_date", gettext_lazy("ngày văn bản"))]}
STEPS = {step.action: step for step in (
    *(Step(action, event, dates=[_DOC_DATE]) for action, event in (
        ("announce", EventType.ANNOUNCED), ("explain", EventType.EXPLAINED),
        ("verify", EventType.VERIFIED), ("review", EventType.REVIEWED),
        ("report", EventType.REPORTED), ("meet", EventType.MET),
        ("remediate", EventType.REMEDIATION))),
    Step("conclude", EventType.CONCLUDED, reason=("reason", "conclusion"),
         required={"conclusion": gettext_lazy("Chưa nhập nội dung kết luận."),
                   "violation_found": gettext_lazy("Chưa chọn có hay không có vi phạm."),
                   **_DOCUMENT["required"]}, dates=_DOCUMENT["dates"],
         fsm=pick("conclusion", "violation_found"), details=pick("violation_found")),
    Step("notify", EventType.CASE_NOTIFIED, **_DOCUMENT,
         document=DocumentKind.CONCLUSION_NOTICE),
    Step("open_discipline", EventType.DISCIPLINE_OPENED, dates=[_DOC_DATE],
         check=_conclusion_allows_discipline),
    Step("archive", EventType.ARCHIVED, fsm=pick("on"),
         dates=[DateRule("on", gettext_lazy("ngày lưu hồ sơ")), _DOC_DATE]),
    # Taken by discipline_decide: the decision's own row is written with the step.
    Step("discipline", EventType.DISCIPLINED, check=_check_discipline, effect=_write_decision,
         doc=("decision_number", "decision_date"), details=_discipline_details,
         moves=every_subject_decided),
)}
# The event each step writes, for pages that read a case's history back into its steps
# (casework.case_steps).
STEP_EVENTS = {action: step.event for action, step in STEPS.items()}


@transaction.atomic
@cleans_text("reason", "conclusion")
def case_step(*, actor, case_id: int, action: str, doc_number: str = "",
              doc_date: date | None = None, reason: str = "", on: date | None = None,
              conclusion: str = "", violation_found: bool | None = None,
              expected_status: str | None = None, at: datetime | None = None,
              issue_document: bool = False) -> InspectionCase:
    """Take one step of a case's procedure (see PROCEDURE_STEPS), or refuse with a message
    and write nothing. `expected_status` is the status the user saw: when someone else
    moved the case meanwhile, the step is refused rather than applied to a different state."""
    if action not in STEPS or action == "discipline":
        raise ActionRefused(_("Bước “%(action)s” không có trong quy trình.") % {"action": action})
    return take(CASE, STEPS[action], actor=actor, pk=case_id, expected_status=expected_status,
                values={"doc_number": doc_number, "doc_date": doc_date, "reason": reason,
                        "on": on, "conclusion": conclusion, "violation_found": violation_found,
                        "at": at, "issue_document": issue_document})


@transaction.atomic
@cleans_text("reason")
def discipline_decide(*, actor, case_id: int, form: str, subject: int | None = None,
                      decision_number: str = "", decision_date: date | None = None,
                      notified_on: date | None = None, received_on: date | None = None,
                      reason: str = "", expected_status: str | None = None,
                      at: datetime | None = None) -> DisciplineDecision:
    """Record the discipline decided at the end of an inspection (or that none was) for
    one of its subjects (`subject`: the CaseSubject id; may be left out when the case has
    one), with the forms the Party's rules allow for that subject and this body. `form`
    empty means "không kỷ luật". Each decision is written as the discipline step's event;
    the case moves on to remediation with its last subject's decision."""
    values = {"form": form, "subject": subject, "decision_number": decision_number,
              "decision_date": decision_date, "notified_on": notified_on,
              "received_on": received_on, "reason": reason, "at": at}
    take(CASE, STEPS["discipline"], actor=actor, pk=case_id, expected_status=expected_status,
         values=values)
    return DisciplineDecision.objects.get(subject=values["subject_row"])


@transaction.atomic
@cleans_text("reason")
def discipline_appeal(*, actor, case_id: int, on: date | None, reason: str = "",
                      subject: int | None = None,
                      at: datetime | None = None) -> DisciplineDecision:
    """The disciplined member or organisation appeals (khiếu nại kỷ luật). Recorded on the
    case; the appeal's one-month clock decides whether it came in time. The case's status
    does not change. `subject` (a CaseSubject id) names whose decision is appealed; left
    out, the case's first decision with a form of discipline."""
    case = lock(CASE, case_id)
    if not case_user_may(actor, "discipline", case):
        raise ActionRefused(_("Bạn không được phép ghi nhận khiếu nại kỷ luật của cuộc này."))
    decisions = DisciplineDecision.objects.filter(case=case).exclude(form="")
    if subject not in (None, ""):
        decisions = decisions.filter(subject_id=subject)
    elif decisions.filter(appealed_on__isnull=True).count() > 1:
        errors = Errors()
        errors.add("subject", _("Chưa chọn đối tượng khiếu nại kỷ luật."))
        errors.raise_if_any()
    decision = decisions.order_by("appealed_on", "subject__position").first()
    if decision is None:
        raise ActionRefused(_("Cuộc %(number)s không có quyết định kỷ luật để khiếu nại.")
                            % {"number": case.number})
    if decision.appealed_on:
        raise ActionRefused(_("Khiếu nại kỷ luật đã được ghi nhận ngày %(day)s.")
                            % {"day": date_text(decision.appealed_on)})
    errors = Errors()
    check_date(errors, "on", on, label=_("ngày khiếu nại"), not_before=decision.notified_on,
               not_before_label=_("ngày công bố quyết định"))
    check_moment(errors, CASE, case, at)
    errors.raise_if_any()
    decision.appealed_on = on
    decision.save(update_fields=["appealed_on"])
    write_event(CASE, case, event_type=EventType.APPEALED, actor=actor, from_status=case.status,
                reason=reason, doc_date=on, at=at,
                details={"subject": subject_key(decision.subject.subject)})
    return decision

"""Inspection (kiểm tra) and supervision (giám sát) cases, the annual programme they come
from, and the discipline decided at their end.

`InspectionCase.status` is the case's legal status: a protected FSM field changed only by
the transitions below, which only `casework.services.inspections` calls (checking the
acting user, locking the row, writing the case event). The viewflow processes in
`workflows` decide who must do the next step; they change the legal status only through
those services.

Steps, kinds and discipline forms come from the domain brief (Quy định 296-QĐ/TW and its
guidance; time limits are deadline rules in `workflows`, i.e. data).
"""
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from casework.numbers import CASE_SERIES, display_number

from .organisations import Member, MemberStatus, Organisation


class InspectionKind(models.TextChoices):
    MEMBER_COMPLIANCE = "member_compliance", _("Kiểm tra đảng viên chấp hành nhiệm vụ")
    VIOLATION_SIGNS = "violation_signs", _("Kiểm tra khi có dấu hiệu vi phạm")
    LOWER_ORG_DUTY = "lower_org_duty", _(
        "Kiểm tra tổ chức đảng cấp dưới thực hiện nhiệm vụ kiểm tra, giám sát")
    DISCIPLINE_ENFORCEMENT = "discipline_enforcement", _("Kiểm tra việc thi hành kỷ luật đảng")
    PARTY_FINANCE = "party_finance", _("Kiểm tra tài chính đảng")
    THEMATIC_SUPERVISION = "thematic_supervision", _("Giám sát chuyên đề")
    REGULAR_SUPERVISION = "regular_supervision", _("Giám sát thường xuyên")
    ASSET_VERIFICATION = "asset_verification", _("Xác minh tài sản, thu nhập")


MEMBER, ORGANISATION = "member", "organisation"

# Whom each kind may be about.
KIND_SUBJECTS = {
    InspectionKind.MEMBER_COMPLIANCE: {MEMBER},
    InspectionKind.VIOLATION_SIGNS: {MEMBER, ORGANISATION},
    InspectionKind.LOWER_ORG_DUTY: {ORGANISATION},
    InspectionKind.DISCIPLINE_ENFORCEMENT: {ORGANISATION},
    InspectionKind.PARTY_FINANCE: {ORGANISATION},
    InspectionKind.THEMATIC_SUPERVISION: {MEMBER, ORGANISATION},
    InspectionKind.REGULAR_SUPERVISION: {MEMBER, ORGANISATION},
    InspectionKind.ASSET_VERIFICATION: {MEMBER},
}

SUPERVISION_KINDS = frozenset({InspectionKind.THEMATIC_SUPERVISION,
                               InspectionKind.REGULAR_SUPERVISION})


class Procedure(models.TextChoices):
    """Which sequence of steps a case follows (and which viewflow process runs it)."""

    INSPECTION = "inspection", _("Quy trình kiểm tra")
    SUPERVISION = "supervision", _("Quy trình giám sát")


def procedure_of(kind):
    return Procedure.SUPERVISION if kind in SUPERVISION_KINDS else Procedure.INSPECTION


class ConductingBody(models.TextChoices):
    UBKT = "ubkt", _("Ủy ban kiểm tra")
    EXECUTIVE = "executive", _("Ban Chấp hành, Ban Thường vụ")
    BRANCH = "branch", _("Chi bộ")


class CaseStatus(models.TextChoices):
    DECIDED = "decided", _("Đã có quyết định")
    ANNOUNCED = "announced", _("Đã công bố quyết định")
    EXPLAINED = "explained", _("Đối tượng đã giải trình, báo cáo")
    VERIFIED = "verified", _("Đã thẩm tra, xác minh")
    REVIEWED = "reviewed", _("Đã xem xét báo cáo")
    REPORTED = "reported", _("Đoàn đã báo cáo kết quả")
    MET = "met", _("Đã họp với đối tượng")
    CONCLUDED = "concluded", _("Đã kết luận")
    NOTIFIED = "notified", _("Đã thông báo kết luận, kết quả")
    DISCIPLINE = "discipline", _("Đang xem xét kỷ luật")
    REMEDIATION = "remediation", _("Theo dõi khắc phục")
    ARCHIVED = "archived", _("Đã lưu hồ sơ")


OPEN_CASE_STATUSES = tuple(s for s in CaseStatus if s != CaseStatus.ARCHIVED)

# What each step is called, whichever procedure it is part of.
STEP_LABELS = {
    "announce": _("Công bố quyết định"),
    "explain": _("Ghi nhận giải trình, báo cáo của đối tượng"),
    "verify": _("Thẩm tra, xác minh"),
    "review": _("Xem xét báo cáo của đối tượng"),
    "report": _("Đoàn báo cáo kết quả"),
    "meet": _("Họp với đối tượng"),
    "conclude": _("Kết luận"),
    "notify": _("Thông báo kết luận, kết quả"),
    "open_discipline": _("Đề nghị xem xét kỷ luật"),
    "discipline": _("Quyết định kỷ luật"),
    "remediate": _("Theo dõi khắc phục"),
    "archive": _("Lưu hồ sơ"),
}


@dataclass(frozen=True)
class Step:
    """One step of a procedure: the status the case waits in for it (`source`), the status
    it leaves the case in, the other statuses it may also be taken from (a step left out),
    and, for the two ways out of the notice of an inspection's conclusion, whether it is
    the way taken when a violation was found (True) or when none was (False)."""

    action: str
    source: str
    target: str
    also_from: tuple = ()
    violation: bool | None = None

    @property
    def sources(self):
        return (self.source, *self.also_from)


_S = CaseStatus
# THE order of the steps, written once. The FSM transitions below are built from it, and
# so are the procedure's list of steps (PROCEDURE_STEPS), the next step of a case and the
# path it still has to go (casework.case_steps), the viewflow processes
# (workflows.flows) and the flow chart drawn from them.
CASE_STEPS = {
    Procedure.INSPECTION: (
        Step("announce", _S.DECIDED, _S.ANNOUNCED),
        Step("explain", _S.ANNOUNCED, _S.EXPLAINED),
        Step("verify", _S.EXPLAINED, _S.VERIFIED),
        Step("report", _S.VERIFIED, _S.REPORTED),
        Step("meet", _S.REPORTED, _S.MET),
        Step("conclude", _S.MET, _S.CONCLUDED),
        Step("notify", _S.CONCLUDED, _S.NOTIFIED),
        Step("open_discipline", _S.NOTIFIED, _S.DISCIPLINE, violation=True),
        # The discipline decision moves the case into remediation follow-up.
        Step("discipline", _S.DISCIPLINE, _S.REMEDIATION),
        Step("remediate", _S.NOTIFIED, _S.REMEDIATION, violation=False),
        Step("archive", _S.REMEDIATION, _S.ARCHIVED, also_from=(_S.NOTIFIED,)),
    ),
    Procedure.SUPERVISION: (
        Step("announce", _S.DECIDED, _S.ANNOUNCED),
        Step("explain", _S.ANNOUNCED, _S.EXPLAINED),
        Step("review", _S.EXPLAINED, _S.REVIEWED),
        Step("notify", _S.REVIEWED, _S.NOTIFIED),
        Step("remediate", _S.NOTIFIED, _S.REMEDIATION),
        Step("archive", _S.REMEDIATION, _S.ARCHIVED, also_from=(_S.NOTIFIED,)),
    ),
}
PROCEDURE_STEPS = {procedure: [step.action for step in steps]
                   for procedure, steps in CASE_STEPS.items()}


def _fsm_transition(action):
    """The FSM transition of `action` as CASE_STEPS has it: from any status it is taken
    from in some procedure, to its one target, only in the procedures that have it."""
    steps = {procedure: step for procedure, rows in CASE_STEPS.items()
             for step in rows if step.action == action}
    targets = {step.target for step in steps.values()}
    assert len(targets) == 1, f"{action}: one target in every procedure"
    sources = sorted({source for step in steps.values() for source in step.sources})
    conditions = []
    if set(steps) != set(Procedure):
        procedures = frozenset(steps)
        conditions.append(lambda case: case.procedure in procedures)
    return {"source": sources, "target": targets.pop(), "conditions": conditions}


class InspectionProgramme(models.Model):
    """Chương trình kiểm tra, giám sát năm of one body (UBKT, executive committee, branch)."""

    organisation = models.ForeignKey(Organisation, verbose_name=_("cấp ủy, tổ chức"),
                                     on_delete=models.PROTECT, related_name="programmes")
    year = models.PositiveSmallIntegerField(_("năm"))
    body = models.CharField(_("chủ thể"), max_length=20, choices=ConductingBody.choices)
    document = models.CharField(_("số, ngày văn bản ban hành"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("chương trình kiểm tra, giám sát")
        verbose_name_plural = pgettext_lazy("plural", "chương trình kiểm tra, giám sát")
        ordering = ["-year", "organisation__path"]
        constraints = [models.UniqueConstraint(fields=["organisation", "year", "body"],
                                               name="unique_programme")]

    def __str__(self):
        return f"{self.organisation} – {self.year}"


class ProgrammeItem(models.Model):
    """One planned inspection or supervision: kind, whom, which quarter, how many cases
    (a branch plans "kiểm tra 03 đảng viên" as one item of three)."""

    programme = models.ForeignKey(InspectionProgramme, verbose_name=_("chương trình"),
                                  on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(_("loại"), max_length=30, choices=InspectionKind.choices)
    quarter = models.PositiveSmallIntegerField(_("quý"), choices=[(q, q) for q in (1, 2, 3, 4)])
    target_organisation = models.ForeignKey(
        Organisation, verbose_name=_("tổ chức được kiểm tra, giám sát"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+")
    planned_cases = models.PositiveSmallIntegerField(_("số cuộc dự kiến"), default=1)
    content = models.TextField(_("nội dung"), blank=True)

    class Meta:
        verbose_name = _("nội dung chương trình")
        verbose_name_plural = pgettext_lazy("plural", "nội dung chương trình")
        ordering = ["programme", "quarter", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} – Q{self.quarter}/{self.programme.year}"


class InspectionCaseQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Cases the user may see: the rule of `casework.selectors.scope` (cases run in
        their subtrees, about them, by their committee for a UBKT member, or whose team
        they are on)."""
        from casework.selectors.scope import case_rows_q

        if not user.is_authenticated:
            return self.none()
        return self.filter(case_rows_q(user))


class InspectionCase(ConcurrentTransitionMixin, models.Model):
    organisation = models.ForeignKey(Organisation, verbose_name=_("cấp tiến hành"),
                                     on_delete=models.PROTECT, related_name="inspection_cases")
    body = models.CharField(_("chủ thể tiến hành"), max_length=20,
                            choices=ConductingBody.choices)
    kind = models.CharField(_("loại"), max_length=30, choices=InspectionKind.choices)
    year = models.PositiveSmallIntegerField(_("năm"), editable=False)
    seq = models.PositiveIntegerField(_("số thứ tự"), editable=False)
    title = models.CharField(_("tên cuộc kiểm tra, giám sát"), max_length=255)
    subject_member = models.ForeignKey(Member, verbose_name=_("đảng viên được kiểm tra, giám sát"),
                                       null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="inspection_cases")
    subject_organisation = models.ForeignKey(
        Organisation, verbose_name=_("tổ chức đảng được kiểm tra, giám sát"), null=True,
        blank=True, on_delete=models.PROTECT, related_name="inspection_cases_about")
    programme_item = models.ForeignKey(ProgrammeItem, verbose_name=_("theo chương trình"),
                                       null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="cases")
    source_petition = models.ForeignKey("casework.Petition", verbose_name=_("từ đơn thư"),
                                        null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="inspection_cases")
    escalated_from = models.ForeignKey("self", verbose_name=_("chuyển từ cuộc giám sát"),
                                       null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="escalations")
    decision_number = models.CharField(_("số quyết định"), max_length=100)
    decision_date = models.DateField(_("ngày quyết định"))
    starts_on = models.DateField(_("thời gian từ ngày"))
    ends_on = models.DateField(_("đến ngày"))
    team_leader = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("trưởng đoàn"),
                                    on_delete=models.PROTECT, related_name="+")
    team = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("thành viên đoàn"),
                                  related_name="inspection_teams", blank=True)
    content = models.TextField(_("nội dung"), blank=True)
    status = FSMField(_("trạng thái"), max_length=20, choices=CaseStatus.choices,
                      default=CaseStatus.DECIDED, protected=True, db_index=True)
    conclusion = models.TextField(_("kết luận"), blank=True)
    violation_found = models.BooleanField(_("có vi phạm"), null=True)
    closed_on = models.DateField(_("ngày lưu hồ sơ"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người lập"),
                                   null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("thời điểm lập"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lần cuối"), auto_now=True)

    objects = InspectionCaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("cuộc kiểm tra, giám sát")
        verbose_name_plural = pgettext_lazy("plural", "cuộc kiểm tra, giám sát")
        ordering = ["-year", "-seq"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year", "seq"],
                                    name="unique_case_number"),
            models.CheckConstraint(
                condition=(Q(subject_member__isnull=False, subject_organisation__isnull=True)
                           | Q(subject_member__isnull=True, subject_organisation__isnull=False)),
                name="case_has_one_subject"),
        ]
        indexes = [
            # The case list's counts (selectors.cases.case_counts): one grouped COUNT by
            # unit, status and kind, answered from this index alone (issue 18).
            models.Index(fields=["organisation", "status", "kind"],
                         name="case_unit_status_kind"),
            # The programme page's ad-hoc cases of a year (selectors.programme.adhoc_count,
            # adhoc_figures): counted by status and end date from this index alone.
            models.Index(fields=["year", "organisation"], name="case_adhoc_year",
                         include=["body", "id", "status", "ends_on"],
                         condition=Q(programme_item__isnull=True)),
            # The programme page's figures per item (selectors.programme.with_figures):
            # each item's cases counted by status and end date from this index alone,
            # not from 25,000 case rows read one by one for a province (issue 18).
            models.Index(fields=["programme_item"], name="case_item_figures",
                         include=["id", "status", "ends_on"],
                         condition=Q(programme_item__isnull=False)),
            # A deadline clock's scope (scope.about_from_outside): the cases about a unit run
            # from outside it, found from the unit's organisations by this index alone.
            models.Index(fields=["subject_organisation", "organisation", "id"],
                         name="case_subject_unit"),
        ]

    def __str__(self):
        return f"{self.number} – {self.title}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("casework:case-detail", args=[self.pk])

    @property
    def number(self):
        """002/2026/KT-UBKT (casework.numbers); lists select_related("organisation")."""
        return display_number(self.seq, self.year, self.organisation.symbol, CASE_SERIES)

    @property
    def procedure(self):
        return procedure_of(self.kind)

    @property
    def subject(self):
        """The case's first subject (kept on the case row; `subjects_all` lists them all)."""
        return self.subject_member or self.subject_organisation

    def subjects_all(self):
        """Every subject of the case, in order: members and organisations (a supervision
        of four branches has four). One query, none when `subject_rows` was prefetched
        with their member and organisation (casework.selectors.cases.case_for_page)."""
        return [row.subject for row in self.subject_rows.all()]

    def subject_names(self):
        """The subjects as a document names them: "Chi bộ thôn Hồ Liễu, Chi bộ Lý Đông"."""
        return ", ".join(str(row.name) for row in self.subject_rows.all())

    @property
    def is_open(self):
        return self.status != CaseStatus.ARCHIVED

    # ---- transitions: only casework.services.inspections calls these ----------------
    # Permission is checked by the service (team membership depends on the case), so the
    # FSM only guards the order of steps and the procedure, both read from CASE_STEPS.
    @transition(field=status, **_fsm_transition("announce"))
    def announce(self):
        pass

    @transition(field=status, **_fsm_transition("explain"))
    def explain(self):
        pass

    @transition(field=status, **_fsm_transition("verify"))
    def verify(self):
        pass

    @transition(field=status, **_fsm_transition("review"))
    def review(self):
        pass

    @transition(field=status, **_fsm_transition("report"))
    def report(self):
        pass

    @transition(field=status, **_fsm_transition("meet"))
    def meet(self):
        pass

    @transition(field=status, **_fsm_transition("conclude"))
    def conclude(self, *, conclusion, violation_found):
        self.conclusion = conclusion
        self.violation_found = violation_found

    @transition(field=status, **_fsm_transition("notify"))
    def notify(self):
        pass

    @transition(field=status, **_fsm_transition("open_discipline"))
    def open_discipline(self):
        pass

    @transition(field=status, **_fsm_transition("discipline"))
    def discipline(self):
        pass

    @transition(field=status, **_fsm_transition("remediate"))
    def remediate(self):
        pass

    @transition(field=status, **_fsm_transition("archive"))
    def archive(self, *, on):
        self.closed_on = on


# ---- discipline ------------------------------------------------------------------------

class DisciplineForm(models.TextChoices):
    REPRIMAND = "reprimand", _("Khiển trách")
    WARNING = "warning", _("Cảnh cáo")
    DISMISSAL = "dismissal", _("Cách chức")
    EXPULSION = "expulsion", _("Khai trừ")
    DISSOLUTION = "dissolution", _("Giải tán")


class SubjectType(models.TextChoices):
    ORGANISATION = "organisation", _("Tổ chức đảng")
    FULL_MEMBER = "full_member", _("Đảng viên chính thức")
    PROBATIONARY_MEMBER = "probationary_member", _("Đảng viên dự bị")


# Forms of discipline by who is disciplined (Điều lệ Đảng, Điều 35–36) …
FORMS_BY_SUBJECT = {
    SubjectType.ORGANISATION: {DisciplineForm.REPRIMAND, DisciplineForm.WARNING,
                               DisciplineForm.DISSOLUTION},
    SubjectType.FULL_MEMBER: {DisciplineForm.REPRIMAND, DisciplineForm.WARNING,
                              DisciplineForm.DISMISSAL, DisciplineForm.EXPULSION},
    SubjectType.PROBATIONARY_MEMBER: {DisciplineForm.REPRIMAND, DisciplineForm.WARNING},
}
# … and by who decides: a branch may only reprimand or warn its members.
FORMS_BY_BODY = {
    ConductingBody.BRANCH: {DisciplineForm.REPRIMAND, DisciplineForm.WARNING},
    ConductingBody.UBKT: set(DisciplineForm),
    ConductingBody.EXECUTIVE: set(DisciplineForm),
}


def subject_type_of(subject):
    """The type of a subject for discipline: a case's subject row (CaseSubject) or a case,
    whose first subject is on its own row."""
    organisation_id = getattr(subject, "organisation_id", None)
    if organisation_id is None and hasattr(subject, "subject_organisation_id"):
        organisation_id = subject.subject_organisation_id
    if organisation_id:
        return SubjectType.ORGANISATION
    member = subject.member if hasattr(subject, "member_id") else subject.subject_member
    if member.status == MemberStatus.PROBATIONARY:
        return SubjectType.PROBATIONARY_MEMBER
    return SubjectType.FULL_MEMBER


def allowed_forms(subject_type, body):
    return FORMS_BY_SUBJECT[subject_type] & FORMS_BY_BODY[body]


class DisciplineDecision(models.Model):
    """The discipline decided (or not) for one subject of an inspection: a case about
    several members or organisations has one decision per subject, each with the forms
    that subject's type allows."""

    case = models.ForeignKey(InspectionCase, verbose_name=_("cuộc kiểm tra"),
                             on_delete=models.PROTECT, related_name="discipline_decisions")
    subject = models.OneToOneField("casework.CaseSubject", verbose_name=_("đối tượng"),
                                   on_delete=models.PROTECT,
                                   related_name="discipline_decision")
    subject_type = models.CharField(_("đối tượng"), max_length=20, choices=SubjectType.choices)
    body = models.CharField(_("cấp quyết định"), max_length=20, choices=ConductingBody.choices)
    form = models.CharField(_("hình thức kỷ luật"), max_length=20,
                            choices=DisciplineForm.choices, blank=True)
    decision_number = models.CharField(_("số quyết định"), max_length=100, blank=True)
    decision_date = models.DateField(_("ngày quyết định"), null=True, blank=True)
    notified_on = models.DateField(_("ngày công bố cho đối tượng"), null=True, blank=True)
    reason = models.TextField(_("lý do"), blank=True)
    appealed_on = models.DateField(_("ngày khiếu nại kỷ luật"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("người ghi"),
                                   null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("quyết định kỷ luật")
        verbose_name_plural = pgettext_lazy("plural", "quyết định kỷ luật")
        ordering = ["case", "subject__position"]

    def __str__(self):
        return f"{self.case.number} – {self.get_form_display() or _('không kỷ luật')}"


class CaseSubject(models.Model):
    """One subject of a case: a member or an organisation. Every subject of a case has its
    row, the first (`position` 0) too; the first is also kept on the case row
    (`subject_member` / `subject_organisation`), which the many one-subject reads (lists,
    clocks, letters' links, the scope's index-only reads) use as before. The scope finds a
    case about a unit through its other rows (casework.selectors.scope.CASE_LINKS)."""

    case = models.ForeignKey(InspectionCase, verbose_name=_("cuộc kiểm tra, giám sát"),
                             on_delete=models.CASCADE, related_name="subject_rows")
    position = models.PositiveSmallIntegerField(_("thứ tự"))
    member = models.ForeignKey(Member, verbose_name=_("đảng viên"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="case_subjects")
    organisation = models.ForeignKey(Organisation, verbose_name=_("tổ chức đảng"), null=True,
                                     blank=True, on_delete=models.PROTECT,
                                     related_name="case_subjects")

    class Meta:
        verbose_name = _("đối tượng kiểm tra, giám sát")
        verbose_name_plural = pgettext_lazy("plural", "đối tượng kiểm tra, giám sát")
        ordering = ["case", "position"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(member__isnull=False, organisation__isnull=True)
                           | Q(member__isnull=True, organisation__isnull=False)),
                name="case_subject_is_one"),
            # The case's subjects in order (the case page, documents) from this index.
            models.UniqueConstraint(fields=["case", "position"], name="case_subject_position"),
            # No subject twice in a case. Led by the subject, these unique indexes also
            # answer "the cases about these members / organisations".
            models.UniqueConstraint(fields=["member", "case"], name="case_subject_member_once"),
            models.UniqueConstraint(fields=["organisation", "case"],
                                    name="case_subject_org_once"),
        ]
        indexes = [
            # The scope's read of the cases about a unit through their subjects after the
            # first (scope._scope_ids, about_from_outside): only those rows, index alone.
            models.Index(fields=["organisation", "case"], name="case_other_subject_org",
                         condition=Q(position__gt=0, organisation__isnull=False)),
            models.Index(fields=["member", "case"], name="case_other_subject_member",
                         condition=Q(position__gt=0, member__isnull=False)),
        ]

    def __str__(self):
        return str(self.name)

    @property
    def subject(self):
        return self.member or self.organisation

    @property
    def name(self):
        """A member by name and branch, an organisation by its name."""
        return self.subject

    @property
    def is_member(self):
        return self.member_id is not None

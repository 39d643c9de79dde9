"""The subjects of a case (issue 14 part 3): which may be chosen when a case is opened,
and whose discipline decision is being recorded. A case has one or several subjects,
members and/or organisations (a supervision of four branches by the Ban Chấp hành is one
case with four subjects); each has its CaseSubject row, the first also kept on the case
row, and each its own discipline decision."""
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from casework.models import CaseSubject, DisciplineDecision, InspectionKind, Member
from casework.models.inspections import KIND_SUBJECTS, MEMBER, ORGANISATION

# A decision names its subjects one by one; a branch's whole membership at most. A bound,
# so a posted form cannot make one request check thousands of rows.
MAX_SUBJECTS = 200


def subject_key(subject):
    return f"{'member' if isinstance(subject, Member) else 'organisation'}:{subject.pk}"


def check_subjects(errors, organisation, kind, organisation_one, organisations, member_one,
                    members):
    """The case's subjects, organisations first, each once, each one the kind may be
    about (KIND_SUBJECTS) and within the committee of the unit running the case; errors
    go on the field the wrong subject was chosen in."""
    groups = (("subject_organisations", ORGANISATION, [organisation_one, *organisations]),
              ("subject_members", MEMBER, [member_one, *members]))
    subjects = []
    committee = organisation.committee.path if organisation is not None else None
    for field, what, chosen in groups:
        chosen = [subject for subject in chosen if subject is not None][:MAX_SUBJECTS + 1]
        seen = set()
        for subject in chosen:
            if subject.pk in seen:
                errors.add(field, _("Đối tượng “%(name)s” được chọn hai lần.")
                           % {"name": subject})
                continue
            seen.add(subject.pk)
            subjects.append(subject)
            unit = subject.organisation if what == MEMBER else subject
            if committee and not unit.path.startswith(committee):
                errors.add(field, _("Đối tượng “%(name)s” không thuộc Đảng bộ của cấp tiến "
                                    "hành.") % {"name": subject})
        if chosen and kind in KIND_SUBJECTS and what not in KIND_SUBJECTS[kind]:
            errors.add(field, _("Loại “%(kind)s” không áp dụng cho %(subject)s.") % {
                "kind": InspectionKind(kind).label,
                "subject": _("đảng viên") if what == MEMBER else _("tổ chức đảng")})
    if len(subjects) > MAX_SUBJECTS:
        errors.add("subject_members", _("Một cuộc có tối đa %(n)s đối tượng.")
                   % {"n": MAX_SUBJECTS})
    if not subjects:
        errors.add("subject_organisations", _("Chưa chọn đối tượng: chọn ít nhất một tổ "
                                              "chức đảng hoặc một đảng viên."))
    return subjects


def decision_subject(errors, case, values):
    """The subject (CaseSubject row) this decision is about, read under the case's lock:
    `values["subject"]` (its id), which may be left out when the case has one subject or
    only one still waits for its decision.
    Kept in `values` for the effect and the event's details."""
    if "subject_row" in values:
        return values["subject_row"]
    rows = list(CaseSubject.objects.filter(case=case).select_related("member", "organisation")
                .annotate(decided=Exists(DisciplineDecision.objects.filter(
                    subject=OuterRef("pk")))))
    chosen = values.get("subject")
    row = None
    if chosen in (None, ""):
        waiting = [r for r in rows if not r.decided]
        if len(rows) == 1 or len(waiting) == 1:  # the only one, or the last one waiting
            row = (waiting or rows)[0]
        else:
            errors.add("subject", _("Chưa chọn đối tượng của quyết định kỷ luật."))
    else:
        row = next((r for r in rows if str(r.pk) == str(chosen)), None)
        if row is None:
            errors.add("subject", _("Đối tượng đã chọn không phải đối tượng của cuộc này."))
    if row is not None and row.decided:
        errors.add("subject", _("Đối tượng “%(name)s” đã có quyết định kỷ luật.")
                   % {"name": row.name})
        row = None
    values["subject_row"] = row
    return row


def every_subject_decided(case, values):
    """The case leaves the discipline step with the decision on its last subject."""
    return not CaseSubject.objects.filter(case=case, discipline_decision__isnull=True).exists()

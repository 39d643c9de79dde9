"""The cases' sheet «Cuộc kiểm tra, giám sát»: its columns, and the reading of one row
into the arguments of the services that would write it (casework.services.inspections:
`case_open`, then `case_step` for each step with a date, `discipline_decide` for each
subject's discipline).

Only what the services cannot know is checked here: the cell's form (a date dd/mm/yyyy, a
value of a list), the conducting unit among those the person may open cases at, and the
subjects found by name within the unit's Party committee. Every rule of a case (the kind's
subjects, the dates' order, a step the procedure allows in its state, the discipline forms
the Party's rules allow) is the services' own: casework.services.case_import runs them.
"""
from dataclasses import dataclass, field
from datetime import date

from django.utils import translation
from django.utils.translation import gettext as _

from casework.imports.letters import moment, vietnamese_labels
from casework.imports.workbook import date_of, text_of
from casework.models import (
    ConductingBody,
    DisciplineForm,
    InspectionKind,
    Member,
    Organisation,
)
from casework.models.inspections import PROCEDURE_STEPS, STEP_LABELS
from casework.numbers import parse_number
from casework.search_keys import search_key
from casework.services.case_subjects import MAX_SUBJECTS

SHEET = "Cuộc kiểm tra, giám sát"
# The steps a row may record: every step of either procedure (CASE_STEPS, the one table of
# the order), in the order STEP_LABELS lists them; "discipline" has its own columns, one
# decision per subject.
STEP_ACTIONS = tuple(action for action in STEP_LABELS if action != "discipline" and any(
    action in steps for steps in PROCEDURE_STEPS.values()))
NO_DISCIPLINE = "Không kỷ luật"
YES, NO = "Có", "Không"


def _step_columns():
    with translation.override("vi"):
        columns = []
        for action in STEP_ACTIONS:
            label = str(STEP_LABELS[action])
            columns += [(f"{action}_on", f"{label}: ngày"), (f"{action}_doc",
                                                            f"{label}: số văn bản")]
        return columns


# A data contract, as the letters' sheet: the Vietnamese headers in every language.
COLUMNS = (
    ("unit", "Cấp tiến hành"),
    ("number", "Số cuộc"),
    ("body", "Chủ thể tiến hành"),
    ("kind", "Loại cuộc kiểm tra, giám sát"),
    ("title", "Tên cuộc kiểm tra, giám sát"),
    ("decision_number", "Số quyết định"),
    ("decision_date", "Ngày quyết định"),
    ("starts_on", "Ngày bắt đầu"),
    ("ends_on", "Ngày kết thúc"),
    ("subject_organisations", "Tổ chức đảng là đối tượng"),
    ("subject_members", "Đảng viên là đối tượng"),
    ("content", "Nội dung"),
    *_step_columns(),
    ("conclusion", "Nội dung kết luận"),
    ("violation_found", "Có vi phạm"),
    ("forms", "Hình thức kỷ luật"),
    ("discipline_number", "Số quyết định kỷ luật"),
    ("discipline_date", "Ngày quyết định kỷ luật"),
    ("discipline_notified", "Ngày công bố quyết định kỷ luật"),
    ("discipline_reason", "Lý do không kỷ luật"),
)
HEADER = dict(COLUMNS)
HEADER_KEYS = {search_key(header): key for key, header in COLUMNS}
DATE_KEYS = ("decision_date", "starts_on", "ends_on", "discipline_date",
             "discipline_notified", *(f"{action}_on" for action in STEP_ACTIONS))
CODED = {"body": ConductingBody, "kind": InspectionKind}
# The columns' sizes in the database (InspectionCase, CaseEvent, DisciplineDecision).
_LIMITS = {"title": 255, "decision_number": 100, "discipline_number": 100,
           **{f"{action}_doc": 100 for action in STEP_ACTIONS}}
LONG_TEXT = ("content", "conclusion", "discipline_reason", "title")


def _lookup(choices):
    with translation.override("vi"):
        table = {search_key(str(label)): value for value, label in choices.choices}
    table.update({search_key(value): value for value in choices.values})
    return table


_LOOKUPS = {name: _lookup(choices) for name, choices in CODED.items()}
_FORMS = {**_lookup(DisciplineForm), search_key(NO_DISCIPLINE): ""}
_YES_NO = {search_key(YES): True, search_key(NO): False, "co vi pham": True,
           "khong vi pham": False, "khong co vi pham": False}


@dataclass
class PlannedStep:
    action: str
    day: date
    doc_number: str


@dataclass
class CaseRow:
    """A read row: `case_open`'s arguments, the steps with their days, the discipline
    forms in the order of the subjects, and the columns of each service field."""
    row: int
    organisation: Organisation
    open_args: dict
    seq: int | None = None
    steps: list = field(default_factory=list)
    conclusion: str = ""
    violation_found: bool | None = None
    forms: list = field(default_factory=list)
    discipline: dict = field(default_factory=dict)

    @property
    def year(self):
        return self.open_args["decision_date"].year

    def key(self):
        """The same case as one already in the register: the conducting unit, the year and
        the decision's number (folded)."""
        return (self.organisation.pk, self.year,
                search_key(self.open_args["decision_number"]))

    def number_key(self):
        """…or the case's own number in the old register, when the row keeps one."""
        return None if self.seq is None else ("n", self.organisation.pk, self.year, self.seq)


def choice_lists():
    """{column: [Vietnamese labels]} for the template's drop-down lists."""
    return {"body": vietnamese_labels(ConductingBody),
            "kind": vietnamese_labels(InspectionKind),
            "violation_found": [YES, NO],
            "forms": [NO_DISCIPLINE, *vietnamese_labels(DisciplineForm)]}


class CaseRowReader:
    """Reads rows for one importing user: `units` are the organisations they may open
    cases at (casework.permissions.deciding_organisations)."""

    def __init__(self, units):
        self.units = {}
        for unit in units:
            for name in (unit.name, unit.symbol, unit.code):
                if name:
                    self.units.setdefault(search_key(name), unit)
        self.only = units[0] if len(units) == 1 else None
        self._scopes = {}

    def read(self, number, raw, report):
        """A CaseRow, or None after adding the row's problems to `report` (RowErrors)."""
        problems = []
        values = {key: text_of(raw.get(key), multiline=key in LONG_TEXT)
                  for key, _header in COLUMNS if key not in DATE_KEYS}
        dates = {}
        for key in DATE_KEYS:
            try:
                dates[key] = date_of(raw.get(key))
            except (ValueError, OverflowError):
                problems.append((key, _("không phải ngày theo dạng dd/mm/yyyy.")))
                dates[key] = None
        codes = {}
        for name in CODED:
            codes[name] = _LOOKUPS[name].get(search_key(values[name])) if values[name] else ""
            if values[name] and codes[name] is None:
                problems.append((name, _not_listed(values[name])))
        for key, limit in _LIMITS.items():
            if len(values[key]) > limit:
                problems.append((key, _("tối đa %(max)s ký tự.") % {"max": limit}))
        unit = self._unit(problems, values["unit"])
        seq = self._number(problems, values["number"], dates["decision_date"])
        organisations = members = ()
        if unit is not None:
            organisations = self._subjects(problems, "subject_organisations", unit,
                                           values["subject_organisations"], self._org)
            members = self._subjects(problems, "subject_members", unit,
                                     values["subject_members"], self._member)
        violation = None
        if values["violation_found"]:
            violation = _YES_NO.get(search_key(values["violation_found"]))
            if violation is None:
                problems.append(("violation_found", _not_listed(values["violation_found"])))
        forms = []
        for text in _split(values["forms"]):
            form = _FORMS.get(search_key(text))
            if form is None:
                problems.append(("forms", _not_listed(text)))
            forms.append(form or "")
        if forms and len(forms) != len(organisations) + len(members):
            problems.append(("forms", _("ghi một hình thức cho mỗi đối tượng, theo thứ tự: tổ "
                                        "chức đảng rồi đảng viên (%(n)s đối tượng).")
                             % {"n": len(organisations) + len(members)}))
        if problems:
            for key, message in problems:
                report.add(number, HEADER[key], message)
            return None
        row = CaseRow(number, unit, seq=seq, open_args={
            "organisation": unit, "body": codes["body"], "kind": codes["kind"],
            "title": values["title"], "decision_number": values["decision_number"],
            "decision_date": dates["decision_date"], "starts_on": dates["starts_on"],
            "ends_on": dates["ends_on"], "subject_organisations": organisations,
            "subject_members": members, "content": values["content"]},
            conclusion=values["conclusion"], violation_found=violation, forms=forms,
            discipline={"decision_number": values["discipline_number"],
                        "decision_date": dates["discipline_date"],
                        "notified_on": dates["discipline_notified"]
                        or dates["discipline_date"],
                        "reason": values["discipline_reason"]})
        row.steps = [PlannedStep(action, dates[f"{action}_on"], values[f"{action}_doc"])
                     for action in STEP_ACTIONS
                     if dates[f"{action}_on"] or values[f"{action}_doc"]]
        return row

    def _unit(self, problems, text):
        if not text:
            if self.only is not None:
                return self.only
            problems.append(("unit", _("chưa nhập.")))
            return None
        unit = self.units.get(search_key(text))
        if unit is None:
            problems.append(("unit", _("“%(value)s” không phải cấp bạn được ra quyết định "
                                       "kiểm tra, giám sát.") % {"value": text[:80]}))
        return unit

    @staticmethod
    def _number(problems, text, decided):
        if not text:
            return None
        typed = parse_number(text)
        if typed is None or typed.seq < 1:
            problems.append(("number", _("“%(value)s” không phải số cuộc (ví dụ 007/2025).")
                             % {"value": text[:40]}))
            return None
        if decided and typed.year is not None and typed.year != decided.year:
            problems.append(("number", _("năm của số (%(year)s) khác năm của ngày quyết "
                                         "định.") % {"year": typed.year}))
        return typed.seq

    def _subjects(self, problems, key, unit, text, find):
        names = _split(text)
        if len(names) > MAX_SUBJECTS:
            problems.append((key, _("tối đa %(n)s đối tượng.") % {"n": MAX_SUBJECTS}))
            return ()
        found = []
        for name in names:
            subject = find(problems, key, unit, name)
            if subject is not None:
                found.append(subject)
        return tuple(found)

    def _scope(self, unit):
        """Folded name, symbol, code → organisations, and folded name → members, within
        the committee of `unit` (read once per committee)."""
        path = unit.committee.path
        if path not in self._scopes:
            orgs, people = {}, {}
            for org in Organisation.objects.filter(path__startswith=path):
                for name in {org.name, org.symbol, org.code} - {"", None}:
                    orgs.setdefault(search_key(name), []).append(org)
            for member in (Member.objects.filter(organisation__path__startswith=path)
                           .select_related("organisation")):
                people.setdefault(search_key(member.full_name), []).append(member)
            self._scopes[path] = (orgs, people)
        return self._scopes[path]

    def _org(self, problems, key, unit, name):
        found = self._scope(unit)[0].get(search_key(name), [])
        if len(found) != 1:
            problems.append((key, _("không tìm thấy tổ chức đảng “%(name)s” trong Đảng bộ của "
                                    "cấp tiến hành.") % {"name": name[:80]} if not found else
                             _("có nhiều tổ chức đảng tên “%(name)s”: ghi mã của tổ chức.")
                             % {"name": name[:80]}))
            return None
        return found[0]

    def _member(self, problems, key, unit, name):
        """A member by full name, or "Họ tên (chi bộ)" when two have the same name."""
        branch = None
        if name.endswith(")") and "(" in name:
            name, branch = name[:-1].rsplit("(", 1)
            name, branch = name.strip(), search_key(branch)
        found = self._scope(unit)[1].get(search_key(name), [])
        if branch:
            found = [m for m in found if branch in (search_key(m.organisation.name),
                                                    search_key(m.organisation.code))]
        if len(found) != 1:
            problems.append((key, _("không tìm thấy đảng viên “%(name)s” trong Đảng bộ của cấp "
                                    "tiến hành.") % {"name": name[:80]} if not found else
                             _("có nhiều đảng viên tên “%(name)s”: ghi thêm chi bộ trong "
                               "ngoặc, ví dụ “%(name)s (Chi bộ thôn 3)”.")
                             % {"name": name[:80]}))
            return None
        return found[0]


def _split(text):
    return [part.strip() for part in text.replace("\n", ";").split(";") if part.strip()]


def _not_listed(text):
    return _("“%(value)s” không có trong danh mục (chọn trong danh sách của ô).") % {
        "value": text[:80]}


__all__ = ["COLUMNS", "HEADER", "HEADER_KEYS", "SHEET", "CaseRow", "CaseRowReader",
           "choice_lists", "moment"]

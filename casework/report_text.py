"""The report's words and tables, built once from its figures (casework.selectors.reports)
for the page, the DOCX and the XLSX: the narrative paragraphs of the letters and the
inspection sections in the 2025 report's own wording and conventions (counts below ten
with a leading zero: "tiếp nhận 17 đơn (01 tố cáo, 05 khiếu nại, 11 kiến nghị)"), and the
tables per unit. Each number is a Segment carrying the address of the list of records it
counts (/don-thu/ or /kiem-tra/ with ?so-lieu=…), so the page links every figure.

Counts only: no person's name is ever read here (units are named; members are counted).
"""
from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext

from casework.formatting import count_text
from casework.models import ConductingBody, DisciplineForm, InspectionKind, PetitionKind
from casework.query_names import param
from casework.selectors.figure_rules import CLOSED_OUTCOMES, DISCIPLINE_KEYS, NO_DISCIPLINE


@dataclass(frozen=True)
class Segment:
    text: str
    url: str = ""  # the list behind a figure; "" for plain words
    value: int | None = None


def _lower(label):
    text = str(label)
    return text[:1].lower() + text[1:]


# Each kind of case, as the report says what was done ("kiểm tra 02 tổ chức đảng cấp dưới
# thực hiện nhiệm vụ kiểm tra, giám sát"): (words before the count, words after it).
K = InspectionKind
KIND_PHRASES = {
    K.MEMBER_COMPLIANCE: ("kiểm tra", ""),
    K.VIOLATION_SIGNS: ("kiểm tra khi có dấu hiệu vi phạm", ""),
    K.LOWER_ORG_DUTY: ("kiểm tra", "cấp dưới thực hiện nhiệm vụ kiểm tra, giám sát"),
    K.DISCIPLINE_ENFORCEMENT: ("kiểm tra", "cấp dưới trong thực hiện nhiệm vụ thi hành kỷ "
                                           "luật đảng"),
    K.PARTY_FINANCE: ("kiểm tra tài chính Đảng", ""),
    K.THEMATIC_SUPERVISION: ("giám sát chuyên đề", ""),
    K.REGULAR_SUPERVISION: ("giám sát thường xuyên", ""),
    K.ASSET_VERIFICATION: ("xác minh tài sản, thu nhập", ""),
}
# The order the report lists each body's work in.
KIND_ORDER = [K.MEMBER_COMPLIANCE, K.VIOLATION_SIGNS, K.LOWER_ORG_DUTY,
              K.DISCIPLINE_ENFORCEMENT, K.PARTY_FINANCE, K.THEMATIC_SUPERVISION,
              K.REGULAR_SUPERVISION, K.ASSET_VERIFICATION]
BODY_ORDER = [ConductingBody.EXECUTIVE, ConductingBody.BRANCH, ConductingBody.UBKT]
SUPERSCRIPTS = "¹²³⁴⁵⁶⁷⁸⁹"
OUTCOME_WORDS = {"withdrawn": "cho rút", "filed": "lưu", "guided": "hướng dẫn",
                 "resolved": "đã giải quyết xong"}
LETTER_COLUMNS = [
    ("carried_in", "", "Kỳ trước chuyển sang"), ("received", "", "Tiếp nhận"),
    *[("received", k.value, f"– {_lower(k.label)}") for k in PetitionKind],
    ("anonymous", "", "Giấu tên, mạo tên"), ("transferred", "", "Đã chuyển"),
    ("guided", "", "Đã hướng dẫn"), ("accepted", "", "Đã thụ lý"),
    *[("closed", str(o), f"Kết thúc: {OUTCOME_WORDS[str(o)]}") for o in CLOSED_OUTCOMES],
    ("open_at_end", "", "Đang giải quyết cuối kỳ"), ("overdue_at_end", "", "Quá hạn cuối kỳ"),
]
CASE_COLUMNS = [
    ("decided", "", "Số cuộc"), ("members", "", "Đảng viên"),
    ("organisations", "", "Tổ chức đảng"), ("concluded", "", "Đã kết luận"),
    ("violations", "", "Có vi phạm"),
    *[("discipline", key, "Không kỷ luật" if key == NO_DISCIPLINE
       else f"Kỷ luật: {key}") for key in DISCIPLINE_KEYS],
]


class Report:
    """The words and tables of one report. `figures` is report_figures' dict; `names`
    {organisation code: name}; `organisation` the unit reported on."""

    def __init__(self, *, figures, organisation, period, names, paths):
        self.figures, self.organisation, self.period, self.names, self.paths = (
            figures, organisation, period, names, paths)
        self.form_labels = {f.value: _lower(f.label) for f in DisciplineForm}
        # A province's page has some 3,000 links: the lists' paths and the part of the
        # query all links share (the period and the unit reported on) are made once.
        self._link_parts = (
            {"letters": reverse("casework:petition-list"),
             "cases": reverse("casework:case-list")},
            urlencode({param("period_from"): period.start.isoformat(),
                       param("period_to"): period.end.isoformat(),
                       param("organisation"): organisation.pk}))

    # ---- links -----------------------------------------------------------------------
    def url(self, section, figure, detail="", *, unit="", body="", kind=""):
        pages, shared = self._link_parts
        first = {param("figure"): figure}
        if detail:
            first[param("figure_detail")] = detail
        last = {}
        if unit:
            last[param("exact_unit")] = unit
        if body:
            last[param("figure_body")] = body
        if kind:
            last[param("kind")] = kind
        query = "&".join(part for part in (urlencode(first), shared, urlencode(last)) if part)
        return f"{pages['letters' if section == 'letters' else 'cases']}?{query}"

    def number(self, value, section, figure, detail="", **where):
        return Segment(count_text(value), self.url(section, figure, detail, **where), value)

    # ---- letters -----------------------------------------------------------------------
    def ordered(self, codes):
        """Units in tree order (`paths` {code: path})."""
        return sorted(codes, key=lambda code: self.paths.get(code, code))

    def letter_units(self):
        return self.ordered(self.figures["letters"]["by_unit"])

    def letter_paragraphs(self):
        out = []
        period = self.period.label[:1].upper() + self.period.label[1:]
        for code in self.letter_units():
            fig = self.figures["letters"]["by_unit"][code]
            name = self.names.get(code, code)
            def n(value, figure, detail="", code=code):
                return self.number(value, "letters", figure, detail, unit=code)

            par = [Segment(f"{period}, {name} nhận được "), n(fig["received"], "received"),
                   Segment(" đơn")]
            kinds = [(k, fig["received_by_kind"][k.value]) for k in
                     (PetitionKind.DENUNCIATION, PetitionKind.COMPLAINT,
                      PetitionKind.RECOMMENDATION, PetitionKind.FEEDBACK)
                     if fig["received_by_kind"][k.value]]
            if kinds and fig["received"]:
                par.append(Segment(". Trong đó có "))
                for i, (kind, value) in enumerate(kinds):
                    par += [Segment(", " if i else ""), n(value, "received", kind.value),
                            Segment(f" đơn {_lower(kind.label)}")]
            if fig["anonymous"]:
                par += [Segment(" ("), n(fig["anonymous"], "anonymous"),
                        Segment(" đơn giấu tên, mạo tên)")]
            par.append(Segment("."))
            if fig["carried_in"]:
                par += [Segment(" Kỳ trước chuyển sang "), n(fig["carried_in"], "carried_in"),
                        Segment(" đơn.")]
            if fig["transferred"]:
                par += [Segment(f" {name} đã chuyển "), n(fig["transferred"], "transferred"),
                        Segment(" đơn đến cơ quan có thẩm quyền xem xét giải quyết.")]
            results = []
            for outcome in ("withdrawn", "filed", "guided", "resolved"):
                if value := fig["closed"][outcome]:
                    results += [Segment(f"{', ' if results else ''}{OUTCOME_WORDS[outcome]} "),
                                n(value, "closed", outcome), Segment(" đơn")]
            if fig["open_at_end"]:
                open_kinds = [k for k in PetitionKind if fig["open_at_end_by_kind"][k.value]]
                kind_words = (f" {_lower(open_kinds[0].label)}" if len(open_kinds) == 1
                              else "")
                results += [Segment(f"{', ' if results else ''}còn "),
                            n(fig["open_at_end"], "open_at_end"),
                            Segment(f" đơn{kind_words} đang xem xét, giải quyết")]
                if fig["overdue_at_end"]:
                    results += [Segment(" (trong đó "), n(fig["overdue_at_end"],
                                                          "overdue_at_end"),
                                Segment(" đơn quá hạn)")]
            if results:
                par += [Segment(" Kết quả: "), *results, Segment(".")]
            out.append(par)
        if not out:
            out.append([Segment(f"{period}, không tiếp nhận đơn nào.")])
        return out

    def handoff_note(self):
        """The sentence stating the rule that counts a letter once in the roll-up (issue
        14; casework.selectors.figure_rules) with the number of letters it left out, that
        number linking to them: the page, the DOCX and the XLSX say it under the letters'
        paragraphs."""
        left_out = self.figures["letters"]["handed_within"]
        if not left_out:
            return [Segment(gettext(
                "Đơn chuyển giữa các đơn vị trong hệ thống được tính một lần, tại đơn vị "
                "giải quyết cuối cùng; trong kỳ không có đơn nào chuyển trong phạm vi báo "
                "cáo."))]
        # Translated as one sentence, then split where the number goes (it is a link).
        before, after = gettext(
            "Đơn chuyển giữa các đơn vị trong hệ thống được tính một lần, tại đơn vị giải "
            "quyết cuối cùng; %(n)s đơn đã chuyển trong phạm vi báo cáo không tính lại."
        ).split("%(n)s", 1)
        return [Segment(before), self.number(left_out, "letters", "handed_within"),
                Segment(after)]

    # ---- cases -------------------------------------------------------------------------
    def case_paragraphs(self):
        """(paragraphs, footnotes): one paragraph per conducting body, and for the
        branches the members of each branch as footnotes, as the 2025 report has them."""
        cases = self.figures["cases"]
        out, notes = [], []
        subjects = {ConductingBody.EXECUTIVE: "Ban Chấp hành, Ban Thường vụ Đảng ủy",
                    ConductingBody.BRANCH: "Các chi bộ trực thuộc Đảng ủy",
                    ConductingBody.UBKT: "Ủy ban kiểm tra Đảng ủy"}
        for body in BODY_ORDER:
            fig = cases["by_body"][body]
            if not fig["decided"]:
                continue
            par, first = [Segment(f"{subjects[body]} ")], True
            for kind in KIND_ORDER:
                kf = fig["by_kind"][kind]
                if not kf["decided"]:
                    continue
                before, after = KIND_PHRASES[kind]
                par.append(Segment(("" if first else "; ") + before + " "))
                first = False
                parts = []
                org_words = "tổ chức" if kind == K.PARTY_FINANCE else "tổ chức đảng"
                for what, words in (("organisations", org_words),
                                    ("members", "đảng viên")):
                    if kf[what]:
                        parts += [Segment(", " if parts else ""),
                                  self.number(kf[what], "cases", what, body=body, kind=kind),
                                  Segment(f" {words}" + (f" {after}" if after else ""))]
                par += parts
                if kf["decided"] != kf["organisations"] + kf["members"]:
                    # Several subjects in one case (the Ban Chấp hành's supervision of four
                    # branches): the cases too, as the report says "cuộc giám sát".
                    par += [Segment(" ("), self.number(kf["decided"], "cases", "decided",
                                                       body=body, kind=kind),
                            Segment(" cuộc)")]
                if body == ConductingBody.BRANCH and kf["members"]:
                    notes.append(self._branch_note(body, kind))
                    par.append(Segment(SUPERSCRIPTS[len(notes) - 1]))
            par.append(Segment("."))
            out.append(par)
        if cases["decided"]:
            out.append(self._results())
        else:
            out.append([Segment("Trong kỳ không có cuộc kiểm tra, giám sát nào được quyết "
                                "định.")])
        if cases["programme"]["planned"]:
            # The planned cases are the programmes' items, not records: the figure links
            # to the programmes of the year when the period lies within one.
            programmes = (f"{reverse('casework:programme-list')}?"
                          f"{urlencode({param('year'): self.period.start.year})}"
                          if self.period.start.year == self.period.end.year else "")
            out.append([Segment("Chương trình kiểm tra, giám sát của các quý trong kỳ dự kiến "),
                        Segment(count_text(cases["programme"]["planned"]), programmes,
                                cases["programme"]["planned"]),
                        Segment(" cuộc; đã kết luận "),
                        self.number(cases["programme"]["done"], "cases", "programme_done"),
                        Segment(" cuộc theo chương trình.")])
        return out, notes

    def _branch_note(self, body, kind):
        by_unit = self.figures["cases"]["by_unit"]
        units = [(code, by_unit[code]["by_body"][body]["by_kind"][kind]["members"])
                 for code in self.ordered(by_unit)]
        units = [(code, n) for code, n in units if n]
        note = []
        for i, (code, value) in enumerate(units):
            note += [Segment(f"{', ' if i else ''}{self.names.get(code, code)} "),
                     self.number(value, "cases", "members", unit=code, body=body, kind=kind),
                     Segment(" đảng viên")]
        return note

    def _results(self):
        cases = self.figures["cases"]
        par = [Segment("Đã kết luận "), self.number(cases["concluded"], "cases", "concluded"),
               Segment(" cuộc")]
        if cases["violations"]:
            par += [Segment("; phát hiện vi phạm qua "),
                    self.number(cases["violations"], "cases", "violations"), Segment(" cuộc")]
        else:
            par.append(Segment("; không phát hiện vi phạm"))
        forms = [(key, cases["discipline"][key]) for key in DISCIPLINE_KEYS
                 if cases["discipline"][key] and key != NO_DISCIPLINE]
        if forms:
            par.append(Segment("; thi hành kỷ luật: "))
            for i, (key, value) in enumerate(forms):
                par += [Segment(f"{', ' if i else ''}{self.form_labels[key]} "),
                        self.number(value, "cases", "discipline", key), Segment("")]
        else:
            par.append(Segment("; không có trường hợp nào bị thi hành kỷ luật"))
        if cases["discipline"][NO_DISCIPLINE]:
            par += [Segment(", "), self.number(cases["discipline"][NO_DISCIPLINE], "cases",
                                               "discipline", NO_DISCIPLINE),
                    Segment(" trường hợp xem xét nhưng không kỷ luật")]
        par.append(Segment("."))
        return par

    # ---- tables ------------------------------------------------------------------------
    def _table(self, section, columns, by_unit, total, unit_order):
        headers = ["Đơn vị"] + [label for _f, _d, label in columns]

        def cells(fig, unit=""):
            row = []
            for figure, detail, _label in columns:
                value = fig[figure] if not detail else fig[
                    "received_by_kind" if figure == "received" else figure][detail]
                row.append(self.number(value, section, figure, detail, unit=unit))
            return row

        rows = [(self.names.get(code, code), cells(by_unit[code], code)) for code in unit_order]
        return headers, rows, ("Tổng cộng", cells(total))

    def letter_table(self):
        letters = self.figures["letters"]
        return self._table("letters", LETTER_COLUMNS, letters["by_unit"], letters,
                           self.letter_units())

    def case_table(self):
        cases = self.figures["cases"]
        columns = [(f, d, self.form_labels.get(d, label) if d and d != NO_DISCIPLINE
                    else label) for f, d, label in CASE_COLUMNS]
        units = [code for code in self.ordered(cases["by_unit"])
                 if cases["by_unit"][code]["decided"] or any(
                     cases["by_unit"][code][k] for k in ("concluded", "violations"))]
        return self._table("cases", columns, cases["by_unit"], cases, units)

    def kind_table(self):
        """Rows: (body, kind) with cases decided; columns: decided, members, organisations,
        concluded."""
        cases = self.figures["cases"]
        headers = ["Chủ thể", "Loại", "Số cuộc", "Đảng viên", "Tổ chức đảng", "Đã kết luận"]
        rows = []
        for body in BODY_ORDER:
            for kind in KIND_ORDER:
                kf = cases["by_body"][body]["by_kind"][kind]
                if kf["decided"] or kf["concluded"]:
                    rows.append((ConductingBody(body).label, K(kind).label, [
                        self.number(kf[f], "cases", f, body=body, kind=kind)
                        for f in ("decided", "members", "organisations", "concluded")]))
        return headers, rows


def plain(paragraph):
    """A paragraph's text without links (the DOCX, the XLSX, the tests)."""
    return "".join(segment.text for segment in paragraph)

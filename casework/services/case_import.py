"""Importing a year's inspection and supervision cases from Excel, through the services
themselves: a year holds hundreds of cases, so each row is written as a clerk would have
entered it, back-dated: `case_open(at=…)`, then `case_step(at=…)` for each step with a
date and `discipline_decide(at=…)` for each subject's discipline. Every rule of a case is
therefore the services' own, and every event lies at its real day (`occurred_at`), which
the figures (casework.selectors.case_figures) count in their period.

- **Check** (nothing written): the same path, inside a transaction rolled back at the end;
  each row in a savepoint of its own, so one bad row does not hide the next one's errors.
  A service's field error is shown on its column.
- **Import**: the same again in one transaction; any error and nothing is kept.
- **Duplicates**: a row whose case is in the register (same conducting unit, year and
  decision number, folded; or the same case number, when the row keeps one) is skipped: a
  file imported twice writes nothing the second time.
- **Numbers**: a row with «Số cuộc» keeps its old number; the rows with one are written
  first, so the others are numbered after the highest (`case_open` numbers a case after
  the unit's highest of the year), in row order.
- **Processes**: a back-dated opening starts no viewflow process (the steps after it are
  written through the services). Once an open case's history is in, casework announces it
  (`case_moved_outside_task`); workflows puts its process at the step the case waits for. A
  closed case needs none.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from casework.errors import ActionRefused
from casework.imports.cases import HEADER, HEADER_KEYS, SHEET, CaseRowReader, moment
from casework.imports.workbook import ImportInvalid, ImportPlan, read_rows
from casework.models import CaseStatus, CaseSubject, InspectionCase
from casework.permissions import deciding_organisations
from casework.search_keys import search_key
from casework.services.inspections import case_open, case_step, discipline_decide
from casework.signals import case_moved_outside_task

# Where a service's field error is shown: its field → the row's column.
_OPEN_FIELDS = {"seq": "number", "organisation": "unit", "team_leader": "unit",
                "at": "decision_date", "programme_item": "kind", "escalated_from": "kind"}
_DISCIPLINE_FIELDS = {"form": "forms", "subject": "forms", "decision_number":
                      "discipline_number", "decision_date": "discipline_date",
                      "notified_on": "discipline_notified", "received_on":
                      "discipline_notified", "reason": "discipline_reason",
                      "at": "discipline_date"}


class _DryRun(Exception):
    """Rolls the check's writes back."""


def case_importing_units(actor):
    """The units the person may import cases into: where they may open cases."""
    return list(deciding_organisations(actor).order_by("path"))


def _read(actor, path, progress):
    units = case_importing_units(actor)
    if not units:
        raise ActionRefused(_("Bạn không có quyền ra quyết định kiểm tra, giám sát ở đơn vị "
                              "nào nên không nhập được."))
    plan, reader, seen = ImportPlan(), CaseRowReader(units), {}
    for number, raw in read_rows(path, sheet_name=SHEET, columns=HEADER_KEYS):
        plan.read += 1
        row = reader.read(number, raw, plan.errors)
        if row is not None and row.open_args["decision_date"]:
            if row.open_args["decision_number"] and row.key() in seen:
                plan.errors.add_row(number, _("trùng với dòng %(row)s (cùng cấp tiến hành, "
                                              "năm và số quyết định).")
                                    % {"row": seen[row.key()]})
                continue
            if row.number_key() in seen:
                plan.errors.add_row(number, _("trùng số cuộc với dòng %(row)s.")
                                    % {"row": seen[row.number_key()]})
                continue
            if row.open_args["decision_number"]:
                seen[row.key()] = number
            if row.seq is not None:
                seen[row.number_key()] = number
        if row is not None:
            plan.rows.append(row)
        if progress:
            progress(0)  # the heartbeat: rows are counted when written
    if not plan.read:
        plan.errors.add_row(2, _("tệp không có dòng dữ liệu nào."))
    return plan


def _existing(rows):
    keys = set()
    by_unit_year = {}
    for row in rows:
        if row.open_args["decision_date"]:
            by_unit_year.setdefault((row.organisation.pk, row.year), []).append(row)
    for (unit, year), _group in by_unit_year.items():
        for number, seq in (InspectionCase.objects.filter(organisation_id=unit, year=year)
                            .values_list("decision_number", "seq")):
            keys |= {(unit, year, search_key(number)), ("n", unit, year, seq)}
    return keys


def _write(plan, actor, progress):
    """Every row through the services, each in its own savepoint; returns the cases."""
    existing = _existing(plan.rows)
    kept = [row for row in plan.rows if not row.open_args["decision_date"]
            or (row.key() not in existing and row.number_key() not in existing)]
    plan.skipped = len(plan.rows) - len(kept)
    kept.sort(key=lambda row: (row.seq is None, row.row))
    cases = []
    for done, row in enumerate(kept, start=1):
        try:
            with transaction.atomic():
                cases.append(_write_row(row, actor))
        except ValidationError as exc:
            _report(plan.errors, row, exc, getattr(exc, "_columns", {}))
        except ActionRefused as exc:
            plan.errors.add_row(row.row, exc.message)
        if progress:
            progress(done)
    plan.rows = kept
    return cases


def _write_row(row, actor):
    args = row.open_args
    try:
        case = case_open(actor=actor, team_leader=actor, seq=row.seq, **args,
                         at=moment(args["decision_date"], 0)
                         if args["decision_date"] else None)
    except ValidationError as exc:
        exc._columns = _OPEN_FIELDS
        raise
    previous = args["decision_date"]
    for index, step in enumerate(row.steps, start=1):
        columns = {"doc_number": f"{step.action}_doc", "doc_date": f"{step.action}_on",
                   "at": f"{step.action}_on", "on": f"{step.action}_on",
                   "conclusion": "conclusion", "violation_found": "violation_found",
                   "reason": "violation_found"}
        if step.day is None:
            raise _field_error(columns["at"], _("chưa nhập ngày của bước này."), columns)
        if step.day < previous:
            raise _field_error(columns["at"], _("ngày của bước trước ngày của bước trước đó."),
                               columns)
        previous = step.day
        try:
            case_step(actor=actor, case_id=case.pk, action=step.action,
                      doc_number=step.doc_number, doc_date=step.day, on=step.day,
                      conclusion=row.conclusion if step.action == "conclude" else "",
                      violation_found=row.violation_found,
                      at=moment(step.day, index))
        except ValidationError as exc:
            exc._columns = columns
            raise
        if step.action == "open_discipline":
            previous = _discipline(row, actor, case, index)
    case.refresh_from_db()
    if case.status != CaseStatus.ARCHIVED:
        case_moved_outside_task.send(sender=InspectionCase, case_id=case.pk)
    return case


def _discipline(row, actor, case, index):
    if not row.forms:
        return row.steps[index - 1].day
    subjects = list(CaseSubject.objects.filter(case=case).order_by("position")
                    .values_list("pk", flat=True))
    day = row.discipline["decision_date"]
    for offset, (subject, form) in enumerate(zip(subjects, row.forms, strict=True)):
        try:
            discipline_decide(
                actor=actor, case_id=case.pk, form=form, subject=subject,
                decision_number=row.discipline["decision_number"] if form else "",
                decision_date=day if form else None,
                notified_on=row.discipline["notified_on"] if form else None,
                reason=row.discipline["reason"],
                at=moment(day, index * 10 + offset) if day else None)
        except ValidationError as exc:
            exc._columns = _DISCIPLINE_FIELDS
            raise
    return day or row.steps[index - 1].day


def _field_error(column, message, columns):
    exc = ValidationError({column: [message]})
    exc._columns = {column: column, **columns}
    return exc


def _report(report, row, exc, columns):
    for name, messages in exc.message_dict.items():
        column = columns.get(name, name)
        header = HEADER.get(column)
        for message in messages:
            if header:
                report.add(row.row, header, message)
            else:
                report.add_row(row.row, message)


def case_import_check(*, actor, path, progress=None) -> ImportPlan:
    """Read the file and run every row through the services in a transaction that is
    rolled back: nothing is written. `progress(rows)` is called after each row."""
    plan = _read(actor, path, progress)
    try:
        with transaction.atomic():
            _write(plan, actor, progress)
            raise _DryRun
    except _DryRun:
        pass
    return plan


@transaction.atomic
def case_import(*, actor, path, job_id=None, progress=None) -> dict:
    """Import the file's cases with their histories, all or nothing. Raises
    ImportInvalid (nothing written) when a row does not pass. Returns the summary the
    result page shows."""
    plan = _read(actor, path, (lambda rows: progress(0)) if progress else None)
    cases = _write(plan, actor, progress)
    if plan.errors:
        raise ImportInvalid(plan)
    return {"imported": len(cases), "skipped": plan.skipped, "units": _summary(cases)}


def _summary(cases):
    groups = {}
    for case in cases:
        groups.setdefault((case.organisation_id, case.organisation.name, case.year),
                          []).append(case.seq)
    return [[unit, name, year, min(seqs), max(seqs), len(seqs)]
            for (unit, name, year), seqs in sorted(groups.items())]

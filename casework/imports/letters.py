"""The letters' sheet: its columns, and the check of one row into what would be written.

Every rule is the register's own: text cleaned by casework.text, dates checked by
casework.services.fields (bounded by casework.dates), codes checked against the models'
choices, and the history of a row taken step by step through the letter's state machine
and the services' step declarations (casework.services.petitions.STEPS: the same
required fields and dates, the same FSM transitions, the same event details). An
in-memory letter walks the steps, so a row whose history the lifecycle does not allow
("Giải quyết xong" after "Hướng dẫn") is refused with the engine's own message.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from casework.formatting import date_text
from casework.imports.workbook import date_of, text_of
from casework.models import (
    Channel,
    Competence,
    FiledReason,
    Petition,
    PetitionKind,
    PetitionStatus,
    SenderType,
)
from casework.numbers import parse_number
from casework.search_keys import search_key
from casework.services.fields import Errors, check_date
from casework.services.handoff import destination_values
from casework.services.petitions import LETTER, STEPS, SenderData
from casework.services.transitions import check_step

SHEET = "Đơn thư"
MAX_SENDERS = 10

# The file is a data contract: its headers are the Vietnamese register's own words, the
# same in every language of the pages (a template made in English reads back too).
COLUMNS = (
    ("unit", "Nơi tiếp nhận"),
    ("number", "Số tiếp nhận"),
    ("received_on", "Ngày nhận"),
    ("channel", "Nguồn đơn"),
    ("forwarded_by", "Cơ quan chuyển đến"),
    ("kind", "Loại đơn"),
    ("sender_type", "Loại người gửi"),
    ("senders", "Họ tên người gửi"),
    ("address", "Địa chỉ người gửi"),
    ("subject", "Người, tổ chức bị khiếu nại, tố cáo, phản ánh"),
    ("summary", "Tóm tắt nội dung"),
    ("competence", "Thẩm quyền"),
    ("classified_on", "Ngày phân loại"),
    ("handling", "Xử lý"),
    ("handled_on", "Ngày xử lý"),
    ("handling_doc", "Số văn bản xử lý"),
    ("recipient", "Nơi nhận đơn chuyển, hướng dẫn"),
    ("handling_note", "Nội dung xử lý"),
    ("filed_reason", "Lý do lưu đơn"),
    ("outcome", "Kết quả"),
    ("closed_on", "Ngày kết thúc"),
    ("outcome_doc", "Số văn bản kết quả"),
    ("result", "Nội dung kết quả"),
)
HEADER = dict(COLUMNS)
HEADER_KEYS = {search_key(header): key for key, header in COLUMNS}
REQUIRED = ("received_on", "channel", "kind", "summary")

# "Xử lý" and "Kết quả" name the state a step leaves the letter in; the step is the one
# that leads there.
HANDLING = {PetitionStatus.ACCEPTED: "accept", PetitionStatus.TRANSFERRED: "transfer",
            PetitionStatus.GUIDED: "guide", PetitionStatus.FILED: "file"}
OUTCOMES = {PetitionStatus.RESOLVED: "resolve", PetitionStatus.WITHDRAWN: "withdraw",
            PetitionStatus.FILED: "file"}
CODED = {"channel": Channel, "kind": PetitionKind, "sender_type": SenderType,
         "competence": Competence, "filed_reason": FiledReason}
# Where a step's field problems are shown: the step's field → the column.
_HANDLING_FIELDS = {"doc_number": "handling_doc", "doc_date": "handled_on",
                    "reason": "handling_note", "recipient": "recipient",
                    "recipient_organisation": "recipient", "filed_reason": "filed_reason",
                    "at": "handled_on"}
_OUTCOME_FIELDS = {"doc_number": "outcome_doc", "doc_date": "closed_on", "reason": "result",
                   "result": "result", "filed_reason": "filed_reason", "at": "closed_on",
                   "delivered_on": "closed_on"}
_CLASSIFY_FIELDS = {"kind": "kind", "competence": "competence", "at": "classified_on"}


def vietnamese_labels(choices):
    """The Vietnamese labels of a TextChoices, as the template's lists show them."""
    with translation.override("vi"):
        return [str(label) for label in choices.labels]


def _lookup(choices):
    """Folded label (with and without a leading "Đã") or code → code."""
    table = {}
    with translation.override("vi"):
        for value, label in choices.choices:
            key = search_key(str(label))
            table[key] = value
            if key.startswith("da "):
                table[key[3:]] = value
            table[search_key(value)] = value
    return table


_LOOKUPS = {name: _lookup(choices) for name, choices in CODED.items()}
_STATUS = _lookup(PetitionStatus)


@dataclass
class PlannedStep:
    """A step as its event will record it (what the engine's `take` would write)."""
    step: object
    values: dict
    at: datetime
    from_status: str
    to_status: str
    details: dict


@dataclass
class LetterRow:
    """A checked row: the letter to write, its senders and the steps of its history."""
    row: int
    organisation: object
    seq: int | None
    received_on: date
    letter: Petition
    senders: list
    steps: list = field(default_factory=list)

    @property
    def year(self):
        return self.received_on.year

    def key(self):
        """What makes it the same letter as one already in the register (see README)."""
        if self.seq is not None:
            return ("n", self.organisation.pk, self.year, self.seq)
        return unnumbered_key(self.organisation.pk, self.received_on,
                              [s.full_name for s in self.senders], self.letter.summary)


def unnumbered_key(unit_id, received_on, names, summary):
    return ("k", unit_id, received_on, tuple(sorted(search_key(n) for n in names)),
            search_key(summary)[:500])


def moment(day, index):
    """A step's moment: its day, in the office's time zone, one minute apart in the
    row's order so that the history keeps its order inside a day; never after now (a step
    dated today, imported before 08:00), which the log would show as a future moment."""
    at = timezone.make_aware(datetime.combine(day, time(8, 0)) + timedelta(minutes=index))
    return min(at, timezone.now())


class RowCheck:
    """Checks rows for one importing user: `units` are the organisations they may receive
    letters for (casework.permissions.receiving_organisations), folded name, symbol and
    code → organisation."""

    def __init__(self, units):
        self.units = {}
        for unit in units:
            for name in (unit.name, unit.symbol, unit.code):
                if name:
                    self.units.setdefault(search_key(name), unit)
        self.only = units[0] if len(units) == 1 else None

    def check(self, number, raw, report):
        """A LetterRow, or None after adding every problem of the row to `report`."""
        errors = Errors()
        values = {key: text_of(raw.get(key), multiline=key in ("summary", "result",
                                                               "handling_note"))
                  for key, _header in COLUMNS if key not in
                  ("received_on", "classified_on", "handled_on", "closed_on")}
        dates = {}
        for key in ("received_on", "classified_on", "handled_on", "closed_on"):
            try:
                dates[key] = date_of(raw.get(key))
            except (ValueError, OverflowError):
                errors.add(key, _("không phải ngày theo dạng dd/mm/yyyy."))
                dates[key] = False
        for key in REQUIRED:
            if not raw.get(key) and raw.get(key) != 0:
                errors.add(key, _("chưa nhập."))
        codes = {name: self._code(errors, name, values[name]) for name in CODED}
        codes["sender_type"] = codes["sender_type"] or SenderType.NAMED
        unit = self._unit(errors, values["unit"])
        received_on = dates["received_on"]
        if received_on:
            check_date(errors, "received_on", received_on, label=_("ngày nhận đơn"))
        seq = self._number(errors, values["number"], received_on, unit)
        senders = self._senders(errors, values, codes["sender_type"])
        if codes["channel"] == Channel.FORWARDED and not values["forwarded_by"]:
            errors.add("forwarded_by", _("đơn do cơ quan khác chuyển đến: chưa nhập tên cơ "
                                         "quan chuyển."))
        for key, limit in (("forwarded_by", 255), ("subject", 255)):
            if len(values[key]) > limit:
                errors.add(key, _("tối đa %(max)s ký tự.") % {"max": limit})
        if errors.by_field:
            return self._report(number, errors, report)
        letter = Petition(
            organisation=unit, receipt_year=received_on.year, received_on=received_on,
            channel=codes["channel"], forwarded_by=values["forwarded_by"],
            kind=codes["kind"], sender_type=codes["sender_type"],
            subject_name=values["subject"], summary=values["summary"])
        row = LetterRow(number, unit, seq, received_on, letter, senders)
        self._history(errors, row, values, codes, dates)
        if errors.by_field:
            return self._report(number, errors, report)
        return row

    # ---- the parts of a row --------------------------------------------------------

    def _code(self, errors, name, text):
        if not text:
            return ""
        code = _LOOKUPS[name].get(search_key(text))
        if code is None:
            errors.add(name, _("“%(value)s” không có trong danh mục (chọn trong danh sách "
                               "của ô).") % {"value": text[:80]})
        return code or ""

    def _unit(self, errors, text):
        if not text:
            if self.only is not None:
                return self.only
            errors.add("unit", _("chưa nhập."))
            return None
        unit = self.units.get(search_key(text))
        if unit is None:
            errors.add("unit", _("“%(value)s” không phải đơn vị bạn được tiếp nhận đơn.")
                       % {"value": text[:80]})
        return unit

    def _number(self, errors, text, received_on, unit):
        if not text:
            return None
        typed = parse_number(text)
        if typed is None or typed.seq < 1:
            errors.add("number", _("“%(value)s” không phải số tiếp nhận (ví dụ 017/2025).")
                       % {"value": text[:40]})
            return None
        if received_on and typed.year is not None and typed.year != received_on.year:
            errors.add("number", _("năm của số (%(year)s) khác năm của ngày nhận.")
                       % {"year": typed.year})
        if (unit is not None and typed.symbol_key is not None and unit.symbol
                and typed.symbol_key != search_key(unit.symbol)):
            errors.add("number", _("ký hiệu đơn vị trong số khác ký hiệu của nơi tiếp nhận "
                                   "(%(symbol)s).") % {"symbol": unit.symbol})
        return typed.seq

    def _senders(self, errors, values, sender_type):
        names = [n for n in values["senders"].replace("\n", ";").split(";") if n.strip()]
        if len(names) > MAX_SENDERS:
            errors.add("senders", _("tối đa %(max)s người gửi.") % {"max": MAX_SENDERS})
            return []
        senders = [SenderData(full_name=n, address=values["address"] if i == 0 else "")
                   for i, n in enumerate(names)]
        if any(len(s.full_name) > 150 for s in senders) or len(values["address"]) > 255:
            errors.add("senders", _("họ tên tối đa 150 ký tự, địa chỉ tối đa 255 ký tự."))
        if sender_type == SenderType.NAMED and not senders:
            errors.add("senders", _("đơn có họ tên phải có ít nhất một người gửi."))
        if sender_type == SenderType.ANONYMOUS and senders:
            errors.add("senders", _("đơn giấu tên không ghi người gửi."))
        return senders

    def _history(self, errors, row, values, codes, dates):
        """The row's steps, each taken on the in-memory letter through the FSM."""
        plan = []
        handling = self._status(errors, "handling", values["handling"], HANDLING)
        outcome = self._status(errors, "outcome", values["outcome"], OUTCOMES)
        if codes["competence"] or handling or outcome:
            plan.append(("classify", _CLASSIFY_FIELDS,
                         dates["classified_on"] or row.received_on,
                         {"kind": codes["kind"], "competence": codes["competence"],
                          "reason": ""}))
        if handling:
            plan.append((handling, _HANDLING_FIELDS, dates["handled_on"],
                         self._values(handling, values, codes, dates["handled_on"],
                                      values["handling_doc"], values["handling_note"])))
        if outcome:
            plan.append((outcome, _OUTCOME_FIELDS, dates["closed_on"],
                         self._values(outcome, values, codes, dates["closed_on"],
                                      values["outcome_doc"], values["result"])))
        letter, previous = row.letter, row.received_on
        for index, (action, columns, day, step_values) in enumerate(plan, start=1):
            step = STEPS[action]
            if not can_proceed(getattr(letter, action)):
                errors.add(columns["at"], _("không thể %(action)s khi đơn đang ở trạng thái "
                                            "“%(status)s”.")
                           % {"action": _step_label(action),
                              "status": PetitionStatus(letter.status).label})
                return
            if day is None or day is False:
                if day is None:
                    errors.add(columns["at"], _("chưa nhập."))
                return
            if day < previous:
                errors.add(columns["at"], _("ngày %(day)s trước bước trước đó (%(before)s).")
                           % {"day": date_text(day), "before": date_text(previous)})
                return
            step_values["at"] = moment(day, index)
            step_errors = Errors()
            check_step(step_errors, LETTER, step, letter, step_values)
            if step_errors.by_field:
                for name, messages in step_errors.by_field.items():
                    for message in messages:
                        errors.add(columns.get(name, columns["at"]), message)
                return
            from_status = letter.status
            getattr(letter, action)(**step.fsm(letter, step_values))
            row.steps.append(PlannedStep(step, step_values, step_values["at"], from_status,
                                         letter.status,
                                         step.details(letter, step_values) or {}))
            previous = day

    def _status(self, errors, name, text, allowed):
        if not text:
            return None
        status = _STATUS.get(search_key(text))
        if status not in allowed:
            errors.add(name, _("“%(value)s” không có trong danh mục (chọn trong danh sách "
                               "của ô).") % {"value": text[:80]})
            return None
        return allowed[status]

    @staticmethod
    def _values(action, values, codes, day, doc_number, note):
        """The service's arguments for `action`, from the row's columns."""
        base = {"doc_number": doc_number, "doc_date": day, "reason": note,
                **destination_values(recipient=values["recipient"])}
        if action == "file":
            return {**base, "filed_reason": codes["filed_reason"], "doc_date": None}
        if action == "resolve":
            return {**base, "result": note, "delivered_on": None}
        return base

    @staticmethod
    def _report(number, errors, report):
        for name, messages in errors.by_field.items():
            for message in messages:
                report.add(number, HEADER[name], message)
        return None


def _step_label(action):
    from casework.permissions import ACTION_LABELS

    return str(ACTION_LABELS[action]).lower()

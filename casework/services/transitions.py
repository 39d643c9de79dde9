"""One transition engine for letters and cases.

Every change of a letter's or a case's legal status goes through `take`:

1. lock the record's row (a second user acting at the same moment waits);
2. refuse someone with no standing over the record before telling them anything about it;
3. refuse a form that saw another state (`expected_status`), a step the state does not
   allow, and a role that may not take the step;
4. check the fields and the moment (`at`, when a paper history is transcribed), all at
   once, each problem named under its field;
5. apply the FSM transition, write the case event and announce it;
6. when the user asked for the step's document (`Step.document`, `issue_document`), number
   it from the issuing unit's register before the event is written (the number and the
   step's date are the event's document) and make it once the event exists
   (casework.services.documents), all in the same transaction.

Anything refused raises before the first write, and the service's transaction rolls back
as a whole, so nothing is half-written. A service is a declaration (`Step`): the fields it
needs, the dates it checks, what the FSM transition and the event receive. `RecordKind`
says what differs between a letter and a case: the model, who stands where, the nouns of
the messages.

Announcing is `case_event_written`, sent inside the transaction with the event. Its
receivers (deadline clocks, processes, notices) write rows that must live or die with the
event, and each defers what leaves the database (e-mail, the task queue) to
`transaction.on_commit` itself (notifications.outbox): only the receiver knows whether it
has anything to send.
"""
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed

from casework.errors import ActionRefused, Stale, WrongState
from casework.formatting import date_text, datetime_text
from casework.models import CaseEvent
from casework.services.documents import Issue
from casework.services.fields import Errors, check_choice, check_date, is_blank, sentence_case
from casework.signals import case_event_written


@dataclass(frozen=True)
class RecordKind:
    """What the engine needs to know about one kind of record (letters, cases)."""
    model: type
    event_field: str  # the CaseEvent foreign key to it
    related: tuple  # read with the locked row
    status: type  # its status TextChoices
    labels: Mapping  # action → label, as on its buttons
    start_day: Callable  # record → the day its history begins
    number: Callable  # record → the number users know it by
    has_standing: Callable  # (user, record) → holds any role over it
    may_act: Callable  # (user, action, record) → may take that step
    # Nouns of the messages, each translated whole: "đơn", "đơn này", "đơn số 001/2026",
    # "Không tìm thấy đơn.", "ngày nhận đơn".
    noun: str
    this: str
    named: str
    not_found: str
    start_label: str

    def name(self, record):
        return str(self.named) % {"number": self.number(record)}


@dataclass(frozen=True)
class DateRule:
    """A date the step takes: never in the future, never before the record began."""
    name: str
    label: str
    required: bool = True


def _nothing(record, values):
    return {}


@dataclass(frozen=True)
class Step:
    """One transition, declared: what it needs and what it writes."""
    action: str
    event: str
    required: Mapping = field(default_factory=dict)  # field → message when left empty
    choices: Mapping = field(default_factory=dict)  # field → (TextChoices, label)
    dates: Sequence = ()  # DateRules
    fsm: Callable = _nothing  # (record, values) → the transition method's arguments
    details: Callable = _nothing  # (record, values) → the event's details
    reason: Sequence = ("reason",)  # the first of these that is filled is the event's reason
    doc: tuple = ("doc_number", "doc_date")  # the document the event cites
    check: Callable | None = None  # (errors, record, values) → anything else to refuse
    effect: Callable | None = None  # (record, values, actor) → rows written with the step
    # (record, values, actor, event, relay) → rows written after the step's event, in its
    # transaction: a letter's hand-off inside the system (casework.services.handoff).
    after: Callable | None = None
    # (record, values) → whether the status moves, asked after `effect` under the row lock:
    # a step done once per subject (discipline) moves the record on with the last one.
    moves: Callable = lambda record, values: True
    # The document the step produces (casework.documents.kinds), when the user asks for it
    # with `issue_document`: numbered from the issuing unit's register, the number and the
    # step's date become the event's document (casework.services.documents).
    document: str = ""


@dataclass(frozen=True)
class Relay:
    """The system relaying a step back along a hand-off inside the system: the unit a
    letter was handed to (`source`, whose `forwarded_from` is the record the step is taken
    on) settled it, and the sender's letter follows. `origin` is the letter the acting user
    acted on (the first link of a chain; `source` itself for one link). Made only by
    casework.services.handoff; no service a page calls takes one."""
    source: object
    origin: object


def pick(*names):
    """`fsm` or `details` that passes these values on under their own names."""
    return lambda record, values: {name: values[name] for name in names}


def lock(kind, pk):
    try:
        return (kind.model.objects.select_related(*kind.related)
                .select_for_update(of=("self",)).get(pk=pk))
    except kind.model.DoesNotExist:
        raise ActionRefused(str(kind.not_found)) from None


def take(kind, step, *, actor, pk, expected_status=None, values, relay=None):
    """Take `step` on the record `pk` for `actor`, or refuse with a message and write
    nothing. `values` are the service's other arguments (`at` among them). `relay`: the
    step is the system's, relayed back along a hand-off (`Relay`): the actor's standing is
    over the letter they acted on, the link stands for the role here."""
    record = lock(kind, pk)
    label = str(kind.labels[step.action]).lower()
    _refuse_unless_allowed(kind, record, actor, step.action, label, expected_status, relay)
    errors = Errors()
    issue = _document_asked(errors, step, record, actor, values)
    _check_fields(errors, kind, step, record, values, issuing=issue is not None)
    check_moment(errors, kind, record, values.get("at"))
    errors.raise_if_any()
    number_field, date_field = step.doc
    if issue:
        day = values.get(date_field) or event_day(values.get("at"))
        values = {**values, number_field: issue.reserve(day), date_field: day}
    from_status = record.status
    if step.effect:
        step.effect(record, values, actor)
    if step.moves(record, values):
        _move(kind, step, record, values, label)
    event = write_event(kind, record, event_type=step.event, actor=actor,
                        from_status=from_status,
                        reason=next((values[n] for n in step.reason if values.get(n)), ""),
                        doc_number=values.get(number_field) or "",
                        doc_date=values.get(date_field),
                        details=step.details(record, values), at=values.get("at"))
    if issue:
        issue.produce(event)
    if step.after:
        step.after(record, values, actor, event, relay)
    return record


def _move(kind, step, record, values, label):
    getattr(record, step.action)(**step.fsm(record, values))
    try:
        record.save()
    except ConcurrentTransition:
        raise Stale(
            _("%(record)s vừa được người khác cập nhật. Thao tác “%(action)s” của bạn chưa "
              "được ghi; đề nghị xem lại %(this)s.")
            % {"record": sentence_case(kind.name(record)), "action": label,
               "this": kind.this}) from None


def event_day(at):
    return timezone.localdate(at) if at else timezone.localdate()


def _document_asked(errors, step, record, actor, values):
    """The step's document when the user asked for one (`issue_document`), checked."""
    if not values.get("issue_document"):
        return None
    if not step.document:
        errors.add("issue_document", _("Bước này không có văn bản để lập."))
        return None
    if values.get(step.doc[0]):
        errors.add(step.doc[0], _("Đã chọn lập văn bản: số văn bản do sổ văn bản cấp, để trống "
                                  "ô số văn bản."))
    issue = Issue.for_step(step.document, record, actor)
    issue.check(errors)
    return issue


def _has_standing(kind, record, actor, relay):
    if not (actor.is_authenticated and actor.is_active):
        return False
    if relay is not None:
        # The link is the system's own record: the letter relayed from was handed off from
        # this one, and the actor stands over the letter where they acted.
        return (relay.source.forwarded_from_id == record.pk
                and (actor.is_superuser or kind.has_standing(actor, relay.origin)))
    return actor.is_superuser or kind.has_standing(actor, record)


def _refuse_unless_allowed(kind, record, actor, action, label, expected_status=None,
                           relay=None):
    """Standing, freshness, state and role, in that order: someone with no role over the
    record must not learn even its state. A relayed step (`Relay`) has its standing from
    the hand-off's link and needs no role here."""
    current = kind.status(record.status).label
    if not _has_standing(kind, record, actor, relay):
        raise ActionRefused(_("Bạn không có quyền xử lý %(this)s.") % {"this": kind.this})
    if expected_status and record.status != expected_status:
        raise Stale(
            _("%(record)s vừa được người khác cập nhật, nay ở trạng thái “%(status)s”. "
              "Thao tác “%(action)s” của bạn chưa được ghi; đề nghị xem lại %(this)s.")
            % {"record": sentence_case(kind.name(record)), "status": current,
               "action": label, "this": kind.this})
    if not can_proceed(getattr(record, action)):
        raise WrongState(_("Không thể %(action)s khi %(noun)s đang ở trạng thái "
                           "“%(status)s”.")
                         % {"action": label, "noun": kind.noun, "status": current})
    if relay is None and not kind.may_act(actor, action, record):
        raise ActionRefused(_("Vai trò của bạn không được phép “%(action)s” đối với "
                              "%(this)s.") % {"action": label, "this": kind.this})


def check_step(errors, kind, step, record, values):
    """The step's own field checks (required fields, choices, dates, its `check`), without
    the record's row or the log: what an import of a paper register checks for each step
    of a row before anything is written (casework.imports.letters)."""
    _check_fields(errors, kind, step, record, values)


def _check_fields(errors, kind, step, record, values, issuing=False):
    for name, message in step.required.items():
        if issuing and name == step.doc[0]:
            continue  # the register gives it
        if is_blank(values.get(name)):
            errors.add(name, str(message))
    for name, (choices, label) in step.choices.items():
        check_choice(errors, name, values.get(name), choices, label=label)
    for rule in step.dates:
        check_date(errors, rule.name, values.get(rule.name), label=rule.label,
                   required=rule.required, not_before=kind.start_day(record),
                   not_before_label=kind.start_label)
    if step.check:
        step.check(errors, record, values)


def check_moment(errors, kind, record, at):
    """A transcribed history (`at`) must still run forwards: not in the future, not
    before the record began, not before its previous event."""
    if at is None:
        return
    if at > timezone.now():
        errors.add("at", _("Thời điểm ghi nhận không được sau thời điểm hiện tại."))
        return
    shown = datetime_text(at)
    start = kind.start_day(record)
    if isinstance(start, date) and timezone.localdate(at) < start:
        errors.add("at", _("Thời điểm ghi nhận (%(at)s) không được trước %(start)s "
                           "(%(day)s).")
                   % {"at": shown, "start": kind.start_label, "day": date_text(start)})
        return
    last = (CaseEvent.objects.filter(**{kind.event_field: record})
            .order_by("-occurred_at").values_list("occurred_at", flat=True).first())
    if last and at < last:
        errors.add("at", _("Thời điểm ghi nhận (%(at)s) không được trước sự kiện trước đó "
                           "của %(this)s (%(last)s).")
                   % {"at": shown, "this": kind.this,
                      "last": datetime_text(last)})


def record_event(kind, record, **event):
    """An event that is not a change of status (a receipt, an opening, an appeal), with
    the same check of a transcribed moment. The caller holds the record's row lock (or the
    record is new): the event is sealed onto the end of its hash chain on insert."""
    errors = Errors()
    check_moment(errors, kind, record, event.get("at"))
    errors.raise_if_any()
    return write_event(kind, record, **event)


def write_event(kind, record, *, event_type, actor, from_status, reason="", doc_number="",
                doc_date=None, details=None, at=None):
    now = timezone.now()
    event = CaseEvent.objects.create(
        **{kind.event_field: record}, event_type=event_type, actor=actor,
        from_status=from_status, to_status=record.status, reason=reason,
        doc_number=doc_number, doc_date=doc_date, details=details or {},
        occurred_at=at or now, recorded_at=now)
    moments = getattr(record, "log_moments", lambda event: {})(event)
    if moments:
        # The record is saved already (take) or new (record_event): its row is updated
        # beside the event, and the instance too, for a caller that saves it again.
        type(record).objects.filter(pk=record.pk).update(**moments)
        for name, value in moments.items():
            setattr(record, name, value)
    case_event_written.send(sender=CaseEvent, event=event)
    return event

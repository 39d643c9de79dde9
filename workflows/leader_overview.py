"""Tổng quan: what a leader looks at first (issue 12, item 4), read for one organisation's
subtree (the focus) and split by the units directly under it: a commune's office, UBKT and
branches, or a province's communes.

Every figure is read in SQL, scoped by the selectors that scope the lists it links to
(`workflows.selectors.clocks_visible` for deadlines, `Petition.objects.visible_to` for
letters), grouped by the row's own stored organisation path; the page's query count is the
same for 5 rows or 500 (tests/workflows/test_leader_overview.py):

- deadlines: the open clocks of /thoi-han/ (running, not the window of a right), overdue
  (due before today) or due within `HORIZON_DAYS`, counted per unit and per handler as
  letters or cases and per kind (the letter's kind as its clock keeps it, or an
  inspection/supervision case) in one grouped query;
- the most overdue ones, in one query;
- the on-time rate of the year so far, per unit (`ON_TIME_DEFINITION`);
- letters received (the register's "ngày nhận") and closed (its "ngày kết thúc") per unit
  and month over the last 12 months: the chart, and per unit this year's figures; a
  letter handed on inside the focus's subtree counted once, at its recipient (`_letters`).
A unit's figures are its whole subtree's; the focus organisation's own records (a letter
received by the province itself) make a row of their own.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.db.models import (
    BooleanField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    Value,
    When,
)
from django.utils.translation import gettext_lazy as _

from casework.models import Organisation, OrgKind, Petition, PetitionKind
from casework.selectors.scope import role_paths

# CASES (a case's clock, beside the letters' PetitionKind values) and LETTERS are the
# values of /thoi-han/'s ?loai= filter, and HORIZON_DAYS its "Đến hạn trong 7 ngày tới":
# where the numbers lead.
from workflows.clock_filters import CASES, LETTERS, UNASSIGNED  # noqa: F401
from workflows.models import ClockStatus
from workflows.overview_views import HORIZON_DAYS
from workflows.selectors import clocks_visible, in_subtree_q

MOST_OVERDUE = 10
HANDLER_ROWS = 20
MONTHS = 12
ON_TIME_DEFINITION = _(
    "Tỷ lệ đúng hạn = số thời hạn đã kết thúc từ ngày 01/01 đến hôm nay mà việc được làm "
    "xong không muộn hơn hạn (hạn sau cùng, đã tính tạm dừng, gia hạn) ÷ tổng số thời hạn "
    "đã kết thúc trong cùng khoảng, của đơn thư và các cuộc kiểm tra, giám sát. Mỗi bước "
    "có thời hạn (phân loại, thụ lý, giải quyết, đôn đốc, …) là một thời hạn; thời hạn "
    "thực hiện quyền (khiếu nại kỷ luật) không tính.")


def kind_choices():
    """(code, label) of the kinds the figures are split by: letters by their kind, then
    the cases."""
    return [*PetitionKind.choices, (CASES, _("Kiểm tra, giám sát"))]


@dataclass
class Counts:
    # kind → n: the letter's kind or CASES in the kinds' table; LETTERS or CASES for a
    # unit, the total and a handler.
    overdue: dict = field(default_factory=lambda: defaultdict(int))
    soon: dict = field(default_factory=lambda: defaultdict(int))

    @property
    def overdue_total(self):
        return sum(self.overdue.values())

    @property
    def soon_total(self):
        return sum(self.soon.values())

    def letters(self, bucket):
        return sum(n for kind, n in getattr(self, bucket).items() if kind != CASES)

    @property
    def overdue_letters(self):
        return self.letters("overdue")

    @property
    def soon_letters(self):
        return self.letters("soon")

    @property
    def overdue_cases(self):
        return self.overdue.get(CASES, 0)

    @property
    def soon_cases(self):
        return self.soon.get(CASES, 0)


@dataclass
class UnitRow(Counts):
    organisation: Organisation | None = None
    own: bool = False  # the focus organisation's own records, not a unit under it
    finished: int = 0  # clocks ended this year
    on_time: int = 0
    received: int = 0  # letters received this year
    closed: int = 0

    @property
    def rate(self):
        return round(100 * self.on_time / self.finished, 1) if self.finished else None

    @property
    def empty(self):
        return not (self.overdue_total or self.soon_total or self.finished or self.received
                    or self.closed)


@dataclass
class HandlerRow(Counts):
    user_id: int | None = None
    name: str = ""


def focus_choices(user):
    """The organisations the user may open the overview for: at or under their roles."""
    return Organisation.objects.visible_to(user)


def default_focus(user):
    """The topmost organisation of the user's roles (an administrator's: the first root)."""
    if user.is_superuser:
        return Organisation.objects.filter(parent__isnull=True).order_by("path").first()
    paths = role_paths(user)
    return Organisation.objects.filter(path__in=paths[:1]).first() if paths else None


def _unit_key(focus_path, path):
    """The unit under the focus that a row stored at `path` counts for ("" for the focus
    itself): the next step of the path."""
    rest = path[len(focus_path):]
    return rest.split("/", 1)[0]


def _clocks(user, focus, subtree):
    """The clocks the user sees under `focus`. When the subtree is every organisation (a
    province's, `Subtree.whole`) no condition on the clock's organisation: the scope then
    needs none either (`scope.kept_q`), and the province's clocks are counted from their
    own indexes without joining each to its organisation."""
    clocks = clocks_visible(user=user).filter(lapses=False)
    return clocks if subtree.whole else clocks.filter(in_subtree_q(focus))


def _late(today):
    return Case(When(due_on__lt=today, then=Value(True)), default=Value(False),
                output_field=BooleanField())


def _running(user, focus, subtree, today):
    horizon = today + timedelta(days=HORIZON_DAYS)
    return _clocks(user, focus, subtree).filter(status=ClockStatus.RUNNING, due_on__lte=horizon)


def deadline_counts(user, focus, subtree, today):
    """Running clocks overdue or due within the horizon, grouped by (stored organisation
    id, handler id, overdue?, a case's or a letter's, the letter's kind as the clock keeps
    it): one query on the clocks alone, for the units, the handlers and the kinds' table.
    Before the clock kept its letter's kind, the kinds were counted in a second query
    reading it per clock by the letter's primary key (45,000 probes for a province)."""
    return list(
        _running(user, focus, subtree, today)
        .annotate(late=_late(today),
                  is_case=ExpressionWrapper(Q(petition__isnull=True),
                                            output_field=BooleanField()))
        .values("organisation_id", "assignee_id", "late", "is_case", "kind")
        # COUNT(*), not of the key: every column read is in clock_open_counts_idx.
        .annotate(n=Count("*")).order_by())


class Subtree(dict):
    """{organisation id: path} of a focus's subtree. `whole`: it is every organisation (the
    root of the only tree: a province's), so a count over the subtree needs no condition
    on the organisation at all."""
    whole = False


def organisation_paths(focus):
    """The focus's subtree (`Subtree`): one query. The grouped counts key their rows by
    organisation id: grouped by the path and the handler's names, the province's 50,000
    running clocks were sorted on disk. For a root every organisation is read (the tree's
    700 when it is the only one) to learn whether the subtree is all of them."""
    rows = (Organisation.objects.all() if focus.parent_id is None
            else Organisation.objects.filter(path__startswith=focus.path))
    subtree, others = Subtree(), False
    for pk, path in rows.values_list("pk", "path"):
        if path.startswith(focus.path):
            subtree[pk] = path
        else:
            others = True
    subtree.whole = focus.parent_id is None and not others
    return subtree


def handler_names(user_ids):
    """{user id: name shown} of the handlers: one query, also when there are none."""
    names = {}
    users = get_user_model().objects.filter(pk__in=[pk for pk in user_ids if pk] or [0])
    for user in users.only("username", "first_name", "last_name"):
        name = " ".join(p for p in (user.last_name, user.first_name) if p.strip())
        names[user.pk] = name or user.username
    return names


def finished_counts(user, focus, subtree, today):
    """Clocks ended this year and those ended on time, per stored organisation id (keyed
    to paths by the caller, as `deadline_counts`: grouped by the joined path, each of the
    province's clocks was joined to its organisation)."""
    return list(
        _clocks(user, focus, subtree)
        .filter(status=ClockStatus.STOPPED, stopped_on__gte=date(today.year, 1, 1),
                stopped_on__lte=today, due_on__isnull=False)
        .values("organisation_id")
        .annotate(finished=Count("pk"), on_time=Count("pk", filter=Q(stopped_on__lte=F("due_on"))))
        .order_by())


def _letters(user, subtree):
    """The letters the user may see (the scope) stored at one of `subtree`'s organisation
    ids (the focus, not a scope): a list of ids already read (`organisation_paths`), so
    the month counts read the (date, organisation) index alone, without joining each
    letter to its organisation for the path (a province's 155,000 letters of a year). When
    the subtree is every organisation, no condition at all: testing each letter's id
    against the province's 700 cost about a fifth of the count.
    A letter handed on to a unit inside the subtree (issue 14: a linked letter is in the
    recipient's register) is counted once, at the recipient's letter, as the report's
    figures count it (casework.selectors.figure_rules): its `handed_to_id` is in the
    same indexes as the dates (Petition.Meta), tested against the same list of ids; for
    the whole tree every hand-off is inside it."""
    letters = Petition.objects.visible_to(user)
    if subtree.whole:
        return letters.filter(handed_to__isnull=True)
    ids = list(subtree)
    return letters.filter(organisation_id__in=ids).exclude(handed_to_id__in=ids)


def month_starts(today, months=MONTHS):
    first = date(today.year, today.month, 1)
    starts = []
    for back in range(months - 1, -1, -1):
        y, m = divmod(first.year * 12 + first.month - 1 - back, 12)
        starts.append(date(y, m + 1, 1))
    return starts


def _month_index(column, starts):
    """The index in `starts` of the month the date in `column` falls in (the rows are
    already at or after starts[0]): a CASE of "before the next month's first day" tests,
    computed on the dates as stored (the register's local dates). On PostgreSQL about half
    the time of truncating each of a province's 155,000 dates to its month, which went
    through a timestamp with time zone."""
    return Case(*[When(**{f"{column}__lt": start}, then=Value(i))
                  for i, start in enumerate(starts[1:])],
                default=Value(len(starts) - 1), output_field=IntegerField())


def letter_months(user, focus, today, subtree=None):
    """{"received": rows, "closed": rows}, each row (stored organisation path, (year,
    month), letters): the letters received (the register's "ngày nhận") and closed (its
    "ngày kết thúc") in each month of the chart's window, per organisation; one grouped
    query each. The window (the last MONTHS months) always holds 1 January, so the year's
    figures per unit are sums of these rows. Each query reads one date column and the
    organisation id from the index on (that date, organisation) and nothing else of the
    letters (COUNT(*), not of the key, which is not in the index), grouped by the id and
    the month's index (`_month_index`), keyed by path from `subtree` (`organisation_paths`;
    read here if not given)."""
    starts = month_starts(today)
    if subtree is None:
        subtree = organisation_paths(focus)
    letters = _letters(user, subtree)

    def path_of(pk):
        # Read unfiltered (`Subtree.whole`), a letter may be stored at an organisation
        # created since the subtree was read: its path is read then, and kept if it is
        # under the focus (another root made meanwhile is not).
        if pk not in subtree:
            path = Organisation.objects.filter(pk=pk).values_list("path", flat=True).first()
            subtree[pk] = path if path and path.startswith(focus.path) else None
        return subtree[pk]

    def per_month(column):
        rows = (letters.filter(**{f"{column}__gte": starts[0], f"{column}__lte": today})
                .annotate(month=_month_index(column, starts))
                .values("organisation_id", "month")
                .annotate(n=Count("*")).order_by())
        return [(path, (starts[row["month"]].year, starts[row["month"]].month), row["n"])
                for row in rows if (path := path_of(row["organisation_id"])) is not None]

    return {"received": per_month("received_on"), "closed": per_month("closed_on")}


def monthly(today, by_month):
    """[(month start, month end, received, closed)] for the last MONTHS months, from the
    rows of `letter_months`."""
    totals = {column: defaultdict(int) for column in by_month}
    for column, rows in by_month.items():
        for _path, month, n in rows:
            totals[column][month] += n
    starts = month_starts(today)
    result = []
    for i, start in enumerate(starts):
        end = (starts[i + 1] - timedelta(days=1)) if i + 1 < len(starts) else today
        key = (start.year, start.month)
        result.append((start, end, totals["received"][key], totals["closed"][key]))
    return result


def most_overdue(user, focus, subtree, today, limit=MOST_OVERDUE):
    """The running clocks longest past their due date, with their letter or case."""
    return list(
        _clocks(user, focus, subtree).filter(status=ClockStatus.RUNNING, due_on__lt=today)
        .select_related("rule", "petition", "inspection", "organisation", "assignee")
        .order_by("due_on", "pk")[:limit])


def units(focus):
    """The organisations directly under the focus, in the tree's order: one query."""
    return list(Organisation.objects.filter(parent=focus).order_by("path"))


def overview(*, user, focus, today):
    """Everything the page shows for `focus`, as of `today` (see the module docstring)."""
    children = units(focus)
    rows = {str(org.pk): UnitRow(organisation=org) for org in children}
    rows[""] = UnitRow(organisation=focus, own=True)
    total = UnitRow(organisation=focus)
    kinds = {code: Counts() for code, _label in kind_choices()}
    handlers = {}

    def unit_of(path):
        # A record stored under a unit created after `children` was read still counts,
        # in the total and in its own row.
        key = _unit_key(focus.path, path)
        if key not in rows:
            rows[key] = UnitRow(organisation=Organisation.objects.filter(pk=key).first())
        return rows[key]

    def path_of(pk):
        path = paths.get(pk)
        if path is None:  # an organisation created since `paths` was read
            path = paths[pk] = Organisation.objects.get(pk=pk).path
        return path

    paths = organisation_paths(focus)
    for row in deadline_counts(user, focus, paths, today):
        bucket = "overdue" if row["late"] else "soon"
        # Units and handlers count letters (under LETTERS) and cases (under CASES).
        kind, n = (CASES if row["is_case"] else LETTERS), row["n"]
        for target in (unit_of(path_of(row["organisation_id"])), total):
            getattr(target, bucket)[kind] += n
        # The kinds' table: each kind of letter, and the cases.
        kind_code = CASES if row["is_case"] else row["kind"]
        getattr(kinds[kind_code], bucket)[kind_code] += n
        handler = handlers.get(row["assignee_id"])
        if handler is None:
            handler = handlers[row["assignee_id"]] = HandlerRow(user_id=row["assignee_id"])
        getattr(handler, bucket)[kind] += n
    names = handler_names(handlers)
    for handler in handlers.values():
        handler.name = names.get(handler.user_id, "")
    for row in finished_counts(user, focus, paths, today):
        for target in (unit_of(path_of(row["organisation_id"])), total):
            target.finished += row["finished"]
            target.on_time += row["on_time"]
    by_month = letter_months(user, focus, today, paths)
    for column, counted in by_month.items():
        for path, (year, _month), n in counted:
            if year == today.year:
                for target in (unit_of(path), total):
                    setattr(target, column, getattr(target, column) + n)

    own = rows.pop("")
    unit_rows = sorted(rows.values(), key=lambda r: (-r.overdue_total, -r.soon_total,
                                                     r.organisation.name if r.organisation
                                                     else ""))
    # A province's leader sees every commune, quiet ones too; under a commune the units
    # with nothing to show are only counted.
    show_all = focus.kind == OrgKind.PROVINCE
    shown = [r for r in unit_rows if show_all or not r.empty]
    handler_rows = sorted(handlers.values(),
                          key=lambda h: (-h.overdue_total, -h.soon_total, h.name))
    return {
        "units": ([own] if not own.empty else []) + shown,
        "quiet_units": len(unit_rows) - len(shown),
        "total": total,
        "kinds": [(code, label, kinds[code]) for code, label in kind_choices()],
        "handlers": handler_rows[:HANDLER_ROWS],
        "handlers_total": len(handler_rows),
        "most_overdue": most_overdue(user, focus, paths, today),
        "months": monthly(today, by_month),
        "horizon": today + timedelta(days=HORIZON_DAYS),
    }

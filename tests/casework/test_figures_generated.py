"""Letter figures (casework.selectors.figures.letter_figures) on generated histories, against
a count made from the generator's own plan, not from the database.

Random letters over five years in two communes of a province, each step taken through the
services: some transcribed later with a back-dated `at=`, some live (time-machine standing
at the step's moment, no `at=`), at hours where the UTC date differs from the office's
(00:30, 23:30 in Asia/Ho_Chi_Minh) and on period boundaries; some deadline clocks paused and
resumed. The plan records each letter's receipt, kinds, steps and closing moment as they
were meant; every key of every period and subtree (totals and `by_unit`) is counted from it
in Python. `overdue_at_end` needs the deadline rules and the calendar, which the plan does
not model: it is counted by replaying each clock's ledger rows in Python. The balance
identity holds for every unit."""
import datetime
import importlib
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import casework.migrations
from casework.errors import ActionRefused
from casework.models import OrgKind, Petition, PetitionKind
from casework.selectors.figures import letter_figures
from casework.services import petitions as services
from tests.factories import OrganisationFactory, receive_petition, user_with_role
from workflows.default_rules import install_default_rules
from workflows.models import (
    ClockEntry,
    DeadlineClock,
    DeadlineRule,
)
from workflows.services import clocks as clock_services

pytestmark = pytest.mark.django_db
D = datetime.date
KINDS = PetitionKind.values
OUTCOME = {"resolve": "resolved", "withdraw": "withdrawn", "file": "filed", "guide": "guided"}
STEP_FIGURE = {"transfer": "transferred", "guide": "guided", "accept": "accepted"}
FIRST, LAST = D(2021, 1, 1), D(2026, 10, 31)
# Period boundaries where events are put on purpose (just before and after midnight).
EDGES = [D(2022, 1, 1), D(2023, 1, 1), D(2024, 1, 1), D(2024, 4, 1), D(2024, 7, 1),
         D(2025, 1, 1), D(2025, 10, 1), D(2026, 1, 1)]


@pytest.fixture(autouse=True)
def deadline_rules(db):
    """The shipped deadline rules: a transactional test before this one may have flushed
    them, and without them no letter has a deadline."""
    install_default_rules(DeadlineRule)


PATHS = [[], ["accept"], ["accept", "resolve"], ["accept", "withdraw"], ["guide"], ["file"],
         ["transfer"], ["transfer", "follow_up"], ["transfer", "resolve"], ["transfer", "file"],
         ["transfer", "follow_up", "resolve", "report_back"], ["transfer", "withdraw"]]


def local_day(moment):
    return timezone.localtime(moment).date()


def at(day, hour, minute=30):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


@dataclass
class Plan:
    """One letter as the generator meant it."""
    unit: str
    anonymous: bool
    received: datetime.datetime
    kinds: list = field(default_factory=list)  # (moment, kind)
    steps: list = field(default_factory=list)  # (action, moment)
    closed: tuple | None = None  # (moment, outcome)
    pk: int | None = None
    # A hand-off inside the system (issue 14): the unit this letter was transferred or
    # guided to, where a linked letter (its own plan) carries the chain on.
    handed_to: str | None = None
    depth: int = 0  # links before this one in its chain


HANDOFF_SHARE = 0.5  # of the transfers and guides: to a unit inside the system
CHAIN_LINKS = 3  # at most, office → branch → another unit


class Generator:
    def __init__(self, rng, actor, units=()):
        self.rng, self.actor = rng, actor
        self.units = list(units)  # where a letter may be handed on inside the system
        self.plans, self.pauses = [], 0

    def first_moment(self):
        rng = self.rng
        if rng.random() < 0.25:  # on a period's edge
            edge = rng.choice(EDGES)
            return rng.choice((at(edge - datetime.timedelta(days=1), 23),
                               at(edge, 0), at(edge, 23)))
        day = FIRST + datetime.timedelta(days=rng.randrange((LAST - FIRST).days))
        return at(day, rng.choice((0, 9, 14, 23)))

    def next_moment(self, after):
        rng = self.rng
        if rng.random() < 0.2:  # on the next edge, if there is one ahead
            ahead = [e for e in EDGES if e > local_day(after)]
            if ahead:
                return rng.choice((at(ahead[0] - datetime.timedelta(days=1), 23),
                                   at(ahead[0], 0)))
        days = rng.choice((0, 1, 3, 12, 40, 120, 300))
        moment = at(local_day(after) + datetime.timedelta(days=days), rng.choice((0, 8, 15, 23)))
        return max(moment, after + datetime.timedelta(minutes=5))

    def run(self, action, live, moment, **kwargs):
        """A step taken live (time-machine at its moment) or transcribed (at=)."""
        if live:
            with time_machine.travel(moment, tick=False):
                return action(**kwargs)
        return action(at=moment, **kwargs)

    def letter(self, unit, moment=None, depth=0):
        rng = self.rng
        live = rng.random() < 0.4
        moment = moment or self.first_moment()
        plan = Plan(unit=unit.code, anonymous=rng.random() < 0.2, received=moment,
                    depth=depth)
        kind = rng.choice(KINDS)
        letter = self.run(receive_petition, live, moment, actor=self.actor, organisation=unit,
                          kind=kind, received_on=local_day(moment),
                          sender=None if plan.anonymous else "Nguyễn Văn An")
        plan.pk = letter.pk
        plan.kinds.append((moment, kind))
        actions = rng.choice(([], ["withdraw"])) if rng.random() < 0.1 else [
            "classify", *rng.choice(PATHS)]
        for action in actions:
            moment = self.next_moment(moment)
            if moment > at(LAST, 23):
                break
            self.step(plan, action, live, moment)
        self.plans.append(plan)
        if plan.closed is None and rng.random() < 0.35:
            self.pause(plan, moment, live)
        return plan

    def hand_off(self, plan, moment):
        """As the hand-off service leaves it (issue 14; h-handoff builds the service): the
        recipient registers a letter of its own, linked back to the sender's, and the
        sender's letter keeps the unit it went to. The recipient's letter goes on by
        itself and may be handed on again (a chain of up to CHAIN_LINKS letters)."""
        if plan.depth + 1 >= CHAIN_LINKS or self.rng.random() >= HANDOFF_SHARE:
            return
        received = self.next_moment(moment)
        if received > at(LAST, 23):
            return
        recipient = self.rng.choice([u for u in self.units if u.code != plan.unit])
        child = self.letter(recipient, received, plan.depth + 1)
        Petition.objects.filter(pk=plan.pk).update(handed_to=recipient)
        Petition.objects.filter(pk=child.pk).update(forwarded_from=plan.pk)
        plan.handed_to = recipient.code

    def step(self, plan, action, live, moment):
        day = local_day(moment)
        doc = {"doc_number": "01", "doc_date": day}
        kind = self.rng.choice(KINDS)
        args = {
            "classify": {"kind": kind, "competence": "here"},
            "accept": doc, "transfer": {"recipient": "UBND xã", **doc},
            "guide": {"reason": "Hướng dẫn gửi UBND xã."},
            "file": {"filed_reason": "duplicate"},
            "follow_up": {"reason": "Đôn đốc bằng điện thoại."},
            "resolve": {"result": "Đã trả lời.", **doc}, "report_back": doc,
            "withdraw": {"doc_date": day},
        }[action]
        self.run(services.SERVICES[action], live, moment, actor=self.actor,
                 petition_id=plan.pk, **args)
        plan.steps.append((action, moment))
        if action in ("transfer", "guide") and self.units:
            self.hand_off(plan, moment)
        if action == "classify":
            plan.kinds.append((moment, kind))
        if action in OUTCOME:
            plan.closed = (moment, OUTCOME[action])

    def pause(self, plan, after, live):
        """Pause a running clock of this open letter some days after its last step, and
        perhaps resume it later: a paused clock is not overdue."""
        clock = (DeadlineClock.objects.filter(petition_id=plan.pk, status="running",
                                              lapses=False).order_by("pk").first())
        if clock is None:
            return
        last = max([local_day(after), *ClockEntry.objects.filter(clock=clock)
                    .values_list("on", flat=True)])
        on = last + datetime.timedelta(days=self.rng.choice((1, 5, 30)))
        if on > LAST:
            return
        try:
            clock_services.clock_pause(actor=self.actor, clock_id=clock.pk, on=on,
                                       reason="Chờ người gửi bổ sung tài liệu.")
            self.pauses += 1
            resume = on + datetime.timedelta(days=self.rng.choice((3, 60)))
            if resume <= LAST and self.rng.random() < 0.5:
                clock_services.clock_resume(actor=self.actor, clock_id=clock.pk, on=resume,
                                            reason="Đã nhận đủ tài liệu.")
        except ActionRefused:
            pass  # a rule without pauses: the clock runs on


MOMENTS = ("received_at", "closed_at", "transferred_at", "guided_at", "accepted_at",
           "kind_recorded_at")


def planned_moments(plan):
    """The letter's logged moments (MOMENTS) as the plan meant them."""
    def first(action):
        return min((moment for a, moment in plan.steps if a == action), default=None)

    return [plan.received, plan.closed[0] if plan.closed else None, first("transfer"),
            first("guide"), first("accept"), max(moment for moment, _kind in plan.kinds)]


def logged_moments():
    return {pk: rest for pk, *rest in Petition.objects.values_list("pk", *MOMENTS)}


def fill_migration():
    """The migration filling the letters' step moments, found by its name (the number may
    change when migrations are merged)."""
    migrations = Path(casework.migrations.__file__).parent
    found, = migrations.glob("*_letter_step_moments.py")
    return importlib.import_module(f"casework.migrations.{found.stem}")


def empty():
    return {"carried_in": 0, "received": 0, "received_by_kind": dict.fromkeys(KINDS, 0),
            "anonymous": 0, "transferred": 0, "guided": 0, "accepted": 0,
            "closed": dict.fromkeys(OUTCOME.values(), 0), "open_at_end": 0,
            "overdue_at_end": 0, "handed_within": 0}


def clock_overdue(clock, entries, end):
    """A clock running at the end of `end` whose due date as of then had passed."""
    if clock.started_on > end or (clock.stopped_on is not None and clock.stopped_on <= end):
        return False
    known = [e for e in entries if e.on <= end]
    if not known:
        return False
    pauses = [e.kind for e in known if e.kind in ("pause", "suspend", "resume")]
    if pauses and pauses[-1] != "resume":
        return False
    due = known[-1].due_after
    return due is not None and due < end


def expected(plans, units, start, end, ledgers):
    """The figures of the roll-up over the subtree holding `units` (codes), from the plan.
    A letter handed on to one of `units` is its recipient's to count (issue 14): it counts
    in no figure, only in `handed_within` (the total's, and its unit's when that unit has
    a letter counted)."""
    total, by_unit, handed = empty(), {}, Counter()
    for plan in plans:
        if plan.unit not in units:
            continue
        received = local_day(plan.received)
        closed = local_day(plan.closed[0]) if plan.closed else None
        if received > end or (closed is not None and closed < start):
            continue  # neither side of the balance
        if plan.handed_to in units:
            handed[plan.unit] += 1
            continue
        figures = empty()
        if received < start:
            figures["carried_in"] = 1
        else:
            figures["received"] = 1
            kind = [k for moment, k in plan.kinds if local_day(moment) <= end][-1]
            figures["received_by_kind"][kind] = 1
            figures["anonymous"] = int(plan.anonymous)
        if closed is not None and closed <= end:
            figures["closed"][plan.closed[1]] = 1
        else:
            figures["open_at_end"] = 1
            figures["overdue_at_end"] = int(any(clock_overdue(clock, entries, end)
                                                for clock, entries in ledgers[plan.pk]))
        for action, moment in plan.steps:
            if action in STEP_FIGURE and start <= local_day(moment) <= end:
                figures[STEP_FIGURE[action]] = 1
        for target in (total, by_unit.setdefault(plan.unit, empty())):
            for key, value in figures.items():
                if isinstance(value, dict):
                    for sub, n in value.items():
                        target[key][sub] += n
                else:
                    target[key] += value
    # A letter taking a counted step in the period without being received or open in it
    # cannot exist (closed statuses are final), so every unit with a letter counted is here.
    total["handed_within"] = sum(handed.values())
    for code, figures in by_unit.items():
        figures["handed_within"] = handed[code]
    return {**total, "by_unit": by_unit}


def balanced(figures):
    return (figures["carried_in"] + figures["received"]
            == sum(figures["closed"].values()) + figures["open_at_end"])


PERIODS = {
    "term 2021-2025": (D(2021, 1, 1), D(2025, 12, 31)),
    "year 2023": (D(2023, 1, 1), D(2023, 12, 31)),
    "year 2025": (D(2025, 1, 1), D(2025, 12, 31)),
    "6 months 2024": (D(2024, 1, 1), D(2024, 6, 30)),
    "9 months 2025": (D(2025, 1, 1), D(2025, 9, 30)),
    "quarter II 2024": (D(2024, 4, 1), D(2024, 6, 30)),
    "month 12/2021": (D(2021, 12, 1), D(2021, 12, 31)),
    "from-to": (D(2022, 7, 15), D(2024, 2, 29)),
    "one day": (D(2024, 1, 1), D(2024, 1, 1)),
    "2026 so far": (D(2026, 1, 1), D(2026, 11, 30)),
}


@pytest.mark.parametrize("seed", [11, 12])
def test_figures_equal_the_generators_plan(tree, seed):
    rng = random.Random(seed)
    commune2 = OrganisationFactory(name="Đảng bộ xã Mẫu", code="xa-mau", kind=OrgKind.COMMUNE,
                                   parent=tree.city)
    office2 = OrganisationFactory(name="Văn phòng xã Mẫu", code="vp-mau", kind=OrgKind.AGENCY,
                                  parent=commune2)
    actor = user_with_role("ubkt", tree.city, username="uv.tinh")
    receiving = (tree.office, tree.office, tree.ubkt, tree.branch_a, office2, office2)
    # Some transfers and guides hand the letter on inside the system: within a commune
    # (office → branch) and across communes (→ xã Mẫu), some chains of three letters.
    generator = Generator(rng, actor, units=sorted(set(receiving), key=lambda u: u.code))
    for _ in range(60):
        generator.letter(rng.choice(receiving))
    assert generator.pauses  # some clocks were paused
    handed = [plan for plan in generator.plans if plan.handed_to]
    codes = {"vp": "ke-sat", "ubkt": "ke-sat", "hoa-che": "ke-sat", "vp-mau": "xa-mau"}
    assert any(codes[p.unit] == codes[p.handed_to] for p in handed)  # within a commune
    assert any(codes[p.unit] != codes[p.handed_to] for p in handed)  # across communes
    assert any(p.depth == CHAIN_LINKS - 1 for p in generator.plans)  # a chain of three
    # The moments the figures read from the letter are the ones its events were logged at,
    # back-dated or live (written by the transition engine beside each event).
    # So are the first moment of each counted step and the last recording of the kind.
    moments = logged_moments()
    assert {plan.pk: planned_moments(plan) for plan in generator.plans} == moments
    # The migration's fill, from the events alone, gives the engine's moments.
    Petition.objects.update(**dict.fromkeys(MOMENTS))
    assert set(map(tuple, logged_moments().values())) == {(None,) * len(MOMENTS)}
    fill_migration().fill_moments(connection)
    assert logged_moments() == moments
    ledgers = {plan.pk: [] for plan in generator.plans}
    entries = {}
    for entry in ClockEntry.objects.order_by("on", "id"):
        entries.setdefault(entry.clock_id, []).append(entry)
    for clock in DeadlineClock.objects.filter(petition__isnull=False, lapses=False):
        ledgers[clock.petition_id].append((clock, entries.get(clock.pk, [])))

    stopped = dict(DeadlineClock.objects.values_list("pk", "stopped_on"))

    def running_through(clock_id, day):
        return stopped.get(clock_id) is None or stopped[clock_id] > day

    subtrees = {tree.city: {"vp", "ubkt", "hoa-che", "vp-mau"},
                tree.commune: {"vp", "ubkt", "hoa-che"}, tree.office: {"vp"},
                tree.branch_a: {"hoa-che"}, tree.branch_b: set(), commune2: {"vp-mau"}}
    # Periods ending on a clock's due date, and the day after it: "past due at the end"
    # is decided on exactly that day.
    periods = dict(PERIODS)
    dues = sorted({e.due_after for clock_id, rows in entries.items() for e in rows
                   if e.due_after and e.on <= e.due_after <= LAST
                   and running_through(clock_id, e.due_after)})
    assert dues
    for due in rng.sample(dues, min(4, len(dues))):
        for end in (due, due + datetime.timedelta(days=1)):
            periods[f"ending {end}"] = (end - datetime.timedelta(days=100), end)
    seen = Counter()
    for organisation, units in subtrees.items():
        for name, (start, end) in periods.items():
            with CaptureQueriesContext(connection) as queries:
                figures = letter_figures(organisation=organisation, start=start, end=end)
            assert len(queries) == 1
            want = expected(generator.plans, units, start, end, ledgers)
            for key in want:
                assert figures[key] == want[key], (organisation.code, name, key)
            assert figures == want
            assert balanced(figures) and all(balanced(u) for u in figures["by_unit"].values())
            seen.update(key for key, value in figures.items()
                        if key != "by_unit" and (any(value.values()) if isinstance(value, dict)
                                                 else value))
            seen.update(f"closed_{k}" for k, n in figures["closed"].items() if n)
            seen.update(f"kind_{k}" for k, n in figures["received_by_kind"].items() if n)
    # The histories exercised every figure, every outcome and every kind.
    wanted = {"carried_in", "received", "anonymous", "transferred", "guided", "accepted",
              "open_at_end", "overdue_at_end", "handed_within",
              *(f"closed_{o}" for o in OUTCOME.values()),
              *(f"kind_{k}" for k in KINDS)}
    assert wanted <= set(seen), wanted - set(seen)

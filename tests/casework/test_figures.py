"""Letter figures for a period (casework.selectors.figures, manage.py report_figures):
on generated back-dated histories every figure equals a count made here, in plain Python,
by replaying each letter's events; the balance holds; the demo's 2025 office figures are
the 2025 report's."""
import datetime
import json
import random
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casework.models import CaseEvent, Petition, PetitionKind
from casework.selectors.figures import letter_figures
from casework.services import petitions as services
from tests.factories import receive_petition, user_with_role
from workflows.models import ClockEntry, DeadlineClock

pytestmark = pytest.mark.django_db
OPEN = {"received", "classified", "accepted", "transferred"}
OUTCOMES = ("resolved", "withdrawn", "filed", "guided")
KINDS = PetitionKind.values


def local_day(moment):
    return timezone.localtime(moment).date()


class History:
    """Random letters and steps, each taken through the services at a back-dated moment
    moving forwards: some at 00:30 or 23:30 local time, where the UTC date differs."""

    def __init__(self, actor, rng):
        self.actor, self.rng = actor, rng

    def moment(self, after):
        day = local_day(after) + datetime.timedelta(days=self.rng.choice((0, 1, 3, 20, 90, 200)))
        at = timezone.make_aware(datetime.datetime.combine(
            day, datetime.time(self.rng.choice((0, 8, 14, 23)), 30)))
        return max(at, after + datetime.timedelta(minutes=1))

    def letter(self, organisation):
        rng = self.rng
        day = datetime.date(2021, 1, 1) + datetime.timedelta(days=rng.randrange(5 * 365))
        at = timezone.make_aware(datetime.datetime.combine(
            day, datetime.time(rng.choice((0, 9, 23)), 30)))
        anonymous = rng.random() < 0.2
        letter = receive_petition(actor=self.actor, organisation=organisation,
                                  kind=rng.choice(KINDS), received_on=day, at=at,
                                  sender=None if anonymous else "Nguyễn Văn An")
        for action in self.path():
            at = self.moment(at)
            if at > timezone.now():  # a moment may not be in the future: the rest waits
                break
            self.take(action, letter.pk, at)
        return letter

    def path(self):
        rng = self.rng
        if rng.random() < 0.1:
            return rng.choice(([], ["withdraw"]))
        after = rng.choice((
            [], ["accept"], ["accept", "resolve"], ["accept", "withdraw"], ["guide"], ["file"],
            ["transfer"], ["transfer", "follow_up"], ["transfer", "resolve"],
            ["transfer", "file"], ["transfer", "follow_up", "resolve", "report_back"],
            ["transfer", "withdraw"]))
        return ["classify", *after]

    def take(self, action, pk, at):
        doc = {"doc_number": "01", "doc_date": local_day(at)}
        args = {
            "classify": {"kind": self.rng.choice(KINDS), "competence": "here"},
            "accept": doc, "transfer": {"recipient": "UBND xã", **doc},
            "guide": {"reason": "Hướng dẫn gửi UBND xã."},
            "file": {"filed_reason": "duplicate"},
            "follow_up": {"reason": "Đôn đốc bằng điện thoại."},
            "resolve": {"result": "Đã trả lời.", **doc}, "report_back": doc,
            "withdraw": {"doc_date": local_day(at)},
        }[action]
        services.SERVICES[action](actor=self.actor, petition_id=pk, at=at, **args)


def status_on(events, day):
    """The letter's status at the end of `day` (None before it was received)."""
    status = None
    for event in events:
        if local_day(event.occurred_at) <= day:
            status = event.to_status
    return status


def due_on(clock, day):
    entries = [e for e in ClockEntry.objects.filter(clock=clock).order_by("on", "id")
               if e.on <= day]
    pauses = [e.kind for e in entries if e.kind in ("pause", "suspend", "resume")]
    if not entries or (pauses and pauses[-1] != "resume"):
        return None
    return entries[-1].due_after


def overdue_on(letter, day):
    for clock in DeadlineClock.objects.filter(petition=letter, lapses=False):
        running = clock.started_on <= day and (clock.stopped_on is None or clock.stopped_on > day)
        due = due_on(clock, day)
        if running and due is not None and due < day:
            return True
    return False


def expected(organisation, start, end):
    """The figures by replaying every letter's events in Python."""
    def empty():
        return {"carried_in": 0, "received": 0, "received_by_kind": dict.fromkeys(KINDS, 0),
                "anonymous": 0, "transferred": 0, "guided": 0, "accepted": 0,
                "closed": dict.fromkeys(OUTCOMES, 0), "open_at_end": 0, "overdue_at_end": 0,
                "handed_within": 0}
    total, by_unit = empty(), {}
    before = start - datetime.timedelta(days=1)
    letters = Petition.objects.filter(organisation__path__startswith=organisation.path)
    for letter in letters.select_related("organisation"):
        events = list(CaseEvent.objects.filter(petition=letter).order_by("occurred_at", "id"))
        at_start, at_end = status_on(events, before), status_on(events, end)
        in_period = [e for e in events if start <= local_day(e.occurred_at) <= end]
        kinds = [e.details["kind"] for e in events
                 if "kind" in e.details and local_day(e.occurred_at) <= end]
        figures = empty()
        if at_start in OPEN:
            figures["carried_in"] = 1
        if at_start is None and at_end is not None:
            figures["received"] = 1
            figures["received_by_kind"][kinds[-1] if kinds else letter.kind] = 1
            figures["anonymous"] = int(letter.sender_type in ("anonymous", "pseudonymous"))
        for step in ("transferred", "guided", "accepted"):
            figures[step] = int(any(e.event_type == step for e in in_period))
        if at_end in OUTCOMES and at_start not in OUTCOMES:
            figures["closed"][at_end] = 1
        if at_end in OPEN:
            figures["open_at_end"] = 1
            figures["overdue_at_end"] = int(overdue_on(letter, end))
        if not any(v for v in figures.values() if not isinstance(v, dict)) and not any(
                any(v.values()) for v in figures.values() if isinstance(v, dict)):
            continue
        for target in (total, by_unit.setdefault(letter.organisation.code, empty())):
            for key, value in figures.items():
                if isinstance(value, dict):
                    for sub, n in value.items():
                        target[key][sub] += n
                else:
                    target[key] += value
    return {**total, "by_unit": by_unit}


def balanced(figures):
    return (figures["carried_in"] + figures["received"]
            == sum(figures["closed"].values()) + figures["open_at_end"])


PERIODS = [(datetime.date(2021, 1, 1), datetime.date(2025, 12, 31)),
           (datetime.date(2023, 1, 1), datetime.date(2023, 12, 31)),
           (datetime.date(2024, 4, 1), datetime.date(2024, 6, 30)),
           (datetime.date(2022, 7, 15), datetime.date(2024, 2, 29)),
           (datetime.date(2025, 3, 1), datetime.date(2025, 3, 31)),
           (datetime.date(2026, 1, 1), datetime.date(2026, 6, 30))]


@pytest.mark.parametrize("seed", [1, 2])
def test_generated_histories_are_counted_as_replayed(tree, seed):
    rng = random.Random(seed)
    actor = user_with_role("ubkt", tree.commune, username="uv")
    history = History(actor, rng)
    units = (tree.office, tree.ubkt, tree.branch_a, tree.branch_b)
    for _ in range(40):
        history.letter(rng.choice(units))
    seen = Counter()
    for organisation in (tree.commune, tree.office, tree.branch_a, tree.city):
        for start, end in PERIODS:
            with CaptureQueriesContext(connection) as queries:
                figures = letter_figures(organisation=organisation, start=start, end=end)
            assert len(queries) == 1
            assert figures == expected(organisation, start, end), (organisation.code, start)
            assert balanced(figures)
            for unit in figures["by_unit"].values():
                assert balanced(unit)
            seen.update({key: 1 for key in ("carried_in", "received", "open_at_end",
                                            "transferred", "anonymous", "overdue_at_end")
                         if figures[key]})
            seen.update({f"closed_{k}": 1 for k, n in figures["closed"].items() if n})
    # The histories exercised every figure.
    assert all(seen[key] for key in ("carried_in", "received", "open_at_end", "transferred",
                                     "anonymous", "overdue_at_end", "closed_resolved",
                                     "closed_withdrawn", "closed_filed", "closed_guided")), seen


def test_the_kind_at_the_period_end_counts_and_an_event_just_after_midnight_is_that_day(tree):
    actor = user_with_role("ubkt", tree.commune, username="uv")
    # 00:30 on 1 January 2025 in Hà Nội is still 31 December 2024 in UTC.
    at = timezone.make_aware(datetime.datetime(2025, 1, 1, 0, 30))
    letter = receive_petition(actor=actor, organisation=tree.office, kind="recommendation",
                              received_on=datetime.date(2025, 1, 1), at=at)
    services.petition_classify(actor=actor, petition_id=letter.pk, kind="complaint",
                               competence="here",
                               at=timezone.make_aware(datetime.datetime(2025, 2, 1, 9)))
    december = letter_figures(organisation=tree.commune, start=datetime.date(2024, 12, 1),
                              end=datetime.date(2024, 12, 31))
    assert december["received"] == 0 and december["open_at_end"] == 0
    january = letter_figures(organisation=tree.commune, start=datetime.date(2025, 1, 1),
                             end=datetime.date(2025, 1, 31))
    assert january["received"] == 1 and january["received_by_kind"]["recommendation"] == 1
    year = letter_figures(organisation=tree.commune, start=datetime.date(2025, 1, 1),
                          end=datetime.date(2025, 12, 31))
    assert year["received_by_kind"]["complaint"] == 1
    assert year["received_by_kind"]["recommendation"] == 0
    assert year["by_unit"]["vp"]["open_at_end"] == 1


def report(*args):
    out = StringIO()
    call_command("report_figures", *args, stdout=out)
    return json.loads(out.getvalue())


def test_demo_2025_office_figures_are_the_reports():
    call_command("load_demo", stdout=StringIO(), stderr=StringIO())
    figures = report("--org", "van-phong", "--from", "2025-01-01", "--to", "2025-12-31")
    assert (figures["org"], figures["from"], figures["to"]) == (
        "van-phong", "2025-01-01", "2025-12-31")
    letters = figures["letters"]
    assert letters["received"] == 17 and letters["carried_in"] == 0
    assert letters["received_by_kind"] == {"denunciation": 1, "complaint": 5,
                                           "recommendation": 11, "feedback": 0}
    assert letters["transferred"] == 17
    assert letters["closed"] == {"withdrawn": 3, "filed": 2, "resolved": 8, "guided": 0}
    assert letters["open_at_end"] == 4
    assert set(letters["by_unit"]) == {"van-phong"}
    open_kinds = Counter(Petition.objects.filter(
        organisation__code="van-phong", status="transferred").values_list("kind", flat=True))
    assert open_kinds == {"recommendation": 4}
    # The whole commune adds the UBKT's anonymous kiến nghị, filed.
    commune = report("--org", "ke-sat", "--from", "2025-01-01", "--to", "2025-12-31")["letters"]
    assert commune["received"] == 18 and commune["anonymous"] == 1
    assert commune["by_unit"]["ubkt"]["closed"]["filed"] == 1


@pytest.mark.parametrize("args, message", [
    (("--org", "khong-co", "--from", "2025-01-01", "--to", "2025-12-31"),
     "Không có tổ chức nào mang mã “khong-co”."),
    (("--org", "ke-sat", "--from", "2025-13-01", "--to", "2025-12-31"),
     "Từ ngày: “2025-13-01” không phải một ngày dạng YYYY-MM-DD."),
    (("--org", "ke-sat", "--from", "2025-01-01", "--to", "9999-12-31"),
     "Đến ngày: ngày 31/12/9999 nằm ngoài khoảng cho phép"),
    (("--org", "ke-sat", "--from", "2025-12-31", "--to", "2025-01-01"),
     "Từ ngày phải trước hoặc bằng đến ngày."),
])
def test_bad_arguments_are_refused_in_vietnamese(tree, args, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(")):
        report(*args)

"""The deadlines page (/thoi-han/) and the leaders' overview (/tong-quan/) read their figures
with queries shaped for PostgreSQL at a province's scale: a case's clock scoped by the
clock's own organisation plus subqueries for the cases seen by subject or team, the letter's
kind as the clock keeps it (some letters classified as another kind), letters counted per
unit and month in one grouped query per date (issue 18). On generated data (letters and
cases at every level of two communes and the province, clocks running, paused, ended,
lapsing at random dates, cases seen by subject from outside the scope, a team member
without a role), for every kind of user, they give what the plain forms give: the clocks
`IN` the letters and cases the user sees, filtered, ordered and counted in Python."""
import datetime
import random
from collections import Counter, defaultdict

import pytest
import time_machine
from django.db.models import Q
from django.test import Client
from django.utils import timezone

from casework.models import InspectionCase, OrgKind, Petition, PetitionKind, RoleAssignment
from casework.services.inspections import case_open
from casework.services.petitions import petition_classify
from tests.factories import MemberFactory, OrganisationFactory, UserFactory, receive_petition
from tests.test_access_matrix import SCOPE_USERS
from workflows import leader_overview as figures
from workflows.default_rules import install_default_rules
from workflows.models import ClockStatus, DeadlineClock, DeadlineRule
from workflows.overview_views import HORIZON_DAYS, ROWS_PER_TABLE
from workflows.selectors import clocks_visible

pytestmark = pytest.mark.django_db
D = datetime.date
TODAY = D(2026, 11, 18)
HORIZON = TODAY + datetime.timedelta(days=HORIZON_DAYS)


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(timezone.make_aware(datetime.datetime(2026, 11, 18, 10)),
                             tick=False):
        yield TODAY


def _day(rng, first, last):
    return first + datetime.timedelta(days=rng.randint(0, (last - first).days))


def generate(tree, seed):
    """Letters, cases and clocks in random states; returns the users to read as."""
    install_default_rules(DeadlineRule)
    rng = random.Random(seed)
    boss = UserFactory(username=f"quantri-{seed}", is_superuser=True, is_staff=True)
    team_member = UserFactory(username=f"doan-vien-{seed}")
    commune2 = OrganisationFactory(name="Đảng bộ xã Hai", code="xa-hai", kind=OrgKind.COMMUNE,
                                   parent=tree.city)
    office2 = OrganisationFactory(name="Văn phòng xã Hai", code="vp-hai", kind=OrgKind.AGENCY,
                                  parent=commune2)
    branch2 = OrganisationFactory(name="Chi bộ xã Hai", code="cb-hai", parent=commune2)
    letter_places = [tree.city, tree.office, tree.ubkt, tree.branch_a, tree.branch_b,
                     office2, branch2]
    if seed % 2 == 0:
        # Another province: the city's counts then filter by its subtree's organisations;
        # with the city the only tree (odd seeds), they read every letter unfiltered.
        other = OrganisationFactory(name="Tỉnh khác", code="tinh-khac", kind=OrgKind.PROVINCE)
        letter_places.append(OrganisationFactory(name="Văn phòng tỉnh khác", code="vp-khac",
                                                 kind=OrgKind.AGENCY, parent=other))
    for place in letter_places:
        for i in range(rng.randint(2, 4)):
            letter = receive_petition(actor=boss, organisation=place, sender=f"Người gửi {i}",
                                      kind=rng.choice(PetitionKind.values),
                                      received_on=_day(rng, D(2025, 10, 1), TODAY))
            if rng.random() < 0.4:  # classified as another kind: its clocks follow
                petition_classify(actor=boss, petition_id=letter.pk, competence="here",
                                  kind=rng.choice([k for k in PetitionKind.values
                                                   if k != letter.kind]))
    member_a = MemberFactory(organisation=tree.branch_a)
    member_b = MemberFactory(organisation=tree.branch_b)
    shapes = [  # (run by, body, kind, subject): some seen from outside by their subject
        (tree.commune, "executive", "party_finance", {"subject_organisation": tree.branch_a}),
        (tree.ubkt, "ubkt", "violation_signs", {"subject_member": member_a}),
        (tree.branch_b, "branch", "member_compliance", {"subject_member": member_b}),
        (tree.city, "ubkt", "lower_org_duty", {"subject_organisation": tree.commune}),
        (tree.city, "ubkt", "lower_org_duty", {"subject_organisation": commune2}),
        (tree.city, "ubkt", "violation_signs", {"subject_member": member_b}),
    ]
    for n, (org, body, kind, subject) in enumerate(shapes * 2):
        team = [team_member] if rng.random() < 0.3 else []
        case_open(actor=boss, organisation=org, body=body, kind=kind, title="Cuộc mẫu",
                  decision_number=f"{n + 1:02d}-QĐ", decision_date=D(2026, 3, 2),
                  starts_on=D(2026, 3, 5), ends_on=D(2026, 5, 5), team_leader=boss,
                  team=team, **subject)
    handlers = [None, boss, team_member]
    for clock in DeadlineClock.objects.all():
        state = rng.choice(["running", "running", "running", "paused", "stopped"])
        changes = {"due_on": _day(rng, TODAY - datetime.timedelta(days=40),
                                  TODAY + datetime.timedelta(days=20)),
                   "assignee": rng.choice(handlers), "lapses": rng.random() < 0.1}
        if state == "running":  # a classification's stopped clock too
            changes.update(status=ClockStatus.RUNNING)
        elif state == "paused":
            changes.update(status=ClockStatus.PAUSED, paused_on=TODAY)
        elif state == "stopped":
            changes.update(status=ClockStatus.STOPPED,
                           stopped_on=_day(rng, D(2025, 12, 1), TODAY))
        DeadlineClock.objects.filter(pk=clock.pk).update(**changes)
    for letter in Petition.objects.all():
        if rng.random() < 0.5:
            Petition.objects.filter(pk=letter.pk).update(
                closed_on=_day(rng, max(letter.received_on, D(2025, 12, 1)), TODAY))
    users = [boss, team_member]
    places = {**{key: getattr(tree, org) for key, (_role, org) in SCOPE_USERS.items()
                 if org is not None},
              "leader ở xã Hai": commune2, "leader ở tỉnh": tree.city}
    roles = {**{key: role for key, (role, _org) in SCOPE_USERS.items()},
             "leader ở xã Hai": "leader", "leader ở tỉnh": "leader"}
    for key, place in places.items():
        user = UserFactory(username=f"{key}-{seed}".replace(" ", "-"))
        RoleAssignment.objects.create(user=user, organisation=place, role=roles[key])
        users.append(user)
    return users, [tree.city, tree.commune, commune2]


def plain_clocks(user):
    """The simple form: clocks of the letters and cases the user sees, by id."""
    return DeadlineClock.objects.filter(
        Q(petition__in=Petition.objects.visible_to(user))
        | Q(inspection__in=InspectionCase.objects.visible_to(user))).select_related(
        "petition", "organisation", "assignee")


def expected_deadlines_page(user):
    clocks = [c for c in plain_clocks(user) if not c.lapses]
    running = sorted((c for c in clocks if c.status == ClockStatus.RUNNING),
                     key=lambda c: (c.due_on, c.pk))
    overdue = [c.pk for c in running if c.due_on < TODAY]
    soon = [c.pk for c in running if TODAY <= c.due_on <= HORIZON]
    return {"overdue": (overdue[:ROWS_PER_TABLE], len(overdue)),
            "soon": (soon[:ROWS_PER_TABLE], len(soon)),
            "later": sum(c.due_on > HORIZON for c in running),
            "paused": sum(c.status == ClockStatus.PAUSED for c in clocks)}


def deadlines_page(user):
    client = Client()
    client.force_login(user)
    context = client.get("/thoi-han/").context
    overdue, soon = context["tables"]
    return {"overdue": ([c.pk for c in overdue["rows"]], overdue["total"]),
            "soon": ([c.pk for c in soon["rows"]], soon["total"]),
            "later": context["later"], "paused": context["paused"]}


def _unit(focus, org):
    """The key of the unit under `focus` that a record of `org` counts for."""
    return "" if org.pk == focus.pk else org.path[len(focus.path):].split("/", 1)[0]


def expected_overview(user, focus):
    """Per unit key: the overview's figures counted in Python from the plain forms."""
    units = defaultdict(Counter)
    handlers = defaultdict(Counter)
    clocks = [c for c in plain_clocks(user)
              if not c.lapses and c.organisation.path.startswith(focus.path)]
    kinds = Counter()
    for clock in clocks:
        unit = units[_unit(focus, clock.organisation)]
        kind = clock.petition.kind if clock.petition_id else figures.CASES
        if clock.status == ClockStatus.RUNNING and clock.due_on <= HORIZON:
            bucket = "overdue" if clock.due_on < TODAY else "soon"
            # Units and handlers show letters and cases; the kinds' table each kind.
            shown = figures.LETTERS if clock.petition_id else figures.CASES
            unit[(bucket, shown)] += 1
            handlers[clock.assignee_id][(bucket, shown)] += 1
            kinds[(bucket, kind)] += 1
        if (clock.status == ClockStatus.STOPPED and clock.due_on is not None
                and D(2026, 1, 1) <= clock.stopped_on <= TODAY):
            unit["finished"] += 1
            unit["on_time"] += clock.stopped_on <= clock.due_on
    months = Counter()
    starts = figures.month_starts(TODAY)
    letters = Petition.objects.visible_to(user).filter(
        organisation__path__startswith=focus.path).select_related("organisation")
    for letter in letters:
        for column in ("received", "closed"):
            on = getattr(letter, f"{column}_on")
            if on is None or on > TODAY:
                continue
            if on >= D(2026, 1, 1):
                units[_unit(focus, letter.organisation)][column] += 1
            if on >= starts[0]:
                months[(column, on.year, on.month)] += 1
    overdue = sorted((c for c in clocks if c.status == ClockStatus.RUNNING
                      and c.due_on < TODAY), key=lambda c: (c.due_on, c.pk))
    return {"units": {key: +counts for key, counts in units.items() if +counts},
            "handlers": {key: +counts for key, counts in handlers.items()},
            "kinds": kinds,
            "most_overdue": [c.pk for c in overdue[:figures.MOST_OVERDUE]],
            "months": [(months[("received", s.year, s.month)],
                        months[("closed", s.year, s.month)]) for s in starts]}


def _counted(row):
    counts = Counter()
    for bucket in ("overdue", "soon"):
        for kind, n in getattr(row, bucket).items():
            counts[(bucket, kind)] += n
    for name in ("finished", "on_time", "received", "closed"):
        counts[name] += getattr(row, name, 0)
    return +counts


def overview(user, focus):
    data = figures.overview(user=user, focus=focus, today=TODAY)
    units = {("" if row.own else str(row.organisation.pk)): _counted(row)
             for row in data["units"]}
    handlers = {h.user_id: _counted(h) for h in data["handlers"]}
    kinds = Counter()
    for _code, _label, counts in data["kinds"]:
        kinds.update(_counted(counts))
    return {"units": {key: counts for key, counts in units.items() if counts},
            "handlers": handlers, "kinds": kinds,
            "most_overdue": [c.pk for c in data["most_overdue"]],
            "months": [(received, closed) for _s, _e, received, closed in data["months"]]}


@pytest.mark.parametrize("seed", [1, 2])
def test_deadlines_and_overview_equal_the_plain_forms(tree, seed):
    users, foci = generate(tree, seed)
    assert figures.organisation_paths(tree.city).whole == (seed % 2 == 1)
    assert DeadlineClock.objects.filter(inspection__isnull=False).exists()
    assert DeadlineClock.objects.filter(status=ClockStatus.STOPPED).exists()
    seen_cases_from_outside = 0
    for user in users:
        visible = set(clocks_visible(user=user))
        assert visible == set(plain_clocks(user)), user.username
        assert deadlines_page(user) == expected_deadlines_page(user), user.username
        seen_cases_from_outside += any(
            c.inspection_id and not any(c.organisation.path.startswith(p) for p in
                                        [ra.organisation.path for ra in
                                         RoleAssignment.objects.filter(user=user)])
            for c in visible) and not user.is_superuser
        for focus in foci:
            if not figures.focus_choices(user).filter(pk=focus.pk).exists():
                continue
            assert overview(user, focus) == expected_overview(user, focus), (
                user.username, focus.code)
    # The subject's and the team's subqueries were exercised, not only the clock's own unit.
    assert seen_cases_from_outside >= 2

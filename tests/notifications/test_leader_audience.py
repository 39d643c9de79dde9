""""The committee's leaders" (up to, not including, the province) is one rule
(`notifications.audiences`): the event notice of a new complaint and the overdue notice of
the sweep reach the same leaders, for an organisation at every level of the tree."""
import datetime

import pytest
from django.utils import timezone

from notifications.escalations import write_escalation_notices
from notifications.models import Channel, Notice
from tests.factories import UserFactory, receive_petition, user_with_role
from tests.notifications.conftest import make_clock, make_escalation, make_rule

pytestmark = pytest.mark.django_db


def test_event_and_escalation_notices_reach_the_same_leaders(tree):
    boss = UserFactory(username="quantri", is_superuser=True)  # holds no role: told nothing
    leaders = {name: user_with_role("leader", getattr(tree, name), username=f"ld-{name}")
               for name in ("city", "commune", "office", "branch_a", "branch_b")}
    # Never the province's leader (the sweep tells the head of the province's own
    # letters, as it tells the head of any unit, by another rung).
    expected = {"office": {"commune", "office"}, "branch_a": {"commune", "branch_a"},
                "commune": {"commune"}}
    rule = make_rule(overdue_audience=3)
    for where, names in expected.items():
        letter = receive_petition(actor=boss, organisation=getattr(tree, where),
                                  kind="complaint")
        told = set(Notice.objects.filter(event__petition=letter, channel=Channel.IN_APP)
                   .values_list("recipient__username", flat=True))
        clock = make_clock(letter, due_on=datetime.date(2026, 9, 1), rule=rule)
        escalation = make_escalation(clock, rung=2, fired_on=datetime.date(2026, 9, 4))
        write_escalation_notices(None, run=escalation.run, today=timezone.localdate())
        warned = set(Notice.objects.filter(escalation=escalation, channel=Channel.IN_APP)
                     .values_list("recipient__username", flat=True))
        assert told == warned == {leaders[n].username for n in names}, where

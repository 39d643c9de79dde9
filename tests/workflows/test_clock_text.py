"""Deadline clocks take typed text (a reason, a decision number) through the same cleaning
rule as the letters (casework.text), from their pages and their services alike."""
import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from tests.factories import receive_petition
from tests.workflows.test_clocks import at, open_clocks
from workflows.models import ClockEntry
from workflows.services.clocks import clock_pause

D = dt.date
pytestmark = pytest.mark.django_db


def test_the_pause_service_stores_a_clean_reason(tree, clerk):
    with time_machine.travel(at(D(2026, 3, 2)), tick=False):
        letter = receive_petition(actor=clerk, organisation=tree.office,
                                  received_on=D(2026, 3, 2))
        clock = open_clocks(letter)["classify"]
        clock_pause(actor=clerk, clock_id=clock.pk, on=D(2026, 3, 2),
                    reason="Chờ\x0btài liệu\x1b\u202e bổ sung\r\n")
    assert ClockEntry.objects.get(clock=clock, kind="pause").reason == "Chờ\ntài liệu bổ sung"


def test_the_pause_page_stores_a_clean_reason(client, tree, clerk):
    with time_machine.travel(at(D(2026, 3, 2)), tick=False):
        letter = receive_petition(actor=clerk, organisation=tree.office,
                                  received_on=D(2026, 3, 2))
        clock = open_clocks(letter)["classify"]
        client.force_login(clerk)
        response = client.post(reverse("workflows:clock-pause", args=[clock.pk]),
                               {"on": "02/03/2026", "reason": "Chờ\x0ctài liệu\x00\u200b"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert ClockEntry.objects.get(clock=clock, kind="pause").reason == "Chờ\ntài liệu"

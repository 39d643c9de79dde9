"""One clock: the sweep takes "now" from the PostgreSQL server, whatever this machine's
clock says, and warns when the two differ by more than a minute (issue 20, item 7).

Before the change a server clock running ahead fired rungs early: the sweep read the local
clock."""
import datetime as dt
import logging

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from workflows.db_clock import sweep_now
from workflows.models import Heartbeat
from workflows.sweep import sweep

pytestmark = pytest.mark.postgres


def database_now():
    with connection.cursor() as cursor:
        cursor.execute("SELECT clock_timestamp()")
        return cursor.fetchone()[0]


def test_a_machine_clock_running_ahead_does_not_move_the_sweep_s_today(
        db, settings, caplog):
    settings.SWEEP_DATABASE_CLOCK = True
    real = database_now()
    ahead = real + dt.timedelta(days=3)
    with time_machine.travel(ahead, tick=False), caplog.at_level(logging.WARNING,
                                                                  "casework.clock"):
        sweep()
    at = Heartbeat.objects.get(name="sweep").at
    assert abs(at - real) < dt.timedelta(minutes=1)
    assert "lệch +259200 giây" in caplog.text or "lệch +25920" in caplog.text


def test_no_warning_when_the_clocks_agree(db, settings, caplog):
    settings.SWEEP_DATABASE_CLOCK = True
    with caplog.at_level(logging.WARNING, "casework.clock"):
        now = sweep_now()
    assert abs(now - timezone.now()) < dt.timedelta(seconds=60)
    assert caplog.text == ""

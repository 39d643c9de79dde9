"""One clock for the sweep: the database server's, where there is one.

Web servers, workers and beat may run on machines whose clocks drift apart; a clock
running ahead would fire escalation rungs early, for good. The sweep therefore asks the
database server for "now" (PostgreSQL), so that every process that sweeps agrees with
every other and with the timestamps the database itself writes. SQLite is a file on the
machine that runs the sweep: its clock is that machine's, so there is nothing to ask.

A difference of more than CLOCK_DRIFT_WARN_SECONDS (default 60) between this machine and
the database server is logged as a warning: something (NTP) is broken and other parts
that read the local clock (page times, form dates) disagree with the deadlines.

SWEEP_DATABASE_CLOCK=False uses the local clock (the test settings do, so that tests can
move time with time-machine, which cannot move the database server's clock).
"""
import logging
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

log = logging.getLogger("casework.clock")


def clock_drift():
    """(database server's now, its difference from this machine's clock), or (None, None)
    where the database has no clock of its own."""
    if connection.vendor != "postgresql":
        return None, None
    before = timezone.now()
    with connection.cursor() as cursor:
        # clock_timestamp(): the time of this statement, not the transaction's start.
        cursor.execute("SELECT clock_timestamp()")
        server_now = cursor.fetchone()[0]
    after = timezone.now()
    # Compared with the middle of the round trip, so latency is not counted as drift.
    return server_now, server_now - (before + (after - before) / 2)


def sweep_now():
    """The moment the sweep takes as "now" (see the module docstring)."""
    if not getattr(settings, "SWEEP_DATABASE_CLOCK", True):
        return timezone.now()
    server_now, drift = clock_drift()
    if server_now is None:
        return timezone.now()
    limit = timedelta(seconds=getattr(settings, "CLOCK_DRIFT_WARN_SECONDS", 60))
    if abs(drift) > limit:
        log.warning(
            "Đồng hồ máy này lệch %+.0f giây so với máy chủ cơ sở dữ liệu (quá %d giây): "
            "quét hạn dùng giờ của máy chủ cơ sở dữ liệu; hãy đồng bộ giờ (NTP).",
            -drift.total_seconds(), int(limit.total_seconds()))
    return server_now

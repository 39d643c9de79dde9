"""The sweep's heartbeat and how a stale one is reported: `check_health`'s exit status,
the banner on the deadline overview (everyone who opens it) and on an administrator's
pages (not on other users' pages, which do not pay for the lookup)."""
import datetime as dt

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse

from workflows.health import CACHE_KEY, REPORT_CACHE_KEY, sweep_health
from workflows.models import Heartbeat
from workflows.sweep import sweep

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
BANNER = "Quét hạn chưa chạy"


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.delete_many([CACHE_KEY, REPORT_CACHE_KEY])
    yield
    cache.delete_many([CACHE_KEY, REPORT_CACHE_KEY])


def health_command():
    """(exit status, output) of `manage.py check_health`."""
    from io import StringIO

    out, err = StringIO(), StringIO()
    try:
        call_command("check_health", stdout=out, stderr=err)
        return 0, out.getvalue()
    except SystemExit as stop:
        return stop.code, err.getvalue()


def test_every_finished_sweep_moves_the_heartbeat(db):
    with time_machine.travel(T0, tick=False):
        sweep()
    with time_machine.travel(T0 + dt.timedelta(minutes=1), tick=False):
        sweep()
    assert list(Heartbeat.objects.values_list("name", "at")) == [
        ("sweep", T0 + dt.timedelta(minutes=1))]


def test_check_health_exit_status_follows_the_last_sweep(db, settings):
    settings.SWEEP_STALE_AFTER = 180
    assert health_command() == (1, "LỖI: quét hạn chưa chạy lần nào trên cơ sở dữ liệu này.\n")
    with time_machine.travel(T0, tick=False):
        sweep()
    with time_machine.travel(T0 + dt.timedelta(minutes=3), tick=False):
        code, text = health_command()
        assert code == 0 and text.startswith("OK: quét hạn chạy xong lúc 09:00:00 02/03/2026")
    with time_machine.travel(T0 + dt.timedelta(minutes=3, seconds=1), tick=False):
        assert health_command() == (
            1, "LỖI: quét hạn chưa chạy từ 09:00:00 02/03/2026 (181 giây trước, quá 180 giây).\n")


def test_overview_warns_everyone_who_opens_it_when_the_sweep_stopped(client, leader):
    client.force_login(leader)
    with time_machine.travel(T0, tick=False):
        sweep()
        assert BANNER not in client.get(reverse("workflows:clock-overview")).content.decode()
    cache.delete(CACHE_KEY)
    with time_machine.travel(T0 + dt.timedelta(minutes=10), tick=False):
        page = client.get(reverse("workflows:clock-overview")).content.decode()
    assert "Quét hạn chưa chạy từ 09:00 02/03/2026" in page


def test_an_administrator_sees_the_warning_on_every_page_others_only_on_the_overview(
        client, admin_user, clerk):
    Heartbeat.objects.create(name="sweep", at=T0)
    with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):
        client.force_login(admin_user)
        page = client.get(reverse("workflows:my-work")).content.decode()
        assert "Quét hạn chưa chạy từ 09:00 02/03/2026" in page
        client.force_login(clerk)
        assert BANNER not in client.get(reverse("workflows:my-work")).content.decode()


def test_the_pages_read_the_heartbeat_once_per_half_minute(db, django_assert_num_queries):
    with time_machine.travel(T0, tick=False):
        with django_assert_num_queries(1):
            assert sweep_health().stale  # never ran
        with django_assert_num_queries(0):
            assert sweep_health().last_at is None
        sweep()  # in this process the cached reading is dropped at once
        with django_assert_num_queries(1):
            assert not sweep_health().stale

"""Somebody is told (issue 20, item 3): `manage.py health` exits non-zero when anything is
down or stale, `/healthz` answers without a login in status words only, and leaders and
administrators see a banner when the sweep is late or a notice has waited too long."""
import datetime as dt
import json
from io import StringIO

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from config.health import CACHE_KEY, task_ran
from notifications.models import Channel, Notice, NoticeKind
from workflows.health import record_heartbeat
from workflows.models import Heartbeat

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
DEAD_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.delete(CACHE_KEY)
    yield
    cache.delete(CACHE_KEY)


def health_command():
    out, err = StringIO(), StringIO()
    try:
        call_command("health", stdout=out, stderr=err)
        code = 0
    except SystemExit as stop:
        code = stop.code
    return code, out.getvalue() + err.getvalue()


def pending_notice(user, created_at):
    with time_machine.travel(created_at, tick=False):
        return Notice.objects.create(cause_key="test:1", kind=NoticeKind.EVENT, recipient=user,
                                     channel=Channel.EMAIL)


def test_health_is_zero_when_everything_runs_and_one_when_a_notice_waited(db, leader):
    with time_machine.travel(T0, tick=False):
        record_heartbeat()
    pending_notice(leader, T0)
    with time_machine.travel(T0 + dt.timedelta(minutes=2), tick=False):
        code, text = health_command()
    assert code == 0, text
    assert "OK: Thông báo chờ gửi: lâu nhất đã chờ 120 giây" in text
    with time_machine.travel(T0 + dt.timedelta(minutes=2, seconds=59), tick=False):
        record_heartbeat()
    with time_machine.travel(T0 + dt.timedelta(minutes=15, seconds=1), tick=False):
        code, text = health_command()
    assert code == 1
    assert "LỖI: Thông báo chờ gửi: lâu nhất đã chờ 901 giây (QUÁ LÂU)" in text


def test_health_fails_on_a_stale_sweep_and_on_an_unreachable_broker(db, settings):
    with time_machine.travel(T0, tick=False):
        record_heartbeat()
    with time_machine.travel(T0 + dt.timedelta(minutes=4), tick=False):
        code, text = health_command()
    assert code == 1
    assert "LỖI: Quét hạn: chạy xong lần cuối lúc 09:00:00 02/03/2026 (QUÁ CHẬM)" in text
    settings.CELERY_TASK_ALWAYS_EAGER, settings.CELERY_BROKER_URL = False, DEAD_BROKER
    with time_machine.travel(T0, tick=False):
        code, text = health_command()
    assert code == 1
    assert "LỖI: Hàng đợi (Redis): KHÔNG kết nối được" in text
    assert "LỖI: Tiến trình nền (worker): việc cuối chạy xong lúc chưa lần nào" in text


def test_a_worker_s_finished_task_is_its_heartbeat_but_an_eager_run_is_not(db, settings):
    settings.WORKER_HEARTBEAT_EVERY = 0
    eager = type("Task", (), {"request": type("R", (), {"is_eager": True})()})()
    queued = type("Task", (), {"request": type("R", (), {"is_eager": False})()})()
    task_ran(task=eager)
    assert not Heartbeat.objects.filter(name="worker").exists()
    with time_machine.travel(T0, tick=False):
        task_ran(task=queued)
    assert Heartbeat.objects.get(name="worker").at == T0


def test_healthz_answers_without_login_in_status_words(client, leader):
    with time_machine.travel(T0, tick=False):
        record_heartbeat()
        response = client.get("/healthz")
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body == {
        "status": "ok", "database": "ok", "broker": "none", "sweep": "ok",
        "sweep_finished_at": "2026-03-02T02:00:00+00:00", "notices": "ok",
        "oldest_pending_notice_age_seconds": 0, "worker": "none",
        "worker_last_task_at": None, "checked_at": "2026-03-02T02:00:00+00:00"}
    pending_notice(leader, T0)
    with time_machine.travel(T0 + dt.timedelta(minutes=20), tick=False):
        response = client.get("/healthz")
    body = json.loads(response.content)
    assert response.status_code == 503
    assert (body["status"], body["sweep"], body["notices"]) == ("stale", "stale", "stale")
    assert body["oldest_pending_notice_age_seconds"] == 1200
    assert "lanhdao" not in response.content.decode()


def test_leaders_and_administrators_see_the_banner_clerks_do_not(
        client, leader, clerk, admin_user):
    with time_machine.travel(T0, tick=False):
        record_heartbeat()
    pending_notice(leader, T0)
    page = reverse("workflows:my-work")
    with time_machine.travel(T0 + dt.timedelta(minutes=1), tick=False):
        client.force_login(leader)
        assert "Có thông báo chờ gửi" not in client.get(page).content.decode()
        record_heartbeat()
    cache.delete(CACHE_KEY)
    with time_machine.travel(T0 + dt.timedelta(minutes=16), tick=False):
        record_heartbeat()
        for user, sees in [(leader, True), (admin_user, True), (clerk, False)]:
            client.force_login(user)
            text = client.get(page).content.decode()
            assert ("Có thông báo chờ gửi từ 09:00 02/03/2026" in text) == sees, user
            assert "Quét hạn chưa chạy" not in text


@pytest.mark.django_db(transaction=True)
def test_a_backup_older_than_the_setting_is_reported(tree, settings, tmp_path):
    """Only when BACKUP_STALE_AFTER_HOURS is set: a complete backup moves its heartbeat."""
    settings.BACKUP_STALE_AFTER_HOURS = 26
    record_heartbeat()
    code, text = health_command()
    assert code == 1 and "LỖI: Sao lưu: bản đầy đủ cuối cùng lúc chưa lần nào (QUÁ CŨ)" in text
    with time_machine.travel(T0, tick=False):
        call_command("backup", str(tmp_path / "saoluu.tar"), stdout=StringIO())
    assert Heartbeat.objects.get(name="backup").at == T0
    with time_machine.travel(T0 + dt.timedelta(hours=25), tick=False):
        record_heartbeat()
        cache.delete(CACHE_KEY)
        code, text = health_command()
        assert code == 0 and "OK: Sao lưu: bản đầy đủ cuối cùng lúc 09:00:00 02/03/2026" in text
        body = json.loads(Client().get("/healthz").content)
        assert (body["backup"], body["backup_finished_at"]) == ("ok", "2026-03-02T02:00:00+00:00")
    with time_machine.travel(T0 + dt.timedelta(hours=27), tick=False):
        record_heartbeat()
        cache.delete(CACHE_KEY)
        code, text = health_command()
        assert code == 1 and "(QUÁ CŨ)" in text
        assert json.loads(Client().get("/healthz").content)["backup"] == "stale"

"""Login and deployment hardening: lockout after repeated failures (site and admin login),
password rules, idle sessions, security headers and CSP, and `check --deploy` with the
production environment."""
import base64
import datetime
import hashlib
import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth.password_validation import (
    password_validators_help_texts,
    validate_password,
)
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from config.security import client_ip, embedded_secret_key
from tests.factories import UserFactory, receive_petition

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Mat-khau-thu-2025"
T0 = datetime.datetime(2025, 9, 3, 9, 0, tzinfo=datetime.UTC)
LOCKED = "Đã đăng nhập sai quá nhiều lần: tài khoản tạm khóa trên máy này."
WRONG = "Tên đăng nhập hoặc mật khẩu không đúng."


def login(client, username, password, url=None, **extra):
    return client.post(url or reverse("login"),
                       {"username": username, "password": password}, **extra)


def logged_in(client):
    return "_auth_user_id" in client.session


# --- Lockout (django-axes) -------------------------------------------------------------

@pytest.mark.django_db
def test_five_wrong_passwords_lock_the_account_until_the_cool_off_has_passed(client, clerk):
    with time_machine.travel(T0, tick=False) as clock:
        for _ in range(4):
            response = login(client, "vanphong", "sai-mat-khau")
            assert response.status_code == 200 and WRONG in response.content.decode()
        response = login(client, "vanphong", "sai-mat-khau")
        assert response.status_code == 429
        page = response.content.decode()
        assert LOCKED in page and "Hãy thử lại sau 30 phút" in page
        assert 'name="username"' in page  # still the login page, ready for later

        # Locked: even the right password is refused, and nobody is logged in.
        clock.shift(datetime.timedelta(minutes=10))
        response = login(client, "vanphong", PASSWORD)
        assert response.status_code == 429 and LOCKED in response.content.decode()
        assert not logged_in(client)

        # A refused attempt during the lockout starts the 30 minutes again.
        clock.shift(datetime.timedelta(minutes=29))
        assert login(client, "vanphong", PASSWORD).status_code == 429
        clock.shift(datetime.timedelta(minutes=31))
        response = login(client, "vanphong", PASSWORD)
        assert response.status_code == 302
        assert response.url == reverse("home")  # then the register, for the office
        assert logged_in(client)


@pytest.mark.django_db
def test_the_lock_holds_one_username_from_one_address_only(client, tree, clerk, leader):
    """Another clerk in the same office, or the same clerk at another PC, still logs in."""
    with time_machine.travel(T0, tick=False):
        for _ in range(5):
            login(client, "vanphong", "sai-mat-khau")
        assert login(client, "vanphong", PASSWORD).status_code == 429
        assert login(client, "lanhdao", PASSWORD).status_code == 302
        client.logout()
        response = login(client, "vanphong", PASSWORD, REMOTE_ADDR="192.168.1.23")
        assert response.status_code == 302


@pytest.mark.django_db
def test_a_successful_login_forgets_earlier_typos(client, clerk):
    with time_machine.travel(T0, tick=False):
        for _ in range(4):
            login(client, "vanphong", "sai-mat-khau")
        assert login(client, "vanphong", PASSWORD).status_code == 302
        client.logout()
        for _ in range(4):
            assert login(client, "vanphong", "sai-mat-khau").status_code == 200
        assert login(client, "vanphong", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_the_admin_login_locks_too_and_shares_the_count(client, admin_user):
    admin_login = reverse("admin:login")
    with time_machine.travel(T0, tick=False) as clock:
        for _ in range(3):
            assert login(client, "quantri", "sai-mat-khau").status_code == 200
        for _ in range(2):
            response = login(client, "quantri", "sai-mat-khau", url=admin_login)
        assert response.status_code == 429
        page = response.content.decode()
        assert LOCKED in page
        # Logging in from the lockout page leads back to the admin.
        assert f'name="next" value="{reverse("admin:index")}"' in page

        response = login(client, "quantri", PASSWORD, url=admin_login)
        assert response.status_code == 429 and not logged_in(client)
        assert login(client, "quantri", PASSWORD).status_code == 429

        clock.shift(datetime.timedelta(minutes=31))
        response = login(client, "quantri", PASSWORD, url=admin_login)
        assert response.status_code == 302 and logged_in(client)
        assert client.get(reverse("admin:index")).status_code == 200


def test_the_client_address_behind_a_trusted_proxy(settings):
    """Behind the proxy every connection comes from the proxy; the client is the entry the
    proxy appended to X-Forwarded-For, not one the client wrote there itself."""
    rf = RequestFactory()
    spoofed = rf.post("/dang-nhap/", REMOTE_ADDR="127.0.0.1",
                      HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.7")
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(spoofed) == "127.0.0.1"  # no proxy configured: the header is ignored
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(spoofed) == "203.0.113.7"
    direct = rf.post("/dang-nhap/", REMOTE_ADDR="198.51.100.4")
    assert client_ip(direct) == "198.51.100.4"
    settings.TRUSTED_PROXY_COUNT = 2  # CDN + nginx
    assert client_ip(spoofed) == "10.9.9.9"
    garbage = rf.post("/dang-nhap/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="x, y")
    assert client_ip(garbage) == "127.0.0.1"


@pytest.mark.django_db
def test_behind_the_proxy_one_office_does_not_lock_out_another(client, settings, clerk):
    settings.TRUSTED_PROXY_COUNT = 1
    via_proxy = {"REMOTE_ADDR": "127.0.0.1"}
    with time_machine.travel(T0, tick=False):
        for _ in range(5):
            login(client, "vanphong", "sai", HTTP_X_FORWARDED_FOR="203.0.113.7", **via_proxy)
        assert login(client, "vanphong", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.7",
                     **via_proxy).status_code == 429
        # Writing another address in front does not get round the lock...
        assert login(client, "vanphong", PASSWORD,
                     HTTP_X_FORWARDED_FOR="10.0.0.1, 203.0.113.7", **via_proxy).status_code == 429
        # ...while the same user from another office is not locked.
        assert login(client, "vanphong", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.4",
                     **via_proxy).status_code == 302


# --- Password rules --------------------------------------------------------------------

def rejection(password, user=None):
    with translation.override("vi"):
        with pytest.raises(ValidationError) as error:
            validate_password(password, user)
    return error.value.messages


@pytest.mark.django_db
def test_weak_passwords_are_refused_with_vietnamese_reasons():
    user = UserFactory.build(username="vanphong", first_name="Văn", last_name="Phòng")
    assert rejection("Ab1!", user) == ["Mật khẩu quá ngắn: cần ít nhất 12 ký tự."]
    assert rejection("chinhsachmoi", user) == [
        "Mật khẩu phải có ít nhất 3 trong 4 loại ký tự: chữ thường, chữ hoa, chữ số, "
        "ký hiệu (ví dụ @ # - !)."]
    assert "Mật khẩu không được chỉ gồm chữ số." in rejection("202520252025", user)
    assert "Mật khẩu này quá phổ biến, dễ bị đoán ra." in rejection("Password1234", user)
    assert rejection("Vanphong2025!", user) == ["Mật khẩu quá giống tên đăng nhập."]


@pytest.mark.django_db
@pytest.mark.parametrize("password", ["Mat-khau-thu-2025", "KeSat@2025demo",
                                      "Đảng ủy xã 2025"])
def test_the_suite_and_demo_passwords_are_accepted(password):
    user = UserFactory.build(username="vanphong")
    validate_password(password, user)


def test_the_rules_are_explained_in_vietnamese():
    with translation.override("vi"):
        texts = password_validators_help_texts()
    assert "Mật khẩu phải có ít nhất 12 ký tự." in texts
    assert ("Mật khẩu phải có ít nhất 3 trong 4 loại ký tự: chữ thường, chữ hoa, chữ số, "
            "ký hiệu.") in texts
    assert all(not re.search(r"\b(password|must)\b", t, re.I) for t in texts)


# --- Idle sessions ---------------------------------------------------------------------

@pytest.mark.django_db
def test_a_session_ends_after_thirty_idle_minutes(client, settings, clerk):
    # settings_test lengthens sessions for tests that walk the calendar; use the real value.
    settings.SESSION_COOKIE_AGE = 30 * 60
    page = reverse("casework:petition-list")
    with time_machine.travel(T0, tick=False) as clock:
        client.force_login(clerk)
        response = client.get(page)
        assert response.status_code == 200
        # Ends with the browser: the cookie has no expiry date of its own.
        cookie = response.cookies["sessionid"]
        assert cookie["expires"] == "" and cookie["max-age"] == ""
        clock.shift(datetime.timedelta(minutes=29))
        assert client.get(page).status_code == 200  # each request starts the 30 minutes anew
        clock.shift(datetime.timedelta(minutes=29))
        assert client.get(page).status_code == 200
        clock.shift(datetime.timedelta(minutes=31))
        response = client.get(page)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


# --- Headers and Content-Security-Policy ----------------------------------------------

CSP = {
    "default-src": ["'self'"], "script-src": ["'self'"], "img-src": ["'self'", "data:"],
    "form-action": ["'self'"], "frame-ancestors": ["'none'"], "base-uri": ["'self'"],
    "object-src": ["'none'"],
}


def parse_csp(header):
    return {name: values for name, *values in (d.split() for d in header.split(";"))}


def assert_security_headers(response):
    policy = parse_csp(response["Content-Security-Policy"])
    style = policy.pop("style-src")
    # Our own files, plus (by hash) the exact inline <style> blocks listed in settings.
    assert style[0] == "'self'" and all(s.startswith("'sha256-") for s in style[1:])
    assert policy == CSP
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    policy = response["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in policy


@pytest.mark.django_db
def test_pages_the_admin_and_the_login_send_the_security_headers(client, tree, clerk,
                                                                 admin_user):
    assert_security_headers(client.get(reverse("login")))
    assert_security_headers(client.get(reverse("admin:login")))
    client.force_login(clerk)
    assert_security_headers(client.get(reverse("casework:petition-list")))
    client.force_login(admin_user)
    assert_security_headers(client.get(reverse("admin:index")))
    assert_security_headers(client.get(reverse("admin:auth_user_add")))


@pytest.mark.django_db
def test_the_lockout_page_sends_them_too(client, clerk):
    for _ in range(5):
        response = login(client, "vanphong", "sai")
    assert response.status_code == 429
    assert_security_headers(response)


INLINE = [
    (re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"\sstyle\s*=", re.I), "style= attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "on…= event handler"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_no_template_has_inline_script_or_style():
    """The CSP would block them in the browser: keep scripts and styles in static/."""
    found = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for pattern, what in INLINE:
            for m in pattern.finditer(text):
                line = text.count("\n", 0, m.start()) + 1
                found.append(f"{path.relative_to(ROOT)}:{line}: {what}")
    assert found == []


def test_every_inline_style_block_is_allowed_by_its_hash(settings):
    allowed = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["style-src"]
    for path in sorted((ROOT / "templates").rglob("*.html")):
        for block in re.findall(r"<style[^>]*>(.*?)</style>",
                                path.read_text(encoding="utf-8"), re.S | re.I):
            assert "{" + "%" not in block and "{{" not in block, f"{path}: varies, no hash"
            digest = base64.b64encode(hashlib.sha256(block.encode()).digest()).decode()
            assert f"'sha256-{digest}'" in allowed, (
                f"{path.relative_to(ROOT)}: add 'sha256-{digest}' to INLINE_STYLE_HASHES in "
                "config/settings.py, or better, move the rules into static/css/")


@pytest.mark.django_db
def test_the_receipt_prints_through_a_static_script(client, tree, clerk):
    petition = receive_petition(actor=clerk, organisation=tree.office)
    client.force_login(clerk)
    page = client.get(reverse("casework:petition-receipt", args=[petition.pk])).content.decode()
    assert "onclick" not in page
    assert re.search(r'<script src="/static/js/print[^"]*\.js" defer></script>', page)
    assert "data-print" in page
    assert "window.print()" in (ROOT / "static" / "js" / "print.js").read_text()


# --- Production settings and `check --deploy` -------------------------------------------

def run_manage(tmp_path, *args, **env):
    clean = {k: v for k, v in os.environ.items()
             if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "SECRET_KEY", "DEBUG", "HTTPS",
                          "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    clean.update(DJANGO_SETTINGS_MODULE="config.settings",
                 DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}", **env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=clean,
                          capture_output=True, text=True, timeout=300)


PRODUCTION = dict(DEBUG="0", HTTPS="1", ALLOWED_HOSTS="casework.example.vn")


def test_check_deploy_finds_nothing_with_the_production_environment(tmp_path):
    result = run_manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING",
                        SECRET_KEY=secrets.token_urlsafe(50), **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_turning_hsts_preload_off_is_a_decision_check_deploy_accepts(tmp_path):
    result = run_manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING",
                        SECRET_KEY=secrets.token_urlsafe(50), SECURE_HSTS_PRELOAD="0",
                        **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (1 silenced)." in result.stdout


def test_production_refuses_to_start_without_its_own_secret_key(tmp_path):
    result = run_manage(tmp_path, "check", **PRODUCTION)
    assert result.returncode != 0
    assert "HTTPS=1 (production) needs its own SECRET_KEY" in result.stderr
    result = run_manage(tmp_path, "check", SECRET_KEY="embedded-only-not-for-production-"
                        + "x" * 20, **PRODUCTION)
    assert result.returncode != 0


PROBE = ("import django, json; from django.conf import settings as s; django.setup(); "
         "print(json.dumps([s.SESSION_COOKIE_AGE, s.SESSION_SAVE_EVERY_REQUEST, "
         "s.SESSION_EXPIRE_AT_BROWSER_CLOSE, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
         "s.SECURE_SSL_REDIRECT, s.AXES_FAILURE_LIMIT, str(s.AXES_COOLOFF_TIME), "
         "s.AXES_LOCKOUT_PARAMETERS]))")


def probe(tmp_path, **env):
    import json

    clean = {k: v for k, v in os.environ.items()
             if k not in ("DATABASE_URL", "SECRET_KEY", "HTTPS", "SESSION_COOKIE_AGE")}
    clean.update(DJANGO_SETTINGS_MODULE="config.settings",
                 DATABASE_URL=f"sqlite:///{tmp_path / 'probe.sqlite3'}", **env)
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=clean, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_the_embedded_install_keeps_plain_http_and_the_shipped_limits(tmp_path):
    age, every, at_close, session_secure, csrf_secure, redirect, limit, cool_off, params = \
        probe(tmp_path)
    # The idle end is pushed back before each view (config/sessions.py), not by a save
    # after it: SESSION_SAVE_EVERY_REQUEST stays off.
    assert (age, every, at_close) == (30 * 60, False, True)
    # One office PC over plain HTTP (bin/run): a secure cookie would never be sent back.
    assert (session_secure, csrf_secure, redirect) == (False, False, False)
    assert (limit, cool_off, params) == (5, "0:30:00", [["username", "ip_address"]])
    assert probe(tmp_path, SESSION_COOKIE_AGE="600")[0] == 600


def test_an_office_pc_gets_its_own_secret_key_once(tmp_path):
    path = tmp_path / "var" / "secret_key"
    key = embedded_secret_key(path)
    assert len(key) >= 50 and embedded_secret_key(path) == key
    if os.name == "posix":
        assert path.stat().st_mode & 0o777 == 0o600
    assert embedded_secret_key(tmp_path / "other" / "secret_key") != key
    assert list(path.parent.glob("*.tmp")) == []


# --- In a real browser: no CSP violation on the pages, the admin and the receipt --------

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


@pytest.fixture
def browser_page(live_server):
    sync_api = pytest.importorskip("playwright.sync_api")
    from django.db import connections

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # playwright runs a loop
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        page = browser.new_page()
        page.set_default_timeout(15000)
        page.console_lines = []
        page.on("console", lambda m: page.console_lines.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: page.console_lines.append(f"pageerror: {e}"))
        yield page
        browser.close()
        connections.close_all()  # or PostgreSQL cannot drop the test database


@pytest.mark.browser
@pytest.mark.skipif(not shutil.which(CHROMIUM), reason="chưa cài chromium")
@pytest.mark.django_db(transaction=True)
def test_no_csp_violation_in_chromium(browser_page, live_server, tree, clerk, admin_user):
    page = browser_page
    petition = receive_petition(actor=clerk, organisation=tree.office)
    page.goto(live_server.url + reverse("login"))
    page.fill("input[name=username]", "vanphong")
    page.fill("input[name=password]", PASSWORD)
    page.click("button.btn-primary")
    page.wait_for_selector("text=Sổ tiếp nhận đơn thư")
    page.goto(live_server.url + reverse("casework:petition-receipt", args=[petition.pk]))
    page.evaluate("window.printed = false; window.print = () => { window.printed = true; }")
    page.click("button[data-print]")
    assert page.evaluate("window.printed") is True
    # The one inline <style> left, allowed by its hash: its rules do apply.
    page.goto(live_server.url + reverse("workflows:due-date")
              + "?ngay-phat-sinh=03/09/2025&so-ngay=10&cach-tinh=working")
    size = page.eval_on_selector(".due", "e => parseFloat(getComputedStyle(e).fontSize) / "
                                 "parseFloat(getComputedStyle(document.documentElement).fontSize)")
    assert round(size, 2) == 1.15  # .due{font-size:1.15rem}
    page.click("button.link")  # log out

    page.goto(live_server.url + reverse("admin:login"))
    page.fill("input[name=username]", "quantri")
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#user-tools")
    for name in ("admin:index", "admin:auth_user_changelist", "admin:auth_user_add"):
        page.goto(live_server.url + reverse(name))
    page.goto(live_server.url + reverse("admin:auth_user_change", args=[clerk.pk]))
    csp = [line for line in page.console_lines if "Content Security Policy" in line]
    assert csp == [] and not [ln for ln in page.console_lines if ln.startswith("pageerror")]

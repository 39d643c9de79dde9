"""API keys: only the hash is stored, a key acts as its user, a revoked, expired or
unknown key or an inactive user is a 401 in Vietnamese, last use is written at most once a
minute, and the admin shows the key once."""
import datetime
import hashlib

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from casework.models import ApiToken
from casework.services.api_tokens import api_token_create, api_token_revoke
from tests.factories import receive_petition, user_with_role

pytestmark = pytest.mark.django_db
LIST = "/api/don-thu/"


def bearer(key, keyword="Bearer"):
    return {"HTTP_AUTHORIZATION": f"{keyword} {key}"}


@pytest.fixture
def secretary(tree):
    return user_with_role("branch_secretary", tree.branch_a, username="bithu")


def test_only_the_hash_of_the_key_is_stored(admin_user, secretary):
    token, key = api_token_create(actor=admin_user, user=secretary, name="Cổng tỉnh")
    assert key.startswith("cw_") and len(key) >= 40
    row = ApiToken.objects.get()
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert row.prefix == key[:10]
    stored = [str(v) for v in ApiToken.objects.values_list().get()]
    assert not any(key in value for value in stored)
    assert row.created_by == admin_user and row.revoked_at is None


def test_a_key_acts_as_its_user(client, tree, admin_user, secretary):
    mine = receive_petition(actor=admin_user, organisation=tree.branch_a)
    other = receive_petition(actor=admin_user, organisation=tree.branch_b)
    _token, key = api_token_create(actor=admin_user, user=secretary, name="Cổng tỉnh")
    for keyword in ("Bearer", "Token", "bearer"):
        data = client.get(LIST, **bearer(key, keyword)).json()
        assert [row["id"] for row in data["results"]] == [mine.pk]
    assert client.get(f"{LIST}{other.pk}/", **bearer(key)).status_code == 404
    assert client.get(reverse("api:api-schema"), **bearer(key)).status_code == 200


@pytest.mark.parametrize("case", ["unknown", "revoked", "expired", "inactive", "malformed",
                                  "too long", "not ascii"])
def test_a_key_that_does_not_work_is_a_401_in_vietnamese(client, admin_user, secretary, case):
    expires = timezone.now() - datetime.timedelta(seconds=1) if case == "expired" else None
    token, key = api_token_create(actor=admin_user, user=secretary, name="x",
                                  expires_at=expires)
    header = bearer(key)
    if case == "unknown":
        header = bearer(key[:-1] + ("A" if key[-1] != "A" else "B"))
    elif case == "revoked":
        assert api_token_revoke(actor=admin_user, token_ids=[token.pk]) == 1
    elif case == "inactive":
        secretary.is_active = False
        secretary.save()
    elif case == "malformed":
        header = {"HTTP_AUTHORIZATION": f"Bearer {key} thừa"}
    elif case == "too long":
        header = bearer("cw_" + "a" * 5000)
    elif case == "not ascii":
        header = {"HTTP_AUTHORIZATION": "Bearer khóa"}
    response = client.get(LIST, **header)
    assert response.status_code == 401
    detail = response.json()["detail"]
    expected = {"unknown": "không hợp lệ", "revoked": "đã bị thu hồi", "expired": "hết hạn",
                "inactive": "bị khóa", "malformed": "Bearer <khóa API>",
                "too long": "không hợp lệ", "not ascii": "không hợp lệ"}[case]
    assert expected in detail


def test_last_use_is_written_at_most_once_a_minute(client, admin_user, secretary):
    token, key = api_token_create(actor=admin_user, user=secretary, name="x")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.get(LIST, **bearer(key))
    token.refresh_from_db()
    assert token.last_used_at == start
    with time_machine.travel(start + datetime.timedelta(seconds=59), tick=False):
        client.get(LIST, **bearer(key))
    token.refresh_from_db()
    assert token.last_used_at == start  # not written again within the minute
    later = start + datetime.timedelta(seconds=61)
    with time_machine.travel(later, tick=False):
        client.get(LIST, **bearer(key))
    token.refresh_from_db()
    assert token.last_used_at == later


def test_only_a_superuser_makes_or_revokes_keys(secretary):
    from casework.errors import ActionRefused

    with pytest.raises(ActionRefused):
        api_token_create(actor=secretary, user=secretary, name="x")
    with pytest.raises(ActionRefused):
        api_token_revoke(actor=secretary, token_ids=[])


def test_the_admin_shows_the_key_once_and_revokes(client, admin_user, secretary):
    client.force_login(admin_user)
    response = client.post(reverse("admin:casework_apitoken_add"),
                           {"user": secretary.pk, "name": "Phần mềm tỉnh", "expires_at_0": "",
                            "expires_at_1": ""}, follow=True)
    assert response.status_code == 200
    token = ApiToken.objects.get()
    shown = [str(m) for m in response.context["messages"]]
    [message] = [m for m in shown if "chỉ hiện một lần" in m]
    key = message.split(": ", 1)[1].split(" — ")[0]
    assert hashlib.sha256(key.encode()).hexdigest() == token.key_hash
    assert client.get(LIST, **bearer(key)).status_code == 200
    # Never again: not on the change page, not in the list.
    for url in (reverse("admin:casework_apitoken_change", args=[token.pk]),
                reverse("admin:casework_apitoken_changelist")):
        page = client.get(url).content.decode()
        assert key not in page and token.prefix in page
    assert "đang dùng" in client.get(reverse("admin:casework_apitoken_changelist")).content.decode()
    client.post(reverse("admin:casework_apitoken_changelist"),
                {"action": "revoke", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.revoked_at is not None
    client.logout()
    assert client.get(LIST, **bearer(key)).status_code == 401
    assert client.get(reverse("admin:casework_apitoken_delete", args=[token.pk]),
                      ).status_code in (302, 403)


def test_a_staff_member_who_is_not_superuser_cannot_see_keys(client, secretary):
    secretary.is_staff = True
    secretary.save()
    client.force_login(secretary)
    assert client.get(reverse("admin:casework_apitoken_changelist")).status_code == 403


def test_a_key_carries_its_users_identity_clearance_and_the_view_is_logged(
        client, tree, admin_user):
    from casework.models import IdentityAccess, RoleAssignment
    from casework.services.petitions import SenderData, petition_receive
    from tests.factories import UserFactory

    letter = petition_receive(
        actor=admin_user, organisation=tree.office, received_on=datetime.date(2026, 9, 1),
        channel="direct", kind="denunciation", summary="Tố cáo.",
        senders=[SenderData(full_name="Hà Thị Kín")])
    keys = {}
    for cleared in (False, True):
        user = UserFactory(username=f"vp-{cleared}")
        RoleAssignment.objects.create(user=user, organisation=tree.office, role="clerk",
                                      identity_clearance=cleared)
        keys[cleared] = api_token_create(actor=admin_user, user=user, name="x")[1]
    detail = f"{LIST}{letter.pk}/"
    masked = client.get(detail, **bearer(keys[False])).json()
    assert masked["identity_masked"] and "Hà Thị Kín" not in str(masked)
    assert IdentityAccess.objects.count() == 0
    shown = client.get(detail, **bearer(keys[True])).json()
    assert shown["senders"][0]["full_name"] == "Hà Thị Kín"
    [access] = IdentityAccess.objects.all()
    assert (access.user.username, access.purpose) == ("vp-True", "api")

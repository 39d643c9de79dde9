"""Fixtures for the notification tests: users with addresses, and deadline clocks and
escalations made directly with the ORM (so these tests do not depend on the sweep)."""
import datetime
import uuid

import pytest
from django.utils import timezone

from casework.models import PetitionSender
from tests.factories import receive_petition, user_with_role
from workflows.models import ClockStatus, DeadlineClock, DeadlineRule, Escalation

# A denouncer whose identity must never reach a notice: every piece of it is distinctive,
# so a search of the rendered bytes cannot miss it or match something else.
SECRET_SENDER = dict(name="Hoàng Thị Bí Mật", address="Xóm Kín Đáo, thôn Hòa Ché",
                     id_number="079123456789", phone="0912345678")
SECRET_SUMMARY = "Tố cáo ông Lê Văn Khuất Danh nhận tiền của dân."


@pytest.fixture
def mailed_clerk(clerk):
    clerk.email, clerk.first_name, clerk.last_name = "vanphong@kesat.vn", "Thị Hoa", "Nguyễn"
    clerk.save()
    return clerk


@pytest.fixture
def mailed_leader(leader):
    leader.email, leader.first_name, leader.last_name = "bithu@kesat.vn", "Văn Minh", "Trần"
    leader.save()
    return leader


@pytest.fixture
def city_leader(tree):
    user = user_with_role("leader", tree.city, username="lanhdao-tinh")
    user.email = "tinh@example.vn"
    user.save()
    return user


def stop_all_clocks():
    """Receiving a letter starts the shipped rules' clocks; tests that count what a
    digest lists start from none running."""
    DeadlineClock.objects.update(status=ClockStatus.STOPPED)


def secret_denunciation(actor, organisation, **kwargs):
    petition = receive_petition(actor=actor, organisation=organisation, kind="denunciation",
                                sender=SECRET_SENDER["name"], summary=SECRET_SUMMARY,
                                subject_name="Lê Văn Khuất Danh", **kwargs)
    PetitionSender.objects.filter(petition=petition).update(
        address=SECRET_SENDER["address"], id_number=SECRET_SENDER["id_number"],
        phone=SECRET_SENDER["phone"])
    return petition


def secret_fragments():
    """What must never appear, also without diacritics (as an e-mail client might show)."""
    from casework.search_keys import search_key

    values = [SECRET_SENDER["name"], SECRET_SENDER["address"], SECRET_SENDER["id_number"],
              SECRET_SENDER["phone"], SECRET_SUMMARY, "Khuất Danh"]
    return values + [search_key(v) for v in values]


def make_rule(**kwargs):
    defaults = dict(code=f"thu-{uuid.uuid4().hex[:8]}", procedure="denunciation",
                    step="resolve", start_event="accepted", length=30, unit="calendar",
                    legal_basis="Luật Tố cáo 2018, Điều 30",
                    effective_from=datetime.date(2019, 1, 1))
    defaults.update(kwargs)
    return DeadlineRule.objects.create(**defaults)


def make_clock(petition, *, due_on, rule=None, status=ClockStatus.RUNNING, assignee=None,
               organisation=None):
    return DeadlineClock.objects.create(
        rule=rule or make_rule(), petition=petition,
        organisation=organisation or petition.organisation, assignee=assignee,
        started_on=petition.received_on, status=status, due_on=due_on)


def make_escalation(clock, *, rung, fired_on, cycle=0):
    return Escalation.objects.create(
        clock=clock, cycle=cycle, rung=rung, due_on=clock.due_on, fired_on=fired_on,
        fired_at=timezone.now(), run=uuid.uuid4())


@pytest.fixture(autouse=True)
def _forget_kept_rows():
    """Each test starts as a new sending process would: nothing kept from another test's
    (rolled back) rows."""
    from notifications import kept_rows

    kept_rows.forget()

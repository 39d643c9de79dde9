"""A province's kept register counts and a step that commits late, on PostgreSQL with two
real connections: the event of a transaction still open when the counts are taken has an
id below the version they are kept at, and must still be counted once it commits."""
import datetime
import threading

import pytest
from django.db import connections, transaction
from django.http import QueryDict

from casework.models import Petition
from casework.selectors.letters import letter_register, register_counts
from tests.factories import UserFactory, receive_petition, user_with_role

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _counts(user):
    _filterset, found = letter_register(user=user, params=QueryDict(mutable=True))
    return register_counts(found, reuse=True)


def test_a_receipt_committed_after_a_later_one_is_counted(tree):
    city = user_with_role("leader", tree.city, username="lanhdao-tinh")
    clerk = UserFactory(username="quantri", is_staff=True, is_superuser=True)
    day = datetime.date(2026, 3, 2)
    receive_petition(actor=clerk, organisation=tree.office, received_on=day)
    assert _counts(city).total == 1

    inserted, release, failures = threading.Event(), threading.Event(), []

    def slow_receipt():
        try:
            with transaction.atomic():
                receive_petition(actor=clerk, organisation=tree.ubkt, received_on=day)
                inserted.set()
                release.wait(timeout=30)
        except Exception as exc:  # reported to the test below
            failures.append(repr(exc))
            inserted.set()
        finally:
            connections.close_all()

    slow = threading.Thread(target=slow_receipt)
    slow.start()
    assert inserted.wait(timeout=30)
    # A later receipt commits first: its event id is above the open transaction's.
    receive_petition(actor=clerk, organisation=tree.office, received_on=day)
    assert _counts(city).total == 2  # the open transaction's letter is not seen yet
    release.set()
    slow.join(timeout=30)
    assert not failures, failures
    assert Petition.objects.count() == 3
    # No event above the kept version came since; the late one is below it.
    after = _counts(city)
    assert after.total == 3
    assert after.by_unit().get(tree.ubkt.pk) is not None

"""Several clerks at once, on PostgreSQL with real connections: receipt numbers stay
gap-free and unique, and of two people acting on one letter exactly one wins."""
import datetime
import multiprocessing
import threading

import pytest
from django.db import connections

from casework.errors import ActionRefused
from casework.models import CaseEvent, Organisation, Petition
from casework.services import petitions as svc
from tests.factories import receive_petition, user_with_role

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PROCESSES, PER_PROCESS = 4, 25


def _receive_many(org_id, user_id, start, results):
    """Runs in a forked process with its own database connection."""
    from django.contrib.auth import get_user_model

    connections.close_all()
    try:
        user = get_user_model().objects.get(pk=user_id)
        org = Organisation.objects.get(pk=org_id)
        start.wait()
        numbers = []
        for _ in range(PER_PROCESS):
            p = receive_petition(actor=user, organisation=org,
                                 received_on=datetime.date(2025, 10, 1))
            numbers.append(p.receipt_seq)
        results.put(("ok", numbers))
    except Exception as exc:  # reported to the parent, which fails the test
        results.put(("error", repr(exc)))
    finally:
        connections.close_all()


def test_receipt_numbers_from_parallel_processes_are_gap_free(tree):
    clerk = user_with_role("clerk", tree.office)
    ctx = multiprocessing.get_context("fork")
    start, results = ctx.Barrier(PROCESSES), ctx.Queue()
    connections.close_all()  # each child opens its own connection
    workers = [ctx.Process(target=_receive_many, args=(tree.office.pk, clerk.pk, start, results))
               for _ in range(PROCESSES)]
    for w in workers:
        w.start()
    outcomes = [results.get(timeout=120) for _ in workers]
    for w in workers:
        w.join(timeout=30)
    assert all(kind == "ok" for kind, _ in outcomes), outcomes
    issued = sorted(n for _, numbers in outcomes for n in numbers)
    assert issued == list(range(1, PROCESSES * PER_PROCESS + 1))
    stored = sorted(Petition.objects.filter(organisation=tree.office)
                    .values_list("receipt_seq", flat=True))
    assert stored == issued
    # Each process saw its own numbers rise: no number was handed out twice.
    for _, numbers in outcomes:
        assert numbers == sorted(numbers)


def test_two_clerks_act_on_one_letter_at_once(tree):
    first = user_with_role("clerk", tree.office)
    second = user_with_role("ubkt", tree.office)
    petition = receive_petition(actor=first, organisation=tree.office)
    svc.petition_classify(actor=first, petition_id=petition.pk, kind="complaint",
                          competence="other")
    barrier = threading.Barrier(2)
    outcomes = {}

    def act(name, user, action, kwargs):
        try:
            barrier.wait()
            svc.SERVICES[action](actor=user, petition_id=petition.pk,
                                 expected_status="classified", **kwargs)
            outcomes[name] = "ok"
        except ActionRefused as exc:
            outcomes[name] = exc.message
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=act, args=("transfer", first, "transfer", {
            "recipient": "UBND xã", "doc_number": "3-CV/ĐU",
            "doc_date": datetime.date(2025, 9, 5)})),
        threading.Thread(target=act, args=("file", second, "file", {
            "filed_reason": "duplicate"})),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    wins = [name for name, outcome in outcomes.items() if outcome == "ok"]
    assert len(wins) == 1, outcomes
    loser = ({"transfer", "file"} - set(wins)).pop()
    assert "vừa được người khác cập nhật" in outcomes[loser]
    petition.refresh_from_db()
    assert petition.status == {"transfer": "transferred", "file": "filed"}[wins[0]]
    assert CaseEvent.objects.filter(petition=petition).count() == 3

"""The document register under parallel generation, on PostgreSQL with real connections:
8 clerks each issuing 10 phiếu chuyển đơn at once get the numbers 1..80 of their
committee's register, no gap and no duplicate, each with its file."""
import datetime
import threading
from pathlib import Path

import pytest
from django.db import connection

from casework.models import DocumentCounter, GeneratedDocument
from casework.services import petitions as svc
from casework.services.documents import document_bytes
from tests.factories import receive_petition, user_with_role

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WORKERS, PER_WORKER = 8, 10
DAY = datetime.date(2025, 10, 2)


def test_register_numbers_from_parallel_workers_are_gap_free(tree, media_root):
    clerks = [user_with_role("clerk", tree.office) for _ in range(WORKERS)]
    letters = []
    for _ in range(WORKERS * PER_WORKER):
        letter = receive_petition(actor=clerks[0], organisation=tree.office,
                                  received_on=datetime.date(2025, 10, 1))
        svc.petition_classify(actor=clerks[0], petition_id=letter.pk, kind=letter.kind,
                              competence="other")
        letters.append(letter.pk)
    start = threading.Barrier(WORKERS)
    results, errors = {}, []

    def work(index):
        # A thread has its own database connection (Django opens one per thread).
        try:
            start.wait()
            mine = letters[index * PER_WORKER:(index + 1) * PER_WORKER]
            numbers = []
            for pk in mine:
                svc.petition_transfer(actor=clerks[index], petition_id=pk,
                                      recipient="UBND xã Kè Sắt", doc_number="", doc_date=DAY,
                                      issue_document=True)
                numbers.append(GeneratedDocument.objects.get(petition_id=pk).register_seq)
            results[index] = numbers
        except Exception as exc:  # reported by the main thread, which fails the test
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert errors == []
    issued = sorted(n for numbers in results.values() for n in numbers)
    assert issued == list(range(1, WORKERS * PER_WORKER + 1))
    for numbers in results.values():  # each worker saw its own numbers rise
        assert numbers == sorted(numbers)
    assert DocumentCounter.objects.get(organisation=tree.commune, year=2025).last_value == 80
    documents = GeneratedDocument.objects.all()
    assert sorted(d.number for d in documents) == sorted(
        f"{n:02d}-PC/KE-SAT" for n in range(1, 81))
    # Every file was written after its commit, and holds what was issued.
    for document in documents:
        assert Path(document.file.path).exists()
        document_bytes(document)

"""The demo letters' steps come with their Word documents, and a second load makes none
twice; the demo tố cáo's phiếu chuyển names nobody."""
from io import StringIO

import pytest
from django.core.management import call_command

from casework.models import GeneratedDocument, IdentityAccess, Petition
from casework.services.documents import document_bytes
from tests.casework.test_documents import text_of, xml_of

pytestmark = pytest.mark.django_db


def test_demo_letters_have_documents(media_root, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", stdout=StringIO(), stderr=StringIO())
    documents = GeneratedDocument.objects.select_related("petition")
    kinds = {d.kind for d in documents}
    assert {"receipt", "transfer", "follow_up"} <= kinds
    count = documents.count()
    denunciation = Petition.objects.get(kind="denunciation", organisation__code="van-phong")
    transfer = documents.get(petition=denunciation, kind="transfer")
    names = [s.full_name for s in denunciation.senders.all()]
    assert names and not any(name in xml_of(document_bytes(transfer)) for name in names)
    receipt = documents.get(petition=denunciation, kind="receipt")
    assert receipt.shows_identity and names[0] in xml_of(document_bytes(receipt))
    assert IdentityAccess.objects.filter(petition=denunciation, purpose="document").exists()
    call_command("load_demo", stdout=StringIO(), stderr=StringIO())
    assert GeneratedDocument.objects.count() == count
    call_command("check_files")  # every file has its row: exits 0


def test_demo_cases_have_their_decisions(media_root, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", stdout=StringIO(), stderr=StringIO())
        call_command("load_demo_inspections", stdout=StringIO(), stderr=StringIO())
    decisions = GeneratedDocument.objects.filter(kind="case_decision")
    assert decisions.exists()
    for decision in decisions:
        assert decision.number == decision.inspection.decision_number
        assert decision.issuer.code == "ubkt"
        assert "QUYẾT ĐỊNH" in text_of(document_bytes(decision))

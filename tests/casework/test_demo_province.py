"""`manage.py load_demo_province`: generated communes beside Kè Sắt, labelled as generated,
never in Kè Sắt's figures, histories the transition engine would write (one receipt, at most
one closing event, events in order), `verify_audit` clean, a provincial leader who sees
every commune, and a second run that creates nothing."""
import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count

from casework.models import (
    CaseEvent,
    EventType,
    InspectionCase,
    Organisation,
    Petition,
    PetitionStatus,
)
from casework.models.petitions import OPEN_STATUSES
from casework.selectors.figures import letter_figures
from workflows.default_rules import install_default_rules
from workflows.models import DeadlineRule

pytestmark = pytest.mark.django_db
ARGS = ("--communes", "2", "--letters-per-commune", "12", "--years", "3", "--seed", "7")

CLOSED = {PetitionStatus.RESOLVED, PetitionStatus.WITHDRAWN, PetitionStatus.FILED,
          PetitionStatus.GUIDED}


@pytest.fixture(autouse=True)
def deadline_rules(db):
    """The shipped deadline rules: a transactional test before this one may have flushed
    them, and without them no letter has a deadline."""
    install_default_rules(DeadlineRule)


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def kesat_2025():
    return letter_figures(organisation=Organisation.objects.get(code="ke-sat"),
                          start=datetime.date(2025, 1, 1), end=datetime.date(2025, 12, 31))


def test_generated_province(client):
    run("load_demo")
    before = kesat_2025()
    out = run("load_demo_province", *ARGS)
    assert "Đã tạo 2 xã mẫu, 24 đơn" in out
    generated = Organisation.objects.filter(code__startswith="mau-")
    assert generated.count() == 2 * 6
    assert all(org.name.endswith("(dữ liệu mẫu sinh tự động)") for org in generated)
    province = Organisation.objects.get(code="hai-phong")
    kesat = Organisation.objects.get(code="ke-sat")
    for commune in generated.filter(kind="commune"):
        assert commune.parent == province and not commune.path.startswith(kesat.path)
    assert kesat_2025() == before  # nothing generated is counted in Kè Sắt

    letters = Petition.objects.filter(organisation__code__startswith="mau-")
    assert letters.count() == 24
    years = {d.year for d in letters.values_list("received_on", flat=True)}
    assert len(years) >= 2
    assert InspectionCase.objects.filter(organisation__code__startswith="mau-").exists()
    for letter in letters:
        events = list(CaseEvent.objects.filter(petition=letter).order_by("id"))
        assert [e.event_type for e in events].count(EventType.RECEIVED) == 1
        assert events[0].event_type == EventType.RECEIVED
        moments = [e.occurred_at for e in events]
        assert moments == sorted(moments)
        closing = [e for e in events if e.to_status in CLOSED and e.from_status in OPEN_STATUSES]
        assert len(closing) <= 1
        assert (letter.status in CLOSED) == bool(closing)
    assert "không phát hiện sai lệch" in run("verify_audit")

    # Idempotent.
    counts = (Organisation.objects.count(), Petition.objects.count(), CaseEvent.objects.count())
    assert "không tạo thêm" in run("load_demo_province", *ARGS)
    assert counts == (Organisation.objects.count(), Petition.objects.count(),
                      CaseEvent.objects.count())

    # The provincial leader signs in with the demo password, lands on the overview and
    # sees Kè Sắt and each generated commune as a row.
    response = client.post("/dang-nhap/", {"username": "lanhdao.tinh",
                                           "password": "KeSat@2025demo"})
    assert response.status_code == 302
    page = client.get("/", follow=True)
    codes = {row.organisation.code for row in page.context["units"]}
    assert codes == {"ke-sat", "mau-xa-001", "mau-xa-002"}
    by_unit = dict(letters.values_list("organisation__parent__code").annotate(n=Count("pk")))
    assert by_unit == {"mau-xa-001": 12, "mau-xa-002": 12}


def test_bounds_are_refused_in_vietnamese(db):
    with pytest.raises(CommandError, match="--communes phải từ 1 đến 200"):
        run("load_demo_province", "--communes", "0")

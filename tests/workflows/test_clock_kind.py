"""A clock keeps its letter's kind (`DeadlineClock.kind`, `workflows.models.clocks.clock_kind`):
taken when the clock is made, followed when the letter is classified as another kind (every
clock of the letter, the ones already stopped too), "" for a case's clock; and the leaders'
overview, which counts its kinds' table from that column alone, counts the kind the letter
has now."""
import datetime

import pytest
import time_machine
from django.utils import timezone

from casework.models import Petition
from casework.services import petitions as services
from casework.services.inspections import case_open
from tests.factories import receive_petition, user_with_role
from workflows import leader_overview as figures
from workflows.default_rules import install_default_rules
from workflows.models import ClockStatus, DeadlineClock, DeadlineRule
from workflows.models.clocks import clock_kind

pytestmark = pytest.mark.django_db
D = datetime.date
TODAY = D(2026, 11, 18)


@pytest.fixture(autouse=True)
def setup(db):
    install_default_rules(DeadlineRule)
    with time_machine.travel(timezone.make_aware(datetime.datetime(2026, 11, 18, 10)),
                             tick=False):
        yield


def kinds_table(user, focus):
    """{(kind, bucket): n} of the overview's kinds' table, zeros left out."""
    data = figures.overview(user=user, focus=focus, today=TODAY)
    return {(code, bucket): n for code, _label, counts in data["kinds"]
            for bucket in ("overdue", "soon") for _k, n in getattr(counts, bucket).items()
            if n}


def counted_from_letters(clocks):
    """The same table counted in Python from each clock's letter (or case) as it is now."""
    horizon = TODAY + datetime.timedelta(days=figures.HORIZON_DAYS)
    table = {}
    for clock in clocks.filter(status=ClockStatus.RUNNING, lapses=False,
                               due_on__lte=horizon).select_related("petition"):
        code = clock.petition.kind if clock.petition_id else figures.CASES
        key = (code, "overdue" if clock.due_on < TODAY else "soon")
        table[key] = table.get(key, 0) + 1
    return table


def test_a_reclassified_letters_clocks_follow_its_kind(tree):
    clerk = user_with_role("clerk", tree.commune, username="vanphong")
    letter = receive_petition(actor=clerk, organisation=tree.office, kind="complaint",
                              received_on=D(2026, 11, 10))
    other = receive_petition(actor=clerk, organisation=tree.office, kind="complaint",
                             received_on=D(2026, 11, 10))
    assert set(letter.clocks.values_list("kind", flat=True)) == {"complaint"}
    services.petition_classify(actor=clerk, petition_id=letter.pk, kind="recommendation",
                               competence="here")
    clocks = DeadlineClock.objects.filter(petition=letter)
    assert clocks.filter(status=ClockStatus.STOPPED).exists()  # the classification's
    assert clocks.filter(status=ClockStatus.RUNNING).exists()  # started by it
    assert set(clocks.values_list("kind", flat=True)) == {"recommendation"}
    # The other letter's clock is not touched.
    assert set(other.clocks.values_list("kind", flat=True)) == {"complaint"}


def test_the_kinds_table_counts_the_kind_the_letter_has_now(tree):
    clerk = user_with_role("clerk", tree.commune, username="vanphong")
    leader = user_with_role("leader", tree.commune, username="lanhdao")
    made = [receive_petition(actor=clerk, organisation=org, kind=kind,
                             received_on=D(2026, 11, day))
            for org, kind, day in [(tree.office, "complaint", 2), (tree.ubkt, "denunciation", 13),
                                   (tree.branch_a, "feedback", 16),
                                   (tree.office, "recommendation", 4)]]
    for letter, kind in zip(made, ["denunciation", "recommendation"], strict=False):
        services.petition_classify(actor=clerk, petition_id=letter.pk, kind=kind,
                                   competence="here")
    case_open(actor=leader, organisation=tree.commune, body="executive", kind="party_finance",
              title="Cuộc mẫu", decision_number="01-QĐ", decision_date=D(2026, 10, 2),
              starts_on=D(2026, 10, 5), ends_on=D(2026, 11, 20), team_leader=leader,
              subject_organisation=tree.branch_a)
    # A clock moved to running past its due date: the reclassified letter's stopped one.
    stopped = DeadlineClock.objects.filter(petition=made[0], status=ClockStatus.STOPPED).get()
    DeadlineClock.objects.filter(pk=stopped.pk).update(status=ClockStatus.RUNNING)
    assert Petition.objects.get(pk=made[0].pk).kind == "denunciation"
    for clock in DeadlineClock.objects.select_related("petition"):
        assert clock.kind == clock_kind(clock.petition)
    table = kinds_table(leader, tree.commune)
    assert table == counted_from_letters(DeadlineClock.objects.all())
    assert ("denunciation", "overdue") in table and (figures.CASES, "soon") in table


def test_verify_audit_names_a_clock_whose_kept_kind_is_not_its_letters(tree):
    """`verify_audit` checks the copy (registered by workflows with casework's audit
    checks): clean after a reclassification through the services; a kind changed around
    them, on a letter's clock or a case's, is named with the clock and both kinds."""
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    from casework.services import audit

    clerk = user_with_role("clerk", tree.commune, username="vanphong")
    leader = user_with_role("leader", tree.commune, username="lanhdao")
    letter = receive_petition(actor=clerk, organisation=tree.office, kind="complaint",
                              received_on=D(2026, 11, 10))
    services.petition_classify(actor=clerk, petition_id=letter.pk, kind="recommendation",
                               competence="here")
    case = case_open(actor=leader, organisation=tree.commune, body="executive",
                     kind="party_finance", title="Cuộc mẫu", decision_number="01-QĐ",
                     decision_date=D(2026, 10, 2), starts_on=D(2026, 10, 5),
                     ends_on=D(2026, 11, 20), team_leader=leader,
                     subject_organisation=tree.branch_a)
    assert audit.verify().breaks == []

    running = letter.clocks.get(status=ClockStatus.RUNNING)
    DeadlineClock.objects.filter(pk=running.pk).update(kind="denunciation")
    case_clock = DeadlineClock.objects.filter(inspection=case).first()
    DeadlineClock.objects.filter(pk=case_clock.pk).update(kind="feedback")

    found = {(b.kind, b.case_kind, b.case_id, b.event_type, b.case_status, b.event_status)
             for b in audit.verify().breaks}
    assert found == {
        (audit.KEPT_COPY, "petition", letter.pk, f"clock:{running.pk}", "denunciation",
         "recommendation"),
        (audit.KEPT_COPY, "inspection", case.pk, f"clock:{case_clock.pk}", "feedback", ""),
    }
    assert [b.case_id for b in audit.verify(case_id=letter.pk).breaks] == [letter.pk]
    out = StringIO()
    with pytest.raises(CommandError, match="phát hiện 2 sai lệch"):
        call_command("verify_audit", stdout=out)
    assert (f"thời hạn #{running.pk} giữ loại “Tố cáo” nhưng đơn là “Kiến nghị”"
            in out.getvalue())
    assert (f"thời hạn #{case_clock.pk} giữ loại “Phản ánh” nhưng thời hạn của cuộc kiểm "
            "tra, giám sát không mang loại đơn" in out.getvalue())

"""The moments a letter keeps from its log for the figures (Petition.log_moments, written by
the transition engine's `write_event`): the first moment of each counted step and the last
recording of its kind, by the events' own dates, whatever order the events are written in.

The services cannot write a step twice (the FSM) nor an event dated before the letter's
previous one (transitions.check_moment); these tests write through the engine's own writer,
as a repaired or re-transcribed history would, to hold the rule itself: "first" and "last"
are by date, not by the order of writing."""
import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from casework.models import EventType, Petition
from casework.selectors.figures import letter_figures
from casework.services import petitions as services
from casework.services.transitions import lock, write_event
from tests.factories import receive_petition, user_with_role

pytestmark = pytest.mark.django_db
D = datetime.date


def at(day, hour=9):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 30)))


def write(actor, letter, event_type, moment, **details):
    with transaction.atomic():
        record = lock(services.LETTER, letter.pk)
        write_event(services.LETTER, record, event_type=event_type, actor=actor,
                    from_status=record.status, details=details, at=moment)


def transferred_letter(tree):
    actor = user_with_role("ubkt", tree.commune, username="uv")
    letter = receive_petition(actor=actor, organisation=tree.office, kind="recommendation",
                              received_on=D(2025, 3, 1), at=at(D(2025, 3, 1)))
    services.petition_classify(actor=actor, petition_id=letter.pk, kind="complaint",
                               competence="other", at=at(D(2025, 3, 2)))
    services.petition_transfer(actor=actor, petition_id=letter.pk, recipient="UBND xã",
                               doc_number="01", doc_date=D(2025, 3, 20), at=at(D(2025, 3, 20)))
    return actor, Petition.objects.get(pk=letter.pk)


def test_a_transfer_dated_before_the_logged_one_moves_the_first_moment(tree):
    actor, letter = transferred_letter(tree)
    assert letter.transferred_at == at(D(2025, 3, 20))
    assert letter.kind_recorded_at == at(D(2025, 3, 2))
    assert letter.guided_at is None and letter.accepted_at is None
    march_10 = {"organisation": tree.commune, "start": D(2025, 3, 10), "end": D(2025, 3, 10)}
    assert letter_figures(**march_10)["transferred"] == 0

    write(actor, letter, EventType.TRANSFERRED, at(D(2025, 3, 10)), recipient="UBND xã")
    letter.refresh_from_db()
    assert letter.transferred_at == at(D(2025, 3, 10))
    assert letter_figures(**march_10)["transferred"] == 1
    # One dated later than the first leaves it where it is.
    write(actor, letter, EventType.TRANSFERRED, at(D(2025, 4, 1)), recipient="UBND xã")
    letter.refresh_from_db()
    assert letter.transferred_at == at(D(2025, 3, 10))
    assert letter_figures(organisation=tree.commune, start=D(2025, 4, 1),
                          end=D(2025, 4, 1))["transferred"] == 0


def test_the_kind_recorded_last_by_date_is_the_one_kept(tree):
    actor, letter = transferred_letter(tree)
    # A kind recorded with an earlier date does not move the moment of the last recording…
    write(actor, letter, EventType.CLASSIFIED, at(D(2025, 3, 1), 12), kind="denunciation")
    letter.refresh_from_db()
    assert letter.kind_recorded_at == at(D(2025, 3, 2))
    # …one with a later date does.
    write(actor, letter, EventType.CLASSIFIED, at(D(2025, 5, 1)), kind="complaint")
    letter.refresh_from_db()
    assert letter.kind_recorded_at == at(D(2025, 5, 1))


def test_a_letter_classified_after_the_period_counts_under_its_kind_then(tree):
    """The kind at the period's end is read from the events for a letter whose kind was
    recorded after it, from the letter otherwise."""
    actor = user_with_role("ubkt", tree.commune, username="uv")
    late = receive_petition(actor=actor, organisation=tree.office, kind="recommendation",
                            received_on=D(2025, 3, 30), at=at(D(2025, 3, 30)))
    early = receive_petition(actor=actor, organisation=tree.office, kind="recommendation",
                             received_on=D(2025, 3, 2), at=at(D(2025, 3, 2)))
    services.petition_classify(actor=actor, petition_id=early.pk, kind="denunciation",
                               competence="here", at=at(D(2025, 3, 3)))
    services.petition_classify(actor=actor, petition_id=late.pk, kind="complaint",
                               competence="here", at=at(D(2025, 4, 2)))
    march = letter_figures(organisation=tree.commune, start=D(2025, 3, 1),
                           end=D(2025, 3, 31), open_by_kind=True)
    assert march["received_by_kind"] == {"denunciation": 1, "complaint": 0,
                                         "recommendation": 1, "feedback": 0}
    assert march["open_at_end_by_kind"] == march["received_by_kind"]
    year = letter_figures(organisation=tree.commune, start=D(2025, 1, 1),
                          end=D(2025, 12, 31), open_by_kind=True)
    assert year["received_by_kind"] == {"denunciation": 1, "complaint": 1,
                                        "recommendation": 0, "feedback": 0}

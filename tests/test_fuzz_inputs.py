"""Property-based tests (hypothesis) over the pages that take dates, counts and text: the
due-date calculator, intake and every transition form of a letter. Whatever is typed, the
answer is a page or a message (200, a redirect, 400/403/404), never a 500, and each request
costs bounded time and memory; the shared working-day calendar keeps its fixed span.

Examples share one database transaction per test (hypothesis runs them inside one pytest
test), which is why the function-scoped-fixture health check is silenced; each transition
example starts from a fresh letter of its own.
"""
import datetime
import time
import tracemalloc

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from casework.forms import TRANSITION_FORMS
from casework.models import (
    Channel,
    Competence,
    FiledReason,
    PetitionKind,
    PetitionStatus,
    SenderType,
)
from casework.services.petitions import petition_classify, petition_transfer
from tests.factories import receive_petition, user_with_role
from workflows.calendar import calendar_window, get_calendar, invalidate_calendar

pytestmark = pytest.mark.django_db

ALLOWED = {200, 302, 400, 403, 404}
# Per request; generous because the test machine is shared. The probe's requests took
# minutes (or never ended) before the bounds.
MAX_SECONDS = 5.0
# The peak of Python memory during one request (the calendar is built before). Measured per
# request, not over the run: hypothesis itself builds a large table of Unicode characters
# the first time it runs on a machine.
MAX_PEAK_BYTES = 64 * 1024 * 1024

# derandomize: the same examples on every run, so a failure is reproducible and the suite's
# time is stable; database=None: nothing written to .hypothesis/ in the project folder.
FUZZ = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.data_too_large])

# Text as a browser can send it: any character but lone surrogates (not encodable in UTF-8).
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=400)
ANY_DATE = st.dates(min_value=datetime.date.min, max_value=datetime.date.max)
DATE_TEXT = st.one_of(
    ANY_DATE.map(lambda d: f"{d.day:02d}/{d.month:02d}/{d.year:04d}"),
    ANY_DATE.map(lambda d: f"{d.year:04d}-{d.month:02d}-{d.day:02d}"),
    st.from_regex(r"\A[0-9]{1,3}/[0-9]{1,3}/[0-9]{1,7}\Z"),
    st.sampled_from(["", "31/12/9999", "01/01/0001", "29/02/2025", "00/00/0000", "1/1/1"]),
    TEXT,
)
NUMBER_TEXT = st.one_of(st.integers(-10 ** 30, 10 ** 30).map(str),
                        st.sampled_from(["", "0", "1", "3650", "3651", "1e9", " 7 ", "-0"]),
                        TEXT)


def choice_text(choices):
    return st.one_of(st.sampled_from([v for v, _label in choices] + [""]), TEXT)


@pytest.fixture
def calendar_built(db):
    """The shared calendar, built once before measuring, so that its one-off build is not
    counted as a request's cost and its span can be compared after the run."""
    invalidate_calendar()
    cal = get_calendar()
    assert cal.span == calendar_window()
    return cal


@pytest.fixture
def viewer(tree):
    """The read-only role is enough to reach the calculator: the probe used it."""
    return user_with_role("viewer", tree.commune, username="xem")


@pytest.fixture
def measured(calendar_built):
    tracemalloc.start()
    try:
        yield
    finally:
        tracemalloc.stop()
    assert get_calendar().span == calendar_window()


def timed(call, *args, **kwargs):
    """One request: its status, its time and (while tracing) its peak memory."""
    tracemalloc.reset_peak()
    before = tracemalloc.get_traced_memory()[0]
    began = time.perf_counter()
    response = call(*args, **kwargs)
    spent = time.perf_counter() - began
    peak = tracemalloc.get_traced_memory()[1] - before
    assert spent < MAX_SECONDS, f"{spent:.1f} s"
    assert peak < MAX_PEAK_BYTES, f"peak {peak / 2 ** 20:.1f} MiB"
    assert response.status_code in ALLOWED, response.status_code
    return response


# --------------------------------------------------------------------- the calculator

@FUZZ
@given(params=st.fixed_dictionaries({}, optional={
    "ngay-phat-sinh": DATE_TEXT, "so-ngay": NUMBER_TEXT,
    "cach-tinh": st.one_of(st.sampled_from(["working", "calendar", "month"]), TEXT)}))
def test_the_due_date_page_answers_whatever_is_typed(client, viewer, measured, params):
    client.force_login(viewer)
    note(repr(params))
    timed(client.get, reverse("workflows:due-date"), params)


# --------------------------------------------------------------------- intake

@settings(FUZZ, max_examples=40)
@given(data=st.fixed_dictionaries({
    "received_on": DATE_TEXT, "channel": choice_text(Channel.choices),
    "kind": choice_text(PetitionKind.choices), "sender_type": choice_text(SenderType.choices),
    "summary": TEXT, "forwarded_by": TEXT, "subject_name": TEXT,
    "subject_member": st.one_of(st.just(""), NUMBER_TEXT),
    "senders-TOTAL_FORMS": st.sampled_from(["3", "0", "1", "20", "1000", "x"]),
    "senders-0-full_name": TEXT, "senders-0-address": TEXT, "senders-0-phone": TEXT,
    "senders-0-id_number": TEXT,
    "confirm_duplicate": st.sampled_from(["", "on"]),
}))
def test_intake_answers_whatever_is_typed(client, tree, admin_user, measured, data):
    client.force_login(admin_user)
    data = {"organisation": tree.office.pk, "senders-INITIAL_FORMS": "0",
            "senders-MIN_NUM_FORMS": "0", "senders-MAX_NUM_FORMS": "20", **data}
    note(repr(data))
    timed(client.post, reverse("casework:petition-create"), data)


def test_a_posted_sender_count_does_not_make_the_page_build_a_thousand_rows(
        client, tree, admin_user):
    """Found by the intake property: TOTAL_FORMS=1000 rendered 1000 rows of senders."""
    client.force_login(admin_user)
    response = client.post(reverse("casework:petition-create"), {
        "organisation": tree.office.pk, "received_on": "", "sender_type": "named",
        "senders-TOTAL_FORMS": "1000", "senders-INITIAL_FORMS": "0",
        "senders-MIN_NUM_FORMS": "0", "senders-MAX_NUM_FORMS": "20"})
    assert response.status_code == 200
    assert len(response.context["senders"].forms) <= 20
    assert response.content.decode().count('name="senders-') <= 20 * 4 + 4


# --------------------------------------------------------------------- every transition form

RECEIVED_ON = datetime.date(2025, 9, 3)


def letter_ready_for(action, actor, tree):
    """A fresh letter in a state from which `action` may be taken."""
    letter = receive_petition(actor=actor, organisation=tree.office, received_on=RECEIVED_ON)
    if action in ("classify", "withdraw"):
        return letter
    competence = Competence.HERE if action == "accept" else Competence.OTHER
    petition_classify(actor=actor, petition_id=letter.pk, kind=PetitionKind.RECOMMENDATION,
                      competence=competence)
    if action in ("follow_up", "resolve"):
        petition_transfer(actor=actor, petition_id=letter.pk, recipient="UBND xã",
                          doc_number="01/CV", doc_date=RECEIVED_ON)
    letter.refresh_from_db()
    return letter


FIELD_VALUES = {
    "kind": choice_text(PetitionKind.choices),
    "competence": choice_text(Competence.choices),
    "filed_reason": choice_text(FiledReason.choices),
    "expected_status": choice_text(PetitionStatus.choices),
    "doc_date": DATE_TEXT,
}


def form_data(action):
    fields = TRANSITION_FORMS[action].base_fields
    return st.fixed_dictionaries({name: FIELD_VALUES.get(name, TEXT) for name in fields})


@pytest.mark.parametrize("action", list(TRANSITION_FORMS))
def test_every_transition_form_answers_whatever_is_typed(client, tree, admin_user, action,
                                                         calendar_built):
    client.force_login(admin_user)

    @settings(FUZZ, max_examples=25)
    @given(data=form_data(action), keep_status=st.booleans())
    def post(data, keep_status):
        letter = letter_ready_for(action, admin_user, tree)
        if keep_status:  # half the time the form is for the letter's real state
            data = {**data, "expected_status": letter.status}
        note(repr(data))
        timed(client.post, reverse("casework:petition-transition", args=[letter.pk, action]),
              data)

    tracemalloc.start()
    try:
        post()
    finally:
        tracemalloc.stop()
    assert get_calendar().span == calendar_window()


# --------------------------------------------------------------------- the status lookup

LONG = st.integers(1, 20).map(lambda n: "9/2026/VPĐU" * n * 50)


@FUZZ
@given(number=st.one_of(TEXT, LONG, st.sampled_from(
           ["", "\x00", "001/2026/VPĐU\x00", "1/2026/vpdu", "001/9999999/VPĐU",
            "99999999999/2026/VPĐU", "001/2026/" + "Đ" * 30, "1/0/x"])),
       code=st.one_of(TEXT, LONG, st.sampled_from(
           ["", "\x00" * 8, "ABCD-EFGH", "abcd efgh", "ABCDEFG\x00", "ĐĐĐĐĐĐĐĐ",
            "ＡＢＣＤＥＦＧＨ"])))
def test_the_status_lookup_answers_whatever_is_typed(client, tree, measured, settings,
                                                     number, code):
    """No login; the limits out of the way, so that every example is looked up."""
    settings.LOOKUP_LIMIT_PER_CLIENT = settings.LOOKUP_LIMIT_PER_NUMBER = 10 ** 6
    note(repr((number, code)))
    timed(client.post, reverse("casework:status-lookup"),
          {"so_bien_nhan": number, "ma_tra_cuu": code})

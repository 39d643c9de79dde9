"""The transition engine (casework.services.transitions), for letters and cases alike: the
same refusals in the same words, and a refusal writes nothing.

Each test runs the first step of a letter (phân loại) and of a case (công bố quyết định)
through their services, which both go through the one engine."""
import datetime
import threading
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casework.errors import ActionRefused
from casework.services import inspections, petitions
from casework.services.inspections import CASE
from casework.services.petitions import LETTER
from notifications.models import Notice
from tests.factories import MemberFactory, receive_petition, user_with_role

pytestmark = pytest.mark.django_db
BEGAN = datetime.date(2026, 3, 2)  # the letter's receipt and the case's decision


def moment(day, hour):
    return timezone.make_aware(datetime.datetime(2026, 3, day, hour, 0))


def new_letter(tree, actor, at=None):
    return receive_petition(actor=actor, organisation=tree.ubkt, received_on=BEGAN, at=at)


def new_case(tree, actor, at=None):
    return inspections.case_open(
        actor=actor, organisation=tree.ubkt, body="ubkt", kind="violation_signs",
        title="Kiểm tra khi có dấu hiệu vi phạm", decision_number="05-QĐ/UBKT",
        decision_date=BEGAN, starts_on=BEGAN, ends_on=datetime.date(2026, 5, 5),
        team_leader=actor, subject_member=MemberFactory(organisation=tree.branch_a), at=at)


def classify(actor, pk, **kwargs):
    return petitions.petition_classify(actor=actor, petition_id=pk, kind="complaint",
                                       competence="other", **kwargs)


def announce(actor, pk, **kwargs):
    return inspections.case_step(actor=actor, case_id=pk, action="announce", **kwargs)


# kind → (its engine declaration, how to make one, its first step, the state it starts in)
KINDS = {"letter": (LETTER, new_letter, classify, "received"),
         "case": (CASE, new_case, announce, "decided")}


@pytest.fixture
def ubkt(tree):
    """A UBKT member: may classify the UBKT's letters and decide its cases."""
    return user_with_role("ubkt", tree.ubkt, username="uv-ubkt")


def unchanged(record, status, events):
    """The refusal wrote nothing: same status, same events, no notice."""
    record = type(record).objects.get(pk=record.pk)
    return (record.status == status and record.events.count() == events
            and not Notice.objects.filter(event__in=record.events.all()).exists())


def as_case(letter_message):
    """A letter's message worded for a case: the nouns are the only difference."""
    for noun in ("this", "start_label"):
        letter_message = letter_message.replace(str(getattr(LETTER, noun)),
                                                str(getattr(CASE, noun)))
    return letter_message


def test_a_backdated_moment_is_refused_on_a_case_as_on_a_letter(tree, ubkt):
    """Transcribing a paper history (`at=`) cannot put a step in the future, before the
    record began or before its previous event: refused with the same message for a case as
    for a letter, and nothing is written."""
    bad_moments = [moment(5, 8), timezone.now() + datetime.timedelta(days=1), moment(1, 9)]
    messages = {}
    for kind, (_, make, first_step, status) in KINDS.items():
        record = make(tree, ubkt, at=moment(5, 9))
        messages[kind] = []
        for at in bad_moments:
            with pytest.raises(ValidationError) as refused:
                first_step(ubkt, record.pk, at=at)
            assert list(refused.value.message_dict) == ["at"], kind
            messages[kind].append(refused.value.message_dict["at"][0])
        assert unchanged(record, status, events=1), kind
    assert messages["letter"] == [
        ("Thời điểm ghi nhận (08:00 05/03/2026) không được trước sự kiện trước đó của đơn "
         "này (09:00 05/03/2026)."),
        "Thời điểm ghi nhận không được sau thời điểm hiện tại.",
        "Thời điểm ghi nhận (09:00 01/03/2026) không được trước ngày nhận đơn (02/03/2026)."]
    assert messages["case"] == [as_case(m) for m in messages["letter"]]
    assert "của cuộc kiểm tra, giám sát này" in messages["case"][0]
    assert "trước ngày quyết định (02/03/2026)" in messages["case"][2]


@pytest.mark.parametrize("kind", KINDS)
def test_a_backdated_moment_in_order_is_taken(kind, tree, ubkt):
    _, make, first_step, _ = KINDS[kind]
    record = make(tree, ubkt, at=moment(5, 9))
    first_step(ubkt, record.pk, at=moment(6, 9))
    event = type(record).objects.get(pk=record.pk).events.last()
    assert event.occurred_at == moment(6, 9) and event.is_backfilled


@pytest.mark.parametrize("kind", KINDS)
def test_a_stale_form_is_refused_and_writes_nothing(kind, tree, ubkt):
    declared, make, first_step, status = KINDS[kind]
    record = make(tree, ubkt)
    first_step(ubkt, record.pk, expected_status=status)
    moved = type(record).objects.get(pk=record.pk).status
    with pytest.raises(ActionRefused) as refused:
        first_step(ubkt, record.pk, expected_status=status)
    message = refused.value.message
    name = declared.name(record)
    assert message.startswith(name[:1].upper() + name[1:] + " vừa được người khác cập nhật, "
                              "nay ở trạng thái “"), message
    assert "của bạn chưa được ghi; đề nghị xem lại " + str(declared.this) in message
    assert unchanged(record, moved, events=2)


@pytest.mark.parametrize("kind", KINDS)
def test_no_standing_and_no_role_are_refused_and_write_nothing(kind, tree, ubkt):
    """Someone with no role over the record learns nothing of it, not even its state;
    someone who sees it but may not take the step is told so."""
    declared, make, first_step, status = KINDS[kind]
    record = make(tree, ubkt)
    outsider = user_with_role("ubkt", tree.branch_b, username="ngoai")
    viewer = user_with_role("viewer", tree.commune, username="xem")
    with pytest.raises(ActionRefused) as refused:
        first_step(outsider, record.pk, expected_status="archived")
    assert refused.value.message == f"Bạn không có quyền xử lý {declared.this}."
    with pytest.raises(ActionRefused) as refused:
        first_step(viewer, record.pk)
    label = str(declared.labels["classify" if kind == "letter" else "announce"]).lower()
    assert refused.value.message == (f"Vai trò của bạn không được phép “{label}” đối với "
                                     f"{declared.this}.")
    assert unchanged(record, status, events=1)


def test_the_email_is_queued_only_when_the_step_commits(tree, ubkt,
                                                        django_capture_on_commit_callbacks):
    """The event is announced inside its transaction; what leaves the database (asking a
    worker to send the e-mail notice) waits for the commit: a step rolled back or refused
    queues nothing."""
    clerk = user_with_role("clerk", tree.ubkt, username="vt", email="vt@example.org")
    letter = new_letter(tree, clerk)
    with mock.patch("notifications.tasks.dispatch_pending.apply_async") as delay:
        with django_capture_on_commit_callbacks(execute=True):
            with transaction.atomic():
                classify(ubkt, letter.pk)
                assert Notice.objects.filter(petition=letter, channel="email").exists()
                transaction.set_rollback(True)
            with pytest.raises(ActionRefused):
                classify(ubkt, letter.pk, expected_status="classified")
        assert delay.call_count == 0
        assert unchanged(letter, "received", events=1)
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            classify(ubkt, letter.pk)
            assert delay.call_count == 0  # not before the commit
        assert len(callbacks) == 1 and delay.call_count == 1


@pytest.mark.postgres
@pytest.mark.parametrize("kind", KINDS)
def test_the_row_is_locked_before_it_is_read(kind, tree, ubkt):
    """The engine reads the record with SELECT … FOR UPDATE, so a second user acting at the
    same moment waits for the first and then sees the new state."""
    _, make, first_step, _ = KINDS[kind]
    record = make(tree, ubkt)
    table = type(record)._meta.db_table
    with CaptureQueriesContext(connection) as queries:
        first_step(ubkt, record.pk)
    reads = [q["sql"] for q in queries if f'FROM "{table}"' in q["sql"]]
    assert reads and reads[0].rstrip().endswith(f'FOR UPDATE OF "{table}"'), reads[:1]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", KINDS)
def test_two_users_take_the_same_step_at_once(kind, tree):
    """Two people submit the same step on one record at the same moment: one wins, the
    other is refused as stale, and the history holds one step."""
    _, make, first_step, status = KINDS[kind]
    first = user_with_role("ubkt", tree.ubkt, username="mot")
    second = user_with_role("ubkt", tree.ubkt, username="hai")
    record = make(tree, first)
    barrier, outcomes = threading.Barrier(2), {}

    def act(user):
        try:
            barrier.wait()
            first_step(user, record.pk, expected_status=status)
            outcomes[user.username] = "ok"
        except ActionRefused as exc:
            outcomes[user.username] = exc.message
        finally:
            connections.close_all()

    threads = [threading.Thread(target=act, args=(user,)) for user in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(o == "ok" for o in outcomes.values()) == [False, True], outcomes
    assert "vừa được người khác cập nhật" in next(o for o in outcomes.values() if o != "ok")
    record = type(record).objects.get(pk=record.pk)
    assert record.status != status and record.events.count() == 2

"""Step order written once (issue 11, item 2). `CASE_STEPS` builds the case FSM, the
viewflow flows (and so their chart), the next step of a case and the demo's histories; a
letter's next step is one table that both the SQL filter and the per-letter answer of
"Việc của tôi" read. The expectations below are typed out again, as the hand-written copies
had them, so that deriving changed nothing."""
import re
from pathlib import Path

import pytest

from casework.case_steps import next_action, steps_to
from casework.models import CaseStatus as S
from casework.models import Competence, InspectionCase, Petition
from casework.models import PetitionStatus as P
from tests.factories import UserFactory, receive_petition
from workflows.flows import InspectionFlow, SupervisionFlow
from workflows.my_work import letters_to_act_on
from workflows.my_work import next_action as letter_next_action

ROOT = Path(__file__).resolve().parents[2]

# The FSM as casework/models/inspections.py wrote it by hand: action → (sources, target).
FSM = {
    "announce": ({S.DECIDED}, S.ANNOUNCED), "explain": ({S.ANNOUNCED}, S.EXPLAINED),
    "verify": ({S.EXPLAINED}, S.VERIFIED), "review": ({S.EXPLAINED}, S.REVIEWED),
    "report": ({S.VERIFIED}, S.REPORTED), "meet": ({S.REPORTED}, S.MET),
    "conclude": ({S.MET}, S.CONCLUDED), "notify": ({S.CONCLUDED, S.REVIEWED}, S.NOTIFIED),
    "open_discipline": ({S.NOTIFIED}, S.DISCIPLINE),
    "discipline": ({S.DISCIPLINE}, S.REMEDIATION), "remediate": ({S.NOTIFIED}, S.REMEDIATION),
    "archive": ({S.REMEDIATION, S.NOTIFIED}, S.ARCHIVED),
}
# workflows/case_processes.py's _NEXT (and next_action's branch at "notified").
NEXT = {
    "inspection": {
        S.DECIDED: "announce", S.ANNOUNCED: "explain", S.EXPLAINED: "verify",
        S.VERIFIED: "report", S.REPORTED: "meet", S.MET: "conclude", S.CONCLUDED: "notify",
        S.DISCIPLINE: "discipline", S.REMEDIATION: "archive", S.ARCHIVED: None},
    "supervision": {
        S.DECIDED: "announce", S.ANNOUNCED: "explain", S.EXPLAINED: "review",
        S.REVIEWED: "notify", S.NOTIFIED: "remediate", S.REMEDIATION: "archive",
        S.ARCHIVED: None},
}
# workflows/flows.py as written by hand: (from, to, edge label).
INSPECTION_EDGES = {
    ("start", "announce", None), ("announce", "explain", None), ("explain", "verify", None),
    ("verify", "report", None), ("report", "meet", None), ("meet", "conclude", None),
    ("conclude", "notify", None), ("notify", "violation", None),
    ("violation", "open_discipline", "yes"), ("violation", "remediate", "no"),
    ("open_discipline", "discipline", None), ("discipline", "archive", None),
    ("remediate", "archive", None), ("archive", "end", None),
}
SUPERVISION_EDGES = {
    ("start", "announce", None), ("announce", "explain", None), ("explain", "review", None),
    ("review", "notify", None), ("notify", "remediate", None), ("remediate", "archive", None),
    ("archive", "end", None),
}
TEAM_STEPS = {"announce", "explain", "verify", "review", "report", "meet", "remediate"}


def test_the_fsm_built_from_the_table_is_the_one_written_by_hand():
    field = InspectionCase._meta.get_field("status")
    got = {}
    for t in field.get_all_transitions(InspectionCase):
        sources, _ = got.setdefault(t.name, (set(), t.target))
        sources.add(t.source)
    assert got == FSM


@pytest.mark.parametrize("kind,procedure", [("violation_signs", "inspection"),
                                            ("thematic_supervision", "supervision")])
def test_each_procedure_allows_its_own_steps_only(kind, procedure):
    from django_fsm import can_proceed

    for action in ("verify", "review"):
        case = InspectionCase(kind=kind, status=S.EXPLAINED)
        allowed = can_proceed(getattr(case, action))
        assert allowed == (action == {"inspection": "verify", "supervision": "review"}[procedure])


def test_the_next_step_is_the_one_written_by_hand():
    for procedure, kind in [("inspection", "violation_signs"),
                            ("supervision", "thematic_supervision")]:
        for status, action in NEXT[procedure].items():
            assert next_action(InspectionCase(kind=kind, status=status)) == action, status
    notified = InspectionCase(kind="violation_signs", status=S.NOTIFIED)
    for found, action in [(True, "open_discipline"), (False, "remediate"), (None, "remediate")]:
        notified.violation_found = found
        assert next_action(notified) == action


def _edges(flow_class):
    return {(e.src.name, e.dst.name, e.label) for node in flow_class.instance.nodes()
            for e in node._outgoing()}


def test_the_flows_built_from_the_table_are_the_ones_written_by_hand():
    assert _edges(InspectionFlow) == INSPECTION_EDGES
    assert _edges(SupervisionFlow) == SUPERVISION_EDGES
    for flow_class in (InspectionFlow, SupervisionFlow):
        for node in flow_class.instance.nodes():
            if hasattr(node, "action"):
                assert node.is_team_step == (node.action in TEAM_STEPS)
                # Field work is assigned to the team leader when the task is created.
                assert (node._owner is not None) == node.is_team_step
    assert str(InspectionFlow) == "workflows/flows.InspectionFlow"  # stored processes find it


def test_the_demo_histories_follow_the_table():
    assert steps_to("inspection", S.ARCHIVED, remediation=False) == [
        "announce", "explain", "verify", "report", "meet", "conclude", "notify", "archive"]
    assert steps_to("supervision", S.REMEDIATION) == [
        "announce", "explain", "review", "notify", "remediate"]
    assert steps_to("inspection", S.DISCIPLINE, violation_found=True)[-2:] == [
        "notify", "open_discipline"]


def test_no_other_module_writes_the_step_order():
    """The first two steps written in order anywhere but the table (as a list, as a
    status → next step map, or as a chain of flow nodes) is a second copy of the order."""
    pattern = re.compile(r"""[\[(]\s*["']announce["']\s*,\s*["']explain["']"""
                         r"""|DECIDED\s*:\s*["']announce["']"""
                         r"""|announce\S*\.Next\(this\.explain\)""")
    table = ROOT / "casework/models/inspections.py"
    found = [str(path.relative_to(ROOT)) for base in ("casework", "workflows", "notifications")
             for path in (ROOT / base).rglob("*.py")
             if path != table and "migrations" not in path.parts
             and pattern.search(path.read_text(encoding="utf-8"))]
    assert found == []


@pytest.mark.django_db
def test_a_letters_next_step_is_the_same_in_sql_and_in_python(tree, clerk):
    """Every status and competence: the SQL filter lists a letter exactly when the
    per-letter answer names a step, and that step is the one written by hand."""
    def expected(status, competence):
        if status == P.CLASSIFIED:
            return {Competence.OTHER: "transfer", Competence.NONE: "guide"}.get(competence,
                                                                               "accept")
        return {P.RECEIVED: "classify", P.ACCEPTED: "resolve",
                P.TRANSFERRED: "follow_up"}.get(status)

    made = {}
    for status in P:
        for competence in ["", *Competence]:
            letter = receive_petition(actor=clerk, organisation=tree.office)
            Petition.objects.filter(pk=letter.pk).update(status=status, competence=competence)
            made[letter.pk] = (status, competence)
    listed = set(letters_to_act_on(UserFactory(is_superuser=True)).values_list("pk", flat=True))
    for letter in Petition.objects.filter(pk__in=made):
        action = letter_next_action(letter)
        assert (letter.pk in listed) == (action is not None), made[letter.pk]
        assert action == expected(*made[letter.pk]), made[letter.pk]

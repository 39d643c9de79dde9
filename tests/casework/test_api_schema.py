"""The API against its own OpenAPI schema (drf-spectacular), with schemathesis: for a
clerk's key and a read-only viewer's key, every operation is called with generated data
(paths pointing at real letters and documents most of the time) through the WSGI app, and

- no answer is a server error;
- every answer is one the schema declares: status code, content type, body;
- a write the matrix in docs/permissions.md denies the role is refused (403): every write
  for the viewer, the steps the clerk may not take for the clerk.

Bounded: a few examples per operation, derandomized, no deadline (SQLite or PostgreSQL)."""
import datetime
import json
from collections import Counter

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from casework.models import CaseEvent, InspectionCase, Petition, RoleAssignment
from casework.services.api_tokens import api_token_create
from casework.services.documents import document_for_event
from casework.services.petitions import (
    SenderData,
    petition_classify,
    petition_receive,
)
from tests.casework.test_inspections import open_case
from tests.factories import UserFactory
from tests.test_access_matrix import load_matrix

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def openapi_dict():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(schema))


@pytest.fixture
def wsgi_app():
    """Django's WSGI app inside the test's transaction: like Django's test client, the
    request signals must not close the connection that holds it."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def api_world(tree, django_capture_on_commit_callbacks):
    boss = UserFactory(username="quantri", is_superuser=True, is_staff=True)
    users = {}
    for role in ("clerk", "viewer"):
        user = UserFactory(username=f"api-{role}")
        RoleAssignment.objects.create(user=user, organisation=tree.commune, role=role,
                                      identity_clearance=role == "clerk")
        users[role] = user
    letters = []
    with django_capture_on_commit_callbacks(execute=True):
        for i, kind in enumerate(["denunciation", "complaint", "recommendation"]):
            letter = petition_receive(
                actor=boss, organisation=tree.office, received_on=datetime.date(2026, 9, 1),
                channel="post", kind=kind,
                senders=[SenderData(full_name=f"Người Gửi {i}", address="Thôn Lại")],
                summary="Nội dung đơn.")
            letters.append(letter)
        petition_classify(actor=boss, petition_id=letters[1].pk, kind="complaint",
                          competence="other")
        document = document_for_event(
            actor=users["clerk"], event_id=letters[0].events.get(event_type="received").pk)
        case = open_case(tree, boss)
    keys = {role: api_token_create(actor=boss, user=user, name=role)[1]
            for role, user in users.items()}
    return {"keys": keys, "letters": [p.pk for p in letters], "documents": [document.pk],
            "cases": [case.pk], "seen": Counter()}


@pytest.fixture
def api_schema(wsgi_app):
    schema = schemathesis.openapi.from_dict(openapi_dict())
    schema.app = wsgi_app
    return schema


def _aim(case, world):
    """Point most generated ids at real rows, so the checks see answers other than 404."""
    for name in ("id", "petition_pk", "case_pk"):
        ident = case.path_parameters.get(name) if case.path_parameters else None
        if not isinstance(ident, int) or ident < 0 or ident % 5 == 4:
            continue  # a fifth, and anything odd, stays as generated: mostly 404
        if name == "case_pk":
            rows = world["cases"]
        elif name == "id" and case.path.startswith("/api/van-ban/"):
            rows = world["documents"]
        else:
            rows = world["letters"]
        case.path_parameters[name] = rows[ident % len(rows)]


def _denied(role, case, world):
    """The matrix's answer for a write of a step on a letter the role can see."""
    if case.method.upper() not in WRITES:
        return False
    if role == "viewer":
        return True
    action = (case.path_parameters or {}).get("action")
    matrix, _routes = load_matrix()
    return action in matrix and not matrix[action][role].startswith("✓")


def run(case, world, role, aim=True):
    if aim:
        _aim(case, world)
    headers = {"Authorization": f"Bearer {world['keys'][role]}"}
    response = case.call(headers=headers)
    case.validate_response(response, checks=CHECKS, headers=headers)
    world["seen"][case.method.upper(), response.status_code] += 1
    ident = (case.path_parameters or {}).get("id")
    if _denied(role, case, world) and ident in world["letters"] and (
            case.path_parameters.get("action") in _actions()):
        assert response.status_code == 403, (role, case.method, case.formatted_path,
                                              response.status_code, response.text[:300])
    return response


def _actions():
    from casework.forms import TRANSITION_FORMS

    return set(TRANSITION_FORMS)


BOUNDS = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))


def operations(schema):
    found = [result.ok() for result in schema.get_all_operations()]
    assert len(found) >= 8
    return found


def walk(schema, world, role, after=None):
    """Each operation, with data that fits the schema and data that does not."""
    for operation in operations(schema):
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @BOUNDS
            @given(case=operation.as_strategy(generation_mode=mode))
            def check(case):
                run(case, world, role)
                if after:
                    after(case)
            check()


def step_operation(schema):
    return next(op for op in operations(schema)
                if op.method.upper() == "POST" and op.path.endswith("/thao-tac/{action}/"))


# Steps a generator rarely hits (a form's fields must agree): taken on purpose, each
# answer checked against the schema like the generated ones.
VALID_STEPS = [
    ("clerk", 0, "classify", {"kind": "denunciation", "competence": "here",
                              "expected_status": "received"}, 200),
    ("clerk", 1, "guide", {"reason": "Gửi UBND xã", "recipient": "UBND xã"}, 200),
    ("clerk", 0, "accept", {"doc_number": "1/TB", "doc_date": "2026-09-03"}, 403),
    ("clerk", 2, "classify", {"kind": "complaint", "competence": "here",
                              "expected_status": "classified"}, 409),
    ("viewer", 2, "classify", {"kind": "complaint", "competence": "here"}, 403),
]


@pytest.mark.django_db
def test_the_clerk_gets_what_the_schema_and_the_matrix_say(api_schema, api_world):
    operation = step_operation(api_schema)
    for role, letter, action, body, status in VALID_STEPS:
        case = operation.Case(path_parameters={"id": api_world["letters"][letter],
                                               "action": action}, body=body,
                              media_type="application/json")
        assert run(case, api_world, role, aim=False).status_code == status, (role, action)
    walk(api_schema, api_world, "clerk")
    seen = api_world["seen"]
    # The walk reached real rows: answers, steps taken, and steps refused.
    assert seen["GET", 200] and seen["POST", 200] and seen["POST", 403] and seen["POST", 400]


@pytest.mark.django_db
def test_the_viewer_gets_what_the_schema_says_and_writes_nothing(api_schema, api_world):
    def state():
        return (list(Petition.objects.values_list("pk", "status").order_by("pk")),
                list(InspectionCase.objects.values_list("pk", "status").order_by("pk")),
                CaseEvent.objects.count())

    before = state()

    def unchanged(case):
        assert state() == before

    walk(api_schema, api_world, "viewer", after=unchanged)
    seen = api_world["seen"]
    assert seen["GET", 200] and seen["POST", 403]
    assert not any(status < 300 for (method, status) in seen if method in WRITES)


def test_the_schema_is_generated_without_a_warning(tmp_path):
    """A warning (two components of one name, a field of unknown type) means a part of the
    schema is guessed, and the conformance checks above would check against a guess."""
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn",
                 "--file", str(tmp_path / "schema.yaml"))

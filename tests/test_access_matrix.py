"""Every URL × every role, against the documented matrix in docs/permissions.md.

The URL list comes from the URL conf itself, so a new page, API endpoint or admin screen
cannot be added without a row in the document (the walk fails on an address it cannot
map). For each role one client walks every address; the answer must be "allowed"
(200, or a redirect that is not to a login page) or "denied" (403/404, or a redirect to a
login page) exactly as the matrix says.

The same walk checks confidentiality: for every role not cleared to see a denouncer, no
response body (pages, API JSON, the unzipped XLSX export and DOCX documents, admin pages)
contains the denouncer's name, address or ID number.
"""
import datetime
import html
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from casework.forms import TRANSITION_FORMS
from casework.models import ExportJob, ImportJob, Petition, RoleAssignment
from casework.services.documents import document_for_event
from casework.services.export_jobs import export_run
from casework.services.petitions import (
    SenderData,
    petition_accept,
    petition_classify,
    petition_receive,
    petition_resolve,
    petition_transfer,
)
from notifications.models import Notice
from tests.factories import UserFactory
from workflows.health import record_heartbeat
from workflows.models import DeadlineClock
from workflows.services.clocks import clock_pause

DOC = Path(settings.BASE_DIR) / "docs" / "permissions.md"
ROLES = ["clerk", "ubkt", "branch_secretary", "leader", "viewer", "admin", "khách"]
CLEARED = {"clerk", "ubkt", "leader"}  # as in the demo; "✓*" means "with clearance"

# The denouncer whose identity must never reach an uncleared user.
SECRET_NAME = "Hoàng Thị Bímật"
SECRET_ADDRESS = "Số 7 ngõ Kín, thôn Hòa Ché"
SECRET_ID = "034199000777"
SECRETS = [SECRET_NAME, SECRET_ADDRESS, SECRET_ID]
PDF = b"%PDF-1.4\n% " + SECRET_NAME.encode() + b"\n%%EOF\n"


# ---- the document ---------------------------------------------------------------------
def _table_after(heading, text):
    section = text.split(heading, 1)[1]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    # A table ends at the first non-table line after it starts.
    start = section.index(rows[0])
    block = section[start:].split("\n\n", 1)[0]
    rows = [line for line in block.splitlines() if line.startswith("|")]
    cells = [[c.strip().strip("`") for c in r.strip("|").split("|")] for r in rows]
    return cells[0], cells[2:]  # header, body (skipping the |---| line)


def load_matrix():
    text = DOC.read_text(encoding="utf-8")
    header, body = _table_after("## Ma trận quyền", text)
    roles = header[2:]
    assert roles == ROLES, f"cột vai trò trong {DOC.name}: {roles}"
    matrix = {row[0]: dict(zip(roles, row[2:])) for row in body}
    _, routes = _table_after("## Trang và API", text)
    return matrix, [(row[0], row[1]) for row in routes]


def permission_for(routes, key):
    """The first row whose pattern matches; only `*` is a wildcard (the brackets of
    "petition-transition[accept]" are literal)."""
    for pattern, permission in routes:
        if re.fullmatch(re.escape(pattern).replace(r"\*", ".*"), key):
            return permission
    return None


# ---- the URL conf ---------------------------------------------------------------------
def _route(pattern):
    return str(pattern.pattern).lstrip("^").rstrip("$")


def all_url_patterns():
    """(key, kwarg names, route) of every pattern, resolvers expanded. Named patterns are
    keyed by their qualified name; the admin's few unnamed ones (old-style object links,
    the catch-all) by their route, so they are walked too."""
    found = []

    def walk(patterns, namespace, prefix):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, namespace + (f"{p.namespace}:" if p.namespace else ""),
                     prefix + _route(p))
            elif isinstance(p, URLPattern):
                key = namespace + (p.name or f"(không tên) {prefix}{_route(p)}")
                found.append((key, tuple(p.pattern.regex.groupindex), prefix + _route(p)))

    walk(get_resolver().url_patterns, "", "")
    return sorted(set(found))


# ---- the world the walk runs in -------------------------------------------------------
@dataclass
class World:
    users: dict
    letters: dict  # by the action the letter is ready for
    denunciation: Petition
    attachment_id: int
    clocks: dict
    case: object = None
    case_task_id: int = 0
    document_id: int = 0  # the denunciation's receipt: a DOCX that names the denouncer
    receipt_event_id: int = 0  # a step whose document is not made yet
    notices: dict = field(default_factory=dict)
    export_jobs: dict = field(default_factory=dict)
    import_jobs: dict = field(default_factory=dict)


def _user(role, tree):
    if role == "khách":
        return None
    if role == "admin":
        return UserFactory(username="quantri", is_staff=True, is_superuser=True,
                           email="quantri@example.vn")
    user = UserFactory(username=f"u-{role}", email=f"{role}@example.vn")
    RoleAssignment.objects.create(user=user, organisation=tree.commune, role=role,
                                  identity_clearance=role in CLEARED)
    return user


def _letter(actor, office, *, kind="recommendation", senders=(), upto="received", **kwargs):
    letter = petition_receive(
        actor=actor, organisation=office, received_on=datetime.date(2026, 9, 1),
        channel="post", kind=kind, senders=list(senders),
        sender_type="named" if senders else "anonymous",
        summary=kwargs.pop("summary", "Kiến nghị sửa đường liên thôn."), **kwargs)
    if upto == "received":
        return letter
    petition_classify(actor=actor, petition_id=letter.pk, kind=kind, competence="here")
    if upto == "classified":
        return letter
    if upto == "accepted":
        petition_accept(actor=actor, petition_id=letter.pk, doc_number="01/TB",
                        doc_date=datetime.date(2026, 9, 3))
        return letter
    petition_transfer(actor=actor, petition_id=letter.pk, recipient="UBND xã",
                      doc_number="02/CV", doc_date=datetime.date(2026, 9, 3))
    return letter


@pytest.fixture
def world(tree, django_capture_on_commit_callbacks):
    users = {role: _user(role, tree) for role in ROLES}
    boss = users["admin"]
    record_heartbeat()  # a running sweep: /healthz answers 200 (503 is for a stale one)
    secret = SenderData(full_name=SECRET_NAME, address=SECRET_ADDRESS, phone="0912000777",
                        id_number=SECRET_ID)
    # The scan takes its place on disk when the letter's transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        denunciation = _letter(
            boss, tree.office, kind="denunciation", senders=[secret], upto="accepted",
            summary="Tố cáo đảng viên Trần Văn Bị vi phạm quy định về đất đai.",
            subject_name="Trần Văn Bị",
            attachments=[SimpleUploadedFile("don-to-cao.pdf", PDF,
                                            content_type="application/pdf")])
    received = _letter(boss, tree.office, senders=[SenderData(full_name="Lê Văn Công Khai")])
    classified = _letter(boss, tree.office, upto="classified")
    transferred = _letter(boss, tree.office, upto="transferred")
    resolved = _letter(boss, tree.office, upto="transferred")
    petition_resolve(actor=boss, petition_id=resolved.pk, result="Đã trả lời",
                     doc_number="03/TL", doc_date=datetime.date(2026, 9, 3))
    letters = {"classify": received, "accept": classified, "transfer": classified,
               "guide": classified, "file": classified, "follow_up": transferred,
               "resolve": transferred, "report_back": resolved, "withdraw": transferred}
    assert set(letters) == set(TRANSITION_FORMS), "mỗi hành động cần một đơn mẫu"

    running = DeadlineClock.objects.filter(petition=received).first()
    extendable = DeadlineClock.objects.filter(petition=denunciation, rule__max_extensions__gt=0,
                                              status="running").first()
    paused = DeadlineClock.objects.filter(petition=classified, status="running").first()
    clock_pause(actor=boss, clock_id=paused.pk, on=paused.started_on, reason="Chờ xác minh")
    assert running and extendable, "cần thời hạn mẫu cho trang tạm dừng, gia hạn"
    world = World(users=users, letters=letters, denunciation=denunciation,
                  attachment_id=denunciation.attachments.get().pk,
                  clocks={"clock-pause": running.pk, "clock-resume": paused.pk,
                          "clock-extend": extendable.pk})
    world.case, world.case_task_id = _case_at_a_decision(boss, tree)
    # The denunciation's receipt, made by a cleared clerk: its download is the identity's
    # (the walk searches the unzipped DOCX for the denouncer like every response).
    with django_capture_on_commit_callbacks(execute=True):
        world.document_id = document_for_event(
            actor=users["clerk"],
            event_id=denunciation.events.get(event_type="received").pk).pk
    world.receipt_event_id = received.events.get(event_type="received").pk
    for role, user in users.items():
        if user is not None:
            # Each user's own finished background export, made as the job would make
            # it: its page and file are searched for the denouncer like every response.
            job = ExportJob.objects.create(owner=user, params={}, with_identity=True)
            world.export_jobs[role] = export_run(job.pk).pk
            # Each user's own import, checked and waiting for confirmation (its file
            # gone: confirming it is refused, which still answers the page).
            world.import_jobs[role] = ImportJob.objects.create(
                owner=user, file_name="da-xoa.xlsx", original_name="so-cu.xlsx",
                state="checked").pk
            world.notices[role] = Notice.objects.create(
                cause_key=f"test:{role}", kind="event", recipient=user, channel="in_app",
                petition=denunciation, event=denunciation.events.first(), payload={}).pk
    return world


def _case_at_a_decision(boss, tree):
    """An inspection whose open task is the conclusion: a step only the body decides."""
    from casework.services.inspections import case_open, case_step
    from casework.services.programme import programme_item_save, programme_save
    from workflows.case_processes import open_task, sync_case_process

    # Opened from a programme item, so the programme pages have a programme and an item
    # that has a case (deleting it is refused: the walk leaves it in place).
    programme = programme_save(actor=boss, organisation=tree.commune, year=2026, body="executive")
    item = programme_item_save(actor=boss, programme_id=programme.pk, kind="party_finance",
                               quarter=1, planned_cases=1, target_organisation=tree.branch_a)
    case = case_open(actor=boss, organisation=tree.commune, body="executive",
                     kind="party_finance", programme_item=item,
                     title="Kiểm tra tài chính đảng", decision_number="01-QĐ/UBKT",
                     decision_date=datetime.date(2026, 3, 2), starts_on=datetime.date(2026, 3, 5),
                     ends_on=datetime.date(2026, 5, 5), team_leader=boss,
                     subject_organisation=tree.branch_a)
    for action in ("announce", "explain", "verify", "report", "meet"):
        case_step(actor=boss, case_id=case.pk, action=action)
    sync_case_process(case)
    return case, open_task(case).pk


# ---- building one request per address -----------------------------------------------
def _admin_model(name):
    """"admin:casework_petition_change" → the model class, or None."""
    match = re.match(r"admin:(\w+?)_(\w+)_(?:change|delete|history)$", name)
    if not match:
        return None
    for model in apps.get_models():
        if (model._meta.app_label, model._meta.model_name) == match.groups():
            return model
    return None


def _first_pk(model):
    pk = model.objects.order_by("pk").values_list("pk", flat=True).first()
    return pk if pk is not None else 999999


def _unnamed_url(route):
    """An unnamed admin route with sample values: "<app>/<model>/<path:object_id>/" gets
    a row of that model; the catch-all gets a page that does not exist."""
    match = re.match(r"quan-tri/(\w+)/(\w+)/<path:object_id>/$", route)
    if match:
        model = apps.get_model(*match.groups())
        return "/" + route.replace("<path:object_id>", str(_first_pk(model)))
    if route.endswith("(?P<url>.*)"):
        return "/" + route.replace("(?P<url>.*)", "khong-co-trang/")
    pytest.fail(f"Chưa biết cách dựng địa chỉ không tên {route}")


def requests_for(name, kwarg_names, route, world, role):
    """(key in the document, url) pairs for one pattern; the key carries the action for a
    letter's transition page."""
    if "(không tên)" in name:
        return [(name, _unnamed_url(route))]
    if name in ("casework:petition-transition", "api:petition-transition"):
        return [(f"{name}[{action}]", reverse(name, args=[world.letters[action].pk, action]))
                for action in TRANSITION_FORMS]
    kwargs = {}
    for kw in kwarg_names:
        if kw == "format":
            kwargs[kw] = "json"
        elif name.startswith("casework:programme-") and kw == "pk":
            kwargs[kw] = world.case.programme_item.programme_id
        elif name.startswith("casework:programme-") and kw == "item_pk":
            kwargs[kw] = world.case.programme_item_id
        elif name.startswith("casework:case-") or kw == "case_pk":
            kwargs[kw] = world.case.pk
        elif kw == "petition_pk":  # workflows-api:letter-clocks
            kwargs[kw] = world.denunciation.pk
        elif name in ("workflows:case-task", "workflows:task-claim"):
            kwargs[kw] = world.case_task_id
        elif name == "casework:attachment-download":
            kwargs[kw] = world.attachment_id
        elif name in ("casework:document-download", "api:document-download"):
            kwargs[kw] = world.document_id
        elif name == "casework:document-issue":
            kwargs[kw] = world.receipt_event_id
        elif name.startswith("workflows:clock-"):
            kwargs[kw] = world.clocks[name.split(":")[1]]
        elif name.startswith("casework:export-job"):
            kwargs[kw] = world.export_jobs.get(role, world.export_jobs["admin"])
        elif name.startswith("casework:import-job"):
            kwargs[kw] = world.import_jobs.get(role, world.import_jobs["admin"])
        elif name.startswith("notifications:"):
            kwargs[kw] = world.notices.get(role, world.notices["admin"])
        elif name.startswith(("casework:", "api:")) and kw == "pk":
            kwargs[kw] = world.denunciation.pk
        elif name == "admin:view_on_site":
            kwargs.update(content_type_id=ContentType.objects.get_for_model(Petition).pk,
                          object_id=world.denunciation.pk)
        elif kw == "app_label":
            kwargs[kw] = "casework"
        elif name == "admin:auth_user_password_change" and kw == "id":
            kwargs[kw] = world.users["viewer"].pk
        elif kw == "object_id" and _admin_model(name) is not None:
            kwargs[kw] = _first_pk(_admin_model(name))
        elif name == "admin:view_on_site":
            continue
        else:
            pytest.fail(f"Chưa biết cách dựng địa chỉ {name} (tham số {kw}): thêm vào "
                        "tests/test_access_matrix.py và docs/permissions.md")
    url = reverse(name, kwargs=kwargs)
    if name == "admin:autocomplete":
        url += "?app_label=casework&model_name=roleassignment&field_name=organisation&term=x"
    # The API's calculators answer a question: asked without one, they say what is missing.
    if name == "workflows-api:due-date":
        url += "?ngay-phat-sinh=10/02/2026&so-ngay=10"
    if name == "api:figures":
        url += "?tu-ngay=01/01/2026&den-ngay=31/12/2026"
    return [(name, url)]


LOGIN_PATHS = ("/dang-nhap/", "/quan-tri/login/")


def outcome(key, response):
    code = response.status_code
    if code in (200, 204):
        return "allow"
    if code in (301, 302, 303):
        # Logging out lands on the login page by design; anywhere else it means "log in".
        to_login = response["Location"].split("?")[0].endswith(LOGIN_PATHS)
        return "deny" if to_login and key not in ("logout", "admin:logout") else "allow"
    if code in (401, 403, 404):
        return "deny"
    return f"lỗi {code}"


def body_bytes(response):
    data = b"".join(response.streaming_content) if response.streaming else response.content
    if data[:2] == b"PK":  # xlsx/docx: the text is inside the zipped XML
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            data = b"".join(archive.read(n) for n in archive.namelist())
        # openpyxl (the report's XLSX) writes with lxml, which writes other than ASCII as
        # character references (&#7901;): read them as the letters they are, or a leaked name
        # would pass unseen. (A binary member, an image in a .docx, is no text to read.)
        data = html.unescape(data.decode("utf-8", errors="replace")).encode("utf-8")
    return data


def fetch(client, user, url):
    if user is not None:
        client.force_login(user)  # again each time: a logout address ends the session
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url, {})
    return response


# ---- the tests ------------------------------------------------------------------------
def test_every_address_is_in_the_document():
    matrix, routes = load_matrix()
    transitions = ("casework:petition-transition", "api:petition-transition")
    missing = [name for name, _, _ in all_url_patterns()
               if name not in transitions and permission_for(routes, name) is None]
    missing += [f"{name}[{a}]" for name in transitions for a in TRANSITION_FORMS
                if permission_for(routes, f"{name}[{a}]") is None]
    assert missing == [], f"địa chỉ chưa có trong {DOC.name}: {missing}"
    unknown = {perm for _, perm in routes} - set(matrix)
    assert unknown == set(), f"quyền không có trong ma trận: {unknown}"


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_exactly_what_the_matrix_says(role, world):
    matrix, routes = load_matrix()
    user = world.users[role]
    client = Client()
    wrong, leaks, checked = [], [], 0
    for name, kwarg_names, route in all_url_patterns():
        for key, url in requests_for(name, kwarg_names, route, world, role):
            permission = permission_for(routes, key)
            expected = "allow" if matrix[permission][role].startswith("✓") else "deny"
            response = fetch(client, user, url)
            got = outcome(key, response)
            checked += 1
            if got != expected:
                wrong.append(f"{key} {url}: cần {expected}, được {got} ({permission})")
            if role not in CLEARED:
                body = body_bytes(response)
                leaks += [f"{key} {url}: {s}" for s in SECRETS if s.encode() in body]
    assert checked > 100
    assert wrong == [], f"{role}: {len(wrong)} địa chỉ sai ma trận:\n" + "\n".join(wrong)
    assert leaks == [], f"{role}: lộ danh tính người tố cáo:\n" + "\n".join(leaks)


def test_a_clerk_without_clearance_is_denied_the_identity(world, tree, client):
    clerk = UserFactory(username="vanphong2")
    RoleAssignment.objects.create(user=clerk, organisation=tree.commune, role="clerk")
    client.force_login(clerk)
    assert client.get(reverse("casework:attachment-download",
                              args=[world.attachment_id])).status_code == 403
    for url in (reverse("casework:petition-detail", args=[world.denunciation.pk]),
                reverse("casework:petition-receipt", args=[world.denunciation.pk])):
        body = client.get(url).content
        assert not any(s.encode() in body for s in SECRETS)
        assert "Người tố cáo (danh tính được bảo mật)".encode() in body


def test_the_byte_search_reads_inside_a_docx(world, client):
    """The search would see a name inside a Word document: the cleared clerk's download of
    the denunciation's receipt has it, once unzipped, and only then."""
    client.force_login(world.users["clerk"])
    response = client.get(reverse("casework:document-download", args=[world.document_id]))
    assert response.status_code == 200 and response.content[:2] == b"PK"
    assert SECRET_NAME.encode() not in response.content  # compressed: a raw search is blind
    assert SECRET_NAME.encode() in body_bytes(response)


# ---- who sees which case: the table "Phạm vi xem" ---------------------------------------
SCOPE_USERS = {  # the first column of the table → (role, organisation in the tree)
    "leader tại xã": ("leader", "commune"),
    "viewer tại xã": ("viewer", "commune"),
    "ubkt tại UBKT của xã": ("ubkt", "ubkt"),
    "clerk tại Văn phòng": ("clerk", "office"),
    "branch_secretary tại chi bộ A": ("branch_secretary", "branch_a"),
    "branch_secretary tại chi bộ B": ("branch_secretary", "branch_b"),
    "viewer tại tỉnh": ("viewer", "city"),
    "thành viên đoàn, không vai trò": (None, None),
}


def load_scope_table():
    header, body = _table_after("## Phạm vi xem", DOC.read_text(encoding="utf-8"))
    return header[1:], {row[0].replace("`", ""): dict(zip(header[1:], row[1:])) for row in body}


def _scope_cases(tree, boss, team_member):
    """The table's columns as cases, in its order."""
    from casework.services.inspections import case_open
    from tests.factories import MemberFactory

    def opened(organisation, body, kind, *, team=(), **subject):
        return case_open(actor=boss, organisation=organisation, body=body, kind=kind,
                         title="Cuộc mẫu", decision_number="01-QĐ",
                         decision_date=datetime.date(2026, 3, 2),
                         starts_on=datetime.date(2026, 3, 5), ends_on=datetime.date(2026, 5, 5),
                         team_leader=boss, team=team, **subject)

    return [
        opened(tree.commune, "executive", "party_finance", team=[team_member],
               subject_organisation=tree.branch_a),
        opened(tree.ubkt, "ubkt", "violation_signs",
               subject_member=MemberFactory(organisation=tree.branch_a)),
        opened(tree.branch_b, "branch", "member_compliance",
               subject_member=MemberFactory(organisation=tree.branch_b)),
        opened(tree.city, "ubkt", "lower_org_duty", subject_organisation=tree.commune),
    ]


def test_each_user_sees_exactly_the_cases_the_document_says(tree):
    columns, table = load_scope_table()
    assert set(table) == set(SCOPE_USERS), f"hàng của bảng Phạm vi xem: {list(table)}"
    boss = UserFactory(username="quantri", is_superuser=True, is_staff=True)
    team_member = UserFactory(username="doan-vien")
    cases = _scope_cases(tree, boss, team_member)
    assert len(cases) == len(columns)
    wrong = []
    for who, (role, org) in SCOPE_USERS.items():
        user = team_member
        if role is not None:
            user = UserFactory(username=f"{role}-{org}")
            RoleAssignment.objects.create(user=user, organisation=getattr(tree, org), role=role)
        client = Client()
        client.force_login(user)
        listed = {c.pk for c in client.get(reverse("casework:case-list"))
                  .context["page"].object_list}
        for column, case in zip(columns, cases):
            expected = table[who][column] == "✓"
            page = client.get(reverse("casework:case-detail", args=[case.pk])).status_code
            if (case.pk in listed, page == 200) != (expected, expected):
                wrong.append(f"{who} / {column}: cần {'thấy' if expected else 'không thấy'}, "
                             f"danh sách {case.pk in listed}, trang {page}")
    assert wrong == [], "\n".join(wrong)

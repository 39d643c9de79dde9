"""A province built set-based on PostgreSQL, for the benchmarks that need one (pages.py).

    from benchmarks.province import build_province
    db = build_province(communes=100, letters=1_000_000, cases=100_000)  # a database name

What it builds, every row through `INSERT … SELECT … generate_series` (minutes for a
million letters, where the services would take days):
- a province with its office (Văn phòng) and UBKT, `communes` communes each with its office
  and `BRANCHES` branches (chi bộ), `MEMBERS` members per branch;
- users: a leader at the province (``tinh.lanhdao``), per commune a leader
  (``xa<n>.lanhdao``) and a clerk (``xa<n>.vanphong``), per branch its secretary
  (``xa<n>.cb<m>``); every password is `PASSWORD`;
- `letters` letters over six years (1/1/2021 to 30/11/2026), one in twenty received at the
  province, the others at the communes, numbered per unit and year (receipt counters set
  to match, so a new letter gets the next number), one sender each (one in five a second),
  names and addresses from Vietnamese name parts with their search keys;
- their events: received; then for most a step (accepted, transferred or classified) and a
  closing event (resolved, filed, guided or withdrawn) with the status and closing date
  to match; letters received in the last ~100 days stay open (about 5 %); the moments the
  letter keeps from its events (received_at, closed_at, transferred_at, …) filled after
  them (a template built before that step has them empty: the migration filling the step
  moments fills them all on a copy migrated past it);
- one deadline clock per letter from its receipt under the kind's rule, stopped by the
  closing event (or the step) for closed letters and running for open ones (about 5 %);
- about 3 % of the letters handed on inside the system (issue 14; `HANDOFFS`), some
  across communes, some in chains;
- `cases` inspection and supervision cases at the communes, each about a member or a
  branch, a CASE_OPENED event each, the recent ones (~5 %) open with a running clock;
  one programme per commune and year with four items, one case in four counted in one.

The result is cached: the province is built once into ``bench_scale_<letters>_tpl`` (a
template: no connection stays on it) and each call copies it (CREATE DATABASE … TEMPLATE,
seconds) into ``bench_scale_<letters>``, which the caller then migrates to the code it
runs (new indexes are built on the copy, so the template serves before/after runs alike).
`rebuild=True` builds the template again; `copy=NAME` names the copy. `add_cases(url, n)`
adds n cases to a copy with the same SQL (figures.py: 200,000 cases on the 100,000 built).
"""
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import PG_SERVER, admin  # noqa: E402

PASSWORD = "KeSat@2025demo"
BRANCHES = 5
MEMBERS = 10
FIRST_DAY, LAST_DAY = "2021-01-01", "2026-11-30"
OPEN_DAYS = 100  # letters received in the last OPEN_DAYS days are still open

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
          "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Lương", "Trịnh", "Mai"]
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quốc", "Xuân", "Thu"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Đạt", "Giang", "Hà", "Hải", "Hạnh", "Hiếu",
         "Hoa", "Hùng", "Hương", "Khánh", "Lan", "Linh", "Long", "Mai", "Nam", "Nga",
         "Ngân", "Phong", "Phúc", "Quang", "Quỳnh", "Sơn", "Tâm", "Thắng", "Thảo", "Thủy",
         "Trang", "Trung", "Tuấn", "Vân", "Việt", "Yến", "Bảo", "Chi", "Kiên", "Lộc"]
STREETS = ["Lê Lợi", "Trần Hưng Đạo", "Nguyễn Huệ", "Hai Bà Trưng", "Quang Trung",
           "Lý Thường Kiệt", "Điện Biên Phủ", "Hùng Vương", "Phan Đình Phùng", "Ngô Quyền"]
SUMMARIES = ["Khiếu nại việc thu hồi đất làm đường giao thông",
             "Tố cáo đảng viên vi phạm quy định về đất đai",
             "Kiến nghị giải quyết tranh chấp ranh giới thửa đất",
             "Phản ánh việc xây dựng trái phép tại khu dân cư",
             "Khiếu nại quyết định xử phạt vi phạm hành chính",
             "Tố cáo cán bộ thôn nhận tiền hỗ trợ sai đối tượng",
             "Kiến nghị sửa chữa đường liên thôn xuống cấp",
             "Phản ánh ô nhiễm môi trường từ cơ sở chăn nuôi"]
KINDS = ["complaint", "denunciation", "recommendation", "feedback"]
# The clock each kind's letter starts on receipt (DeadlineRule.code).
RECEIPT_RULES = {"complaint": "khieu-nai-thu-ly", "denunciation": "to-cao-phan-loai",
                 "recommendation": "kien-nghi-tra-loi", "feedback": "don-phan-loai"}
CASE_RULES = {"inspection": "kt-ket-thuc", "supervision": "gs-ket-thuc"}


def names():
    """(full names, their keys), (addresses, keys), (summaries, keys): the texts letters
    and senders take by number, folded by the app's own normaliser."""
    from casework.search_keys import search_key

    people = [f"{f} {m} {g}" for f in FAMILY for m in MIDDLE for g in GIVEN]
    places = [f"Số {n} đường {s}" for s in STREETS for n in range(1, 51)]
    return ([people, [search_key(p) for p in people]],
            [places, [search_key(p) for p in places]],
            [SUMMARIES, [search_key(s) for s in SUMMARIES]])


def db_names(letters):
    return f"bench_scale_{letters}", f"bench_scale_{letters}_tpl"


def _exists(name):
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                            [name]).fetchone() is not None


def build_province(communes=100, letters=1_000_000, cases=100_000, *, rebuild=False,
                   log=print, copy=None, template=None):
    """Copy of the province (built first if not cached): returns the copy's database
    name (`copy`, default ``bench_scale_<letters>``). The copy is not migrated past the
    template: call `migrate` on it (setup_django does). `template` names the cache
    (default ``bench_scale_<letters>_tpl``): a helper's own small province keeps its
    own name beside the shared one."""
    import time

    run, default_template = db_names(letters)
    run = copy or run
    template = template or default_template
    if rebuild or not _exists(template):
        started = time.monotonic()
        # Built under another name and renamed when complete: an interrupted build is
        # never taken for the cache.
        building = template + "_building"
        admin(f"DROP DATABASE IF EXISTS {building}", f"CREATE DATABASE {building}")
        _fill(f"{PG_SERVER}/{building}", communes, letters, cases, log)
        admin(f"DROP DATABASE IF EXISTS {template}",
              f"ALTER DATABASE {building} RENAME TO {template}")
        log(f"built {template} in {time.monotonic() - started:.0f} s")
    admin(f"DROP DATABASE IF EXISTS {run} WITH (FORCE)",
          f"CREATE DATABASE {run} TEMPLATE {template}")
    return run


def _fill(url, communes, letters, cases, log):
    """Migrate the empty template in a child process (Django set up once per process and
    the caller may already be set up on another database), then fill it over psycopg."""
    import subprocess
    import time

    import psycopg

    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.pop("CELERY_BROKER_URL", None)
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "-v0"], env=env,
                   check=True, cwd=ROOT)
    people, places, summaries = _texts_in_child(env)
    params = {"communes": communes, "letters": letters, "cases": cases,
              "branches": BRANCHES, "members": MEMBERS, "first": FIRST_DAY,
              "last": LAST_DAY, "open_days": OPEN_DAYS,
              "people": people[0], "people_keys": people[1],
              "places": places[0], "places_keys": places[1],
              "summaries": summaries[0], "summary_keys": summaries[1],
              "kinds": KINDS, "password": _password_hash(env), "after_case": 0}
    with psycopg.connect(url, autocommit=True) as conn:
        for label, sql in STEPS:
            started = time.monotonic()
            for statement in sql.split(";\n"):
                if statement.strip():
                    conn.execute(statement, params)
            conn.execute("ANALYZE")
            log(f"  {label}: {time.monotonic() - started:.1f} s")
        conn.execute("VACUUM ANALYZE")


def _texts_in_child(env):
    import json
    import subprocess

    code = "import json, benchmarks.province as p; print(json.dumps(p.names()))"
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=ROOT,
                         capture_output=True, text=True).stdout
    return json.loads(out)


def _password_hash(env):
    import subprocess

    code = ("import django; django.setup(); from django.contrib.auth.hashers import "
            f"make_password; print(make_password({PASSWORD!r}))")
    return subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=ROOT,
                          capture_output=True, text=True).stdout.strip()


ORGANISATIONS = """
INSERT INTO casework_organisation (name, code, symbol, kind, parent_id, path, remote_area)
VALUES ('Đảng bộ tỉnh', 'tinh', 'TU', 'province', NULL, '', false);
UPDATE casework_organisation SET path = '/' || id || '/' WHERE code = 'tinh';
INSERT INTO casework_organisation (name, code, symbol, kind, parent_id, path, remote_area)
SELECT v.name, v.code, v.symbol, 'agency', p.id, '', false
FROM casework_organisation p,
     (VALUES ('Văn phòng Tỉnh ủy', 'tinh-vp', 'VPTU'), ('Ủy ban kiểm tra Tỉnh ủy', 'tinh-ubkt',
             'UBKTTU')) v(name, code, symbol)
WHERE p.code = 'tinh';
INSERT INTO casework_organisation (name, code, symbol, kind, parent_id, path, remote_area)
SELECT 'Đảng bộ xã ' || g, 'xa' || g, 'ĐUX' || g, 'commune', p.id, '', g %% 10 = 0
FROM casework_organisation p, generate_series(1, %(communes)s) g WHERE p.code = 'tinh';
INSERT INTO casework_organisation (name, code, symbol, kind, parent_id, path, remote_area)
SELECT 'Văn phòng Đảng ủy ' || c.name, c.code || '-vp', 'VPĐU' || substr(c.code, 3),
       'agency', c.id, '', false
FROM casework_organisation c WHERE c.kind = 'commune';
INSERT INTO casework_organisation (name, code, symbol, kind, parent_id, path, remote_area)
SELECT 'Chi bộ thôn ' || b || ' ' || c.name, c.code || '-cb' || b,
       'CB' || substr(c.code, 3) || '-' || b, 'branch', c.id, '', false
FROM casework_organisation c, generate_series(1, %(branches)s) b WHERE c.kind = 'commune';
UPDATE casework_organisation o SET path = p.path || o.id || '/'
FROM casework_organisation p WHERE o.parent_id = p.id AND p.kind = 'province';
UPDATE casework_organisation o SET path = p.path || o.id || '/'
FROM casework_organisation p WHERE o.parent_id = p.id AND p.kind = 'commune';
INSERT INTO casework_member (full_name, status, birth_year, organisation_id)
SELECT (%(people)s::text[])[1 + (b.id * 37 + m) %% array_length(%(people)s::text[], 1)],
       'active', 1950 + (b.id + m) %% 50, b.id
FROM casework_organisation b, generate_series(1, %(members)s) m WHERE b.kind = 'branch';
"""

USERS = """
INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email,
                       is_staff, is_active, date_joined)
SELECT %(password)s, false, u.username, '', u.last_name, '', false, true, now()
FROM (SELECT 'tinh.lanhdao' AS username, 'Lãnh đạo tỉnh' AS last_name
      UNION ALL SELECT 'tinh.ubkt', 'Ủy viên UBKT tỉnh'
      UNION ALL SELECT c.code || '.lanhdao', 'Lãnh đạo ' || c.name
                FROM casework_organisation c WHERE c.kind = 'commune'
      UNION ALL SELECT c.code || '.vanphong', 'Văn phòng ' || c.name
                FROM casework_organisation c WHERE c.kind = 'commune'
      UNION ALL SELECT replace(b.code, '-', '.'), 'Bí thư ' || b.name
                FROM casework_organisation b WHERE b.kind = 'branch') u;
INSERT INTO casework_roleassignment (user_id, organisation_id, role, identity_clearance)
SELECT u.id, o.id, r.role, false
FROM (VALUES ('tinh.lanhdao', 'tinh', 'leader'), ('tinh.ubkt', 'tinh-ubkt', 'ubkt')) r(u, o, role)
JOIN auth_user u ON u.username = r.u JOIN casework_organisation o ON o.code = r.o;
INSERT INTO casework_roleassignment (user_id, organisation_id, role, identity_clearance)
SELECT u.id, c.id, CASE WHEN u.username LIKE '%%.lanhdao' THEN 'leader' ELSE 'clerk' END,
       false
FROM casework_organisation c
JOIN auth_user u ON u.username IN (c.code || '.lanhdao', c.code || '.vanphong')
WHERE c.kind = 'commune';
INSERT INTO casework_roleassignment (user_id, organisation_id, role, identity_clearance)
SELECT u.id, b.id, 'branch_secretary', false
FROM casework_organisation b JOIN auth_user u ON u.username = replace(b.code, '-', '.')
WHERE b.kind = 'branch';
"""

# The letters' plan: unit, day, kind, fate. Five in a hundred at the province, the rest
# spread over the communes; days spread evenly over the period.
LETTER_PLAN = """
CREATE UNLOGGED TABLE bench_letter AS
SELECT g,
       CASE WHEN g %% 20 = 0 THEN (SELECT id FROM casework_organisation WHERE code = 'tinh')
            ELSE (SELECT array_agg(id ORDER BY id) FROM casework_organisation
                  WHERE kind = 'commune')[1 + ((g::bigint * 7919) %% %(communes)s)::int] END AS org,
       (%(first)s::date + ((g::bigint * (%(last)s::date - %(first)s::date + 1))
                           / %(letters)s)::int) AS day,
       (%(kinds)s::text[])[1 + (g * 31) %% 4] AS kind,
       (g * 13) %% 100 AS fate
FROM generate_series(1, %(letters)s) g;
ALTER TABLE bench_letter ADD COLUMN seq int, ADD COLUMN open boolean, ADD COLUMN pid bigint;
UPDATE bench_letter SET open = day > %(last)s::date - %(open_days)s;
UPDATE bench_letter l SET seq = n.seq
FROM (SELECT g, row_number() OVER (PARTITION BY org, extract(year FROM day)
                                   ORDER BY day, g) AS seq FROM bench_letter) n
WHERE n.g = l.g;
"""

LETTERS = """
INSERT INTO casework_petition
    (organisation_id, receipt_year, receipt_seq, received_on, channel, forwarded_by, kind,
     sender_type, subject_name, summary, instance, identity_confidential, status, competence,
     handled_by, decision_number, decision_date, filed_reason, result, closed_on,
     summary_key, subject_key, handled_by_key, created_at, updated_at)
SELECT l.org, extract(year FROM l.day), l.seq, l.day,
       (ARRAY['direct','post','citizen_reception','forwarded','electronic'])[1 + l.g %% 5],
       CASE WHEN l.g %% 5 = 3 THEN 'Ủy ban nhân dân tỉnh' ELSE '' END, l.kind,
       CASE WHEN l.g %% 50 = 0 THEN 'anonymous' ELSE 'named' END,
       (%(people)s::text[])[1 + (l.g * 17) %% array_length(%(people)s::text[], 1)],
       (%(summaries)s::text[])[1 + l.g %% array_length(%(summaries)s::text[], 1)],
       1, l.g %% 100 = 7,
       CASE WHEN l.open THEN (ARRAY['received','accepted','transferred'])[1 + l.fate %% 3]
            WHEN l.fate < 50 THEN 'resolved' WHEN l.fate < 75 THEN 'filed'
            WHEN l.fate < 95 THEN 'guided' ELSE 'withdrawn' END,
       CASE WHEN NOT l.open AND l.fate >= 75 AND l.fate < 95 THEN 'other' ELSE 'here' END,
       CASE WHEN NOT l.open AND l.fate >= 75 AND l.fate < 95 THEN 'Ủy ban nhân dân xã'
            ELSE '' END,
       CASE WHEN NOT l.open AND l.fate < 50 THEN l.g || '/QĐ' ELSE '' END,
       CASE WHEN NOT l.open AND l.fate < 50 THEN l.day + 40 END,
       CASE WHEN NOT l.open AND l.fate >= 50 AND l.fate < 75 THEN 'monitoring' ELSE '' END,
       CASE WHEN NOT l.open AND l.fate < 50 THEN 'Đã giải quyết, trả lời người gửi.'
            ELSE '' END,
       CASE WHEN NOT l.open THEN l.day + 40 + l.fate %% 20 END,
       (%(summary_keys)s::text[])[1 + l.g %% array_length(%(summaries)s::text[], 1)],
       (%(people_keys)s::text[])[1 + (l.g * 17) %% array_length(%(people)s::text[], 1)],
       CASE WHEN NOT l.open AND l.fate >= 75 AND l.fate < 95 THEN 'uy ban nhan dan xa'
            ELSE '' END,
       l.day::timestamptz + interval '9 hours', l.day::timestamptz + interval '9 hours'
FROM bench_letter l ORDER BY l.g;
UPDATE bench_letter l SET pid = p.id FROM casework_petition p
WHERE p.organisation_id = l.org AND p.receipt_year = extract(year FROM l.day)
  AND p.receipt_seq = l.seq;
CREATE INDEX ON bench_letter (pid);
INSERT INTO casework_receiptcounter (organisation_id, year, last_value)
SELECT organisation_id, receipt_year, max(receipt_seq) FROM casework_petition
GROUP BY organisation_id, receipt_year;
INSERT INTO casework_petitionsender
    (petition_id, full_name, address, phone, id_number, name_key, address_key)
SELECT l.pid, (%(people)s::text[])[1 + (l.g * 7 + s) %% array_length(%(people)s::text[], 1)],
       (%(places)s::text[])[1 + (l.g * 3 + s) %% array_length(%(places)s::text[], 1)],
       '09' || lpad(((l.g * 7 + s) %% 100000000)::text, 8, '0'), '',
       (%(people_keys)s::text[])[1 + (l.g * 7 + s) %% array_length(%(people)s::text[], 1)],
       (%(places_keys)s::text[])[1 + (l.g * 3 + s) %% array_length(%(places)s::text[], 1)]
FROM bench_letter l, generate_series(1, 2) s
WHERE l.g %% 50 <> 0 AND (s = 1 OR l.g %% 5 = 1);
"""

# Events: received; a step for most; a closing event for the closed. The moments follow
# the days (09:00, 10:00 and 11:00 Hà Nội time), so the history reads in order.
EVENTS = """
INSERT INTO casework_caseevent
    (petition_id, event_type, occurred_at, recorded_at, from_status, to_status, reason,
     doc_number, doc_date, details, actor_id, prev_hash, hash)
SELECT l.pid, e.event_type, e.day::timestamptz + e.at, e.day::timestamptz + e.at,
       e.from_status, e.to_status, '', '', NULL, e.details, clerk.id, '', ''
FROM bench_letter l
JOIN casework_organisation o ON o.id = l.org
LEFT JOIN auth_user clerk ON clerk.username = o.code || '.vanphong'
CROSS JOIN LATERAL (
    SELECT 'received' AS event_type, l.day AS day, interval '2 hours' AS at,
           '' AS from_status, 'received' AS to_status,
           jsonb_build_object('kind', l.kind) AS details
    UNION ALL
    SELECT CASE WHEN l.fate %% 3 = 2 OR (NOT l.open AND l.fate >= 75 AND l.fate < 95)
                THEN 'transferred' ELSE 'accepted' END,
           l.day + 10, interval '3 hours', 'received',
           CASE WHEN l.fate %% 3 = 2 OR (NOT l.open AND l.fate >= 75 AND l.fate < 95)
                THEN 'transferred' ELSE 'accepted' END, '{}'::jsonb
    WHERE NOT l.open OR l.fate %% 3 > 0
    UNION ALL
    SELECT CASE WHEN l.fate < 50 THEN 'resolved' WHEN l.fate < 75 THEN 'filed'
                WHEN l.fate < 95 THEN 'guided' ELSE 'withdrawn' END,
           l.day + 40 + l.fate %% 20, interval '4 hours',
           CASE WHEN l.fate >= 75 AND l.fate < 95 THEN 'transferred' ELSE 'accepted' END,
           CASE WHEN l.fate < 50 THEN 'resolved' WHEN l.fate < 75 THEN 'filed'
                WHEN l.fate < 95 THEN 'guided' ELSE 'withdrawn' END, '{}'::jsonb
    WHERE NOT l.open
) e
ORDER BY l.g, e.at;
"""

# One clock per letter from its receipt, stopped by its next event; an open letter's runs.
CLOCKS = """
CREATE UNLOGGED TABLE bench_stop AS
SELECT DISTINCT ON (petition_id) petition_id AS pid, id,
       (occurred_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date AS day
FROM casework_caseevent WHERE petition_id IS NOT NULL AND event_type <> 'received'
ORDER BY petition_id, occurred_at;
ANALYZE bench_stop;
INSERT INTO workflows_deadlineclock
    (started_on, status, due_on, warn_on, overdue_on, reminder_every, next_escalation_on,
     cycle, last_rung, paused_on, extensions_used, stopped_on, created_at, assignee_id,
     organisation_id, petition_id, start_event_id, stop_event_id, rule_id, inspection_id,
     lapses, started_by_id, kind)
SELECT l.day, CASE WHEN stop.id IS NULL THEN 'running' ELSE 'stopped' END,
       l.day + r.length, l.day + r.length - r.warn_days_before,
       l.day + r.length + r.overdue_days_after, r.reminder_every_days,
       CASE WHEN stop.id IS NULL THEN l.day + r.length - r.warn_days_before END,
       0, 0, NULL, 0, stop.day, l.day::timestamptz, clerk.id, l.org, l.pid, start.id,
       stop.id, r.id, NULL, false, NULL, l.kind
FROM bench_letter l
JOIN LATERAL (SELECT id FROM workflows_deadlinerule
              WHERE code = (%(rules)s::jsonb ->> l.kind) ORDER BY effective_from DESC, id DESC
              LIMIT 1) rid ON true
JOIN workflows_deadlinerule r ON r.id = rid.id
JOIN casework_organisation o ON o.id = l.org
LEFT JOIN auth_user clerk ON clerk.username = o.code || '.vanphong'
JOIN casework_caseevent start ON start.petition_id = l.pid AND start.event_type = 'received'
LEFT JOIN bench_stop stop ON stop.pid = l.pid AND NOT l.open
ORDER BY l.g;
"""

# The cases' plan: unit, day, kind, branch, member; numbered after the unit's year's last.
CASE_PLAN = """
CREATE UNLOGGED TABLE bench_case AS
SELECT g,
       (SELECT array_agg(id ORDER BY id) FROM casework_organisation
        WHERE kind = 'commune')[1 + ((g::bigint * 7919) %% %(communes)s)::int] AS org,
       (%(first)s::date + ((g::bigint * (%(last)s::date - %(first)s::date + 1))
                           / %(cases)s)::int) AS day,
       (ARRAY['member_compliance','violation_signs','lower_org_duty','party_finance',
              'thematic_supervision','regular_supervision'])[1 + g %% 6] AS kind
FROM generate_series(1, %(cases)s) g;
ALTER TABLE bench_case ADD COLUMN seq int, ADD COLUMN branch bigint, ADD COLUMN member bigint;
UPDATE bench_case c SET seq = n.seq + coalesce(
    (SELECT max(k.seq) FROM casework_inspectioncase k
     WHERE k.organisation_id = c.org AND k.year = extract(year FROM c.day)), 0)
FROM (SELECT g, row_number() OVER (PARTITION BY org, extract(year FROM day)
                                   ORDER BY day, g) AS seq FROM bench_case) n
WHERE n.g = c.g;
UPDATE bench_case c SET branch = b.id
FROM casework_organisation b
WHERE b.parent_id = c.org AND b.kind = 'branch'
  AND b.code LIKE '%%-cb' || (1 + c.g %% %(branches)s);
UPDATE bench_case c SET member = m.id
FROM (SELECT organisation_id, min(id) AS id FROM casework_member GROUP BY 1) m
WHERE m.organisation_id = c.branch AND c.g %% 2 = 0;
"""

PROGRAMMES = """
INSERT INTO casework_inspectionprogramme (year, body, document, organisation_id)
SELECT y, 'ubkt', 'Chương trình kiểm tra, giám sát năm ' || y, c.id
FROM casework_organisation c,
     generate_series(extract(year FROM %(first)s::date)::int,
                     extract(year FROM %(last)s::date)::int) y
WHERE c.kind = 'commune';
INSERT INTO casework_programmeitem (kind, quarter, planned_cases, content, programme_id,
                                    target_organisation_id)
SELECT (ARRAY['member_compliance','violation_signs','lower_org_duty','party_finance'])[q],
       q, 5, 'Nội dung kiểm tra quý ' || q, p.id, NULL
FROM casework_inspectionprogramme p, generate_series(1, 4) q;
"""

# The cases of the plan, their events and the open ones' clocks: only cases numbered
# above %(after_case)s (0 when building; the last case's id when adding, add_cases).
CASE_ROWS = """
INSERT INTO casework_inspectioncase
    (organisation_id, body, kind, year, seq, title, decision_number, decision_date,
     starts_on, ends_on, content, status, conclusion, violation_found, closed_on,
     created_at, updated_at, created_by_id, team_leader_id, subject_member_id,
     subject_organisation_id, programme_item_id)
SELECT c.org, 'ubkt', c.kind, extract(year FROM c.day), c.seq,
       CASE WHEN c.kind LIKE '%%supervision' THEN 'Giám sát ' ELSE 'Kiểm tra ' END
       || CASE WHEN c.member IS NULL THEN b.name ELSE 'đảng viên ' || m.full_name END,
       c.seq || '-QĐ/UBKT', c.day, c.day + 5, c.day + 60, 'Nội dung theo quyết định',
       CASE WHEN c.day > %(last)s::date - %(open_days)s THEN 'announced' ELSE 'archived' END,
       CASE WHEN c.day > %(last)s::date - %(open_days)s THEN '' ELSE 'Kết luận' END,
       CASE WHEN c.day > %(last)s::date - %(open_days)s THEN NULL ELSE c.g %% 7 = 0 END,
       CASE WHEN c.day > %(last)s::date - %(open_days)s THEN NULL ELSE c.day + 90 END,
       c.day::timestamptz, c.day::timestamptz, u.id, u.id, c.member,
       CASE WHEN c.member IS NULL THEN c.branch END,
       CASE WHEN c.g %% 4 = 0 THEN (
           SELECT i.id FROM casework_inspectionprogramme p
           JOIN casework_programmeitem i ON i.programme_id = p.id
           WHERE p.organisation_id = c.org AND p.year = extract(year FROM c.day)
             AND i.quarter = extract(quarter FROM c.day)) END
FROM bench_case c
JOIN casework_organisation o ON o.id = c.org
JOIN casework_organisation b ON b.id = c.branch
LEFT JOIN casework_member m ON m.id = c.member
JOIN auth_user u ON u.username = o.code || '.lanhdao'
ORDER BY c.g;
INSERT INTO casework_caseevent
    (inspection_id, event_type, occurred_at, recorded_at, from_status, to_status, reason,
     doc_number, doc_date, details, actor_id, prev_hash, hash)
SELECT k.id, 'case_opened', k.decision_date::timestamptz + interval '2 hours',
       k.decision_date::timestamptz + interval '2 hours', '', 'decided', '',
       k.decision_number, k.decision_date, '{}'::jsonb, k.created_by_id, '', ''
FROM casework_inspectioncase k WHERE k.id > %(after_case)s ORDER BY k.id;
INSERT INTO casework_casesubject (case_id, position, member_id, organisation_id)
SELECT k.id, 0, k.subject_member_id, k.subject_organisation_id
FROM casework_inspectioncase k WHERE k.id > %(after_case)s;
INSERT INTO workflows_deadlineclock
    (started_on, status, due_on, warn_on, overdue_on, reminder_every, next_escalation_on,
     cycle, last_rung, paused_on, extensions_used, stopped_on, created_at, assignee_id,
     organisation_id, petition_id, start_event_id, stop_event_id, rule_id, inspection_id,
     lapses, started_by_id)
SELECT k.decision_date, 'running', k.decision_date + r.length,
       k.decision_date + r.length - r.warn_days_before,
       k.decision_date + r.length + r.overdue_days_after, r.reminder_every_days,
       k.decision_date + r.length - r.warn_days_before, 0, 0, NULL, 0, NULL,
       k.decision_date::timestamptz, k.team_leader_id, k.organisation_id, NULL, e.id, NULL,
       r.id, k.id, false, NULL
FROM casework_inspectioncase k
JOIN casework_caseevent e ON e.inspection_id = k.id
JOIN LATERAL (SELECT * FROM workflows_deadlinerule
              WHERE code = CASE WHEN k.kind LIKE '%%supervision' THEN 'gs-ket-thuc'
                                ELSE 'kt-ket-thuc' END
              ORDER BY effective_from DESC, id DESC LIMIT 1) r ON true
WHERE k.status <> 'archived' AND k.id > %(after_case)s;
"""

# Issue 14's hand-offs inside the system: about 3 % of the letters (one in fourteen of
# those transferred or guided) were handed on to a unit in the system, which registered a
# linked letter of its own: `handed_to` on the sender's letter, `forwarded_from` on the
# recipient's. The builder's letters are all at the communes and the province (none at a
# branch), so the recipient's letter is an existing one: four in five the next letter of
# the same unit (a hand-off inside the commune: the rule's cost is the same as to a
# branch of it), one in five the next letter by id, nearly always another commune's (a
# hand-off across communes, which each commune counts and the province counts once).
# A recipient may itself be a sender (a chain of several links: a few). Each recipient
# once.
HANDOFFS = """
CREATE UNLOGGED TABLE bench_handoff AS
SELECT DISTINCT ON (recipient) sender, recipient
FROM (SELECT id AS sender,
             CASE WHEN (id / 4) %% 5 = 0 THEN next_id ELSE same_next END AS recipient
      FROM (SELECT id, transferred_at, guided_at,
                   lead(id) OVER (PARTITION BY organisation_id ORDER BY received_on, id)
                       AS same_next,
                   lead(id) OVER (ORDER BY id) AS next_id
            FROM casework_petition) ordered
      WHERE (transferred_at IS NOT NULL OR guided_at IS NOT NULL) AND id %% 14 = 1) picked
WHERE recipient IS NOT NULL
ORDER BY recipient, sender;
UPDATE casework_petition p SET handed_to_id = r.organisation_id
FROM bench_handoff h JOIN casework_petition r ON r.id = h.recipient WHERE p.id = h.sender;
UPDATE casework_petition p SET forwarded_from_id = h.sender
FROM bench_handoff h WHERE p.id = h.recipient;
DROP TABLE bench_handoff;
"""

CLEANUP = """
DROP TABLE bench_letter;
DROP TABLE bench_case;
DROP TABLE bench_stop;
"""



def _logged_moments():
    """The letters' logged moments (Petition.received_at, closed_at, the counted steps'
    and the kind's), which the transition engine writes beside each event and the figures
    read: here the events are inserted by SQL, so they are filled after them with the
    statement of the migration that fills them (found by its name; nothing to do on a
    schema before it)."""
    import importlib

    found = sorted((ROOT / "casework" / "migrations").glob("*_letter_step_moments.py"))
    if not found:
        return ""
    return importlib.import_module(f"casework.migrations.{found[0].stem}").fill_sql(
        "postgresql")


STEPS = [("organisations, branches, members", ORGANISATIONS), ("users and roles", USERS),
         ("letters' plan", LETTER_PLAN), ("letters, counters, senders", LETTERS),
         ("letters' events", EVENTS), ("letters' logged moments", _logged_moments()),
         ("letters' clocks", CLOCKS.replace("%(rules)s", "'" + __import__("json").dumps(
             RECEIPT_RULES) + "'")),
         ("cases, programmes, their events and clocks", CASE_PLAN + PROGRAMMES + CASE_ROWS),
         ("letters handed on inside the system (issue 14)", HANDOFFS),
         ("clean-up", CLEANUP)]


def add_cases(url, cases, communes=100, log=print):
    """Add `cases` inspection and supervision cases to a built province (a copy, not the
    template) with the builder's own SQL: the same spread over the communes, days and
    kinds, numbered after each unit's year's last case, a CASE_OPENED event each, the
    open ones with a running clock. The programmes are the builder's (one per commune and
    year). For issue 12's 200,000 cases on the 100,000-case template (seconds, where a
    rebuild takes twenty minutes)."""
    import time

    import psycopg

    started = time.monotonic()
    with psycopg.connect(url, autocommit=True) as conn:
        after = conn.execute("SELECT coalesce(max(id), 0) FROM casework_inspectioncase"
                             ).fetchone()[0]
        params = {"communes": communes, "cases": cases, "branches": BRANCHES,
                  "first": FIRST_DAY, "last": LAST_DAY, "open_days": OPEN_DAYS,
                  "after_case": after}
        for statement in (CASE_PLAN + CASE_ROWS + "DROP TABLE bench_case;").split(";\n"):
            if statement.strip():
                conn.execute(statement, params)
        # VACUUM too, as `build_province` ends: this server runs with autovacuum off, and
        # without the visibility map PostgreSQL will not read the 100,000 new cases from
        # an index alone (a commune's clocks' scope then scanned all 200,000 cases:
        # 147 ms, 38 ms after VACUUM).
        conn.execute("VACUUM ANALYZE")
    log(f"  {cases} more cases: {time.monotonic() - started:.1f} s")


def main():
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--communes", type=int, default=100)
    parser.add_argument("--letters", type=int, default=1_000_000)
    parser.add_argument("--cases", type=int, default=None, help="default: letters / 10")
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    print(build_province(args.communes, args.letters, args.cases or args.letters // 10,
                         rebuild=args.rebuild))


if __name__ == "__main__":
    main()

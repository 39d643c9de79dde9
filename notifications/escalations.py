"""Notices for fired escalation rungs, written set-wise in the sweep's transaction.

Who hears of a rung depends on the rule's ladder (`DeadlineRule.*_audience`, cumulative):
1 the handler (the clock's assignee: for an inspection or supervision case, its team
leader); 2 also the head of the unit that holds the case (leaders assigned to that very
organisation; for an inspection or supervision case, the deciding body there: its UBKT
members, branch secretary or leaders); 3 also the committee's leaders
(`notifications.audiences`: leaders at the organisation or any level above it, short of a
province). In-app notices are visible once
committed; e-mail notices (for people with an address) wait in the outbox for delivery.
Unique (cause_key, recipient, channel) with ON CONFLICT DO NOTHING keeps it idempotent.

Digests instead of floods: whoever would get more than NOTICE_ESCALATION_EMAIL_LIMIT
escalation e-mails from one sweep gets one summary e-mail (kind "summary", cause
"escsum:<run>") listing them; in-app notices stay one per escalation.
"""
import json

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from notifications.audiences import committee_leaders_join
from notifications.models import Channel, DeliveryStatus, NoticeKind
from notifications.outbox import enqueue_dispatch

_AUDIENCE = """CASE e.rung WHEN 0 THEN r.warn_audience WHEN 1 THEN r.due_audience
                           ELSE r.overdue_audience END"""
_KIND = """CASE e.rung WHEN 0 THEN 'warning' WHEN 1 THEN 'due' WHEN 2 THEN 'overdue'
                       ELSE 'reminder' END"""
_FROM = """FROM workflows_escalation e
    JOIN workflows_deadlineclock c ON c.id = e.clock_id
    JOIN workflows_deadlinerule r ON r.id = c.rule_id"""

# Who hears of each rung fired in this run: (esc_id, clock_id, petition_id, kind, user_id,
# has_email, n), n being how many of this run's escalations that person hears of.
_AUDIENCE_CTE = f"""
WITH t AS (
    SELECT e.id AS esc_id, e.clock_id, c.petition_id, {_KIND} AS kind,
           c.assignee_id AS user_id
    {_FROM}
    WHERE e.run = %(run)s AND c.assignee_id IS NOT NULL
  UNION
    SELECT e.id, e.clock_id, c.petition_id, {_KIND}, ra.user_id
    {_FROM}
    JOIN casework_roleassignment ra
      ON ra.organisation_id = c.organisation_id
         AND (ra.role = 'leader' OR (c.inspection_id IS NOT NULL
                                     AND ra.role IN ('ubkt', 'branch_secretary')))
    WHERE e.run = %(run)s AND {_AUDIENCE} >= 2
  UNION
    SELECT e.id, e.clock_id, c.petition_id, {_KIND}, ra.user_id
    {_FROM}
    JOIN casework_organisation co ON co.id = c.organisation_id
    {committee_leaders_join("co")}
    WHERE e.run = %(run)s AND {_AUDIENCE} >= 3
), r AS (
    SELECT t.*, u.email <> '' AS has_email, COUNT(*) OVER (PARTITION BY t.user_id) AS n
    FROM t JOIN auth_user u ON u.id = t.user_id AND u.is_active
)
"""

# In-app notices for everyone; e-mails for those who hear of at most %(limit)s.
_NOTICE_COLUMNS = """
INSERT INTO notifications_notice
    (cause_key, kind, recipient_id, channel, escalation_id, clock_id, petition_id, payload,
     status, attempts, last_error, created_at, sent_at)
"""
_NOTICE_ROWS = """
SELECT 'esc:' || r.esc_id, r.kind, r.user_id, ch.channel, r.esc_id, r.clock_id,
       r.petition_id, '{}',
       CASE ch.channel WHEN 'in_app' THEN 'sent' ELSE 'pending' END, 0, '', %(now)s,
       CASE ch.channel WHEN 'in_app' THEN %(now)s END
FROM r CROSS JOIN (SELECT 'in_app' AS channel UNION ALL SELECT 'email') ch
WHERE ch.channel = 'in_app' OR (r.has_email AND r.n <= %(limit)s)
ON CONFLICT (cause_key, recipient_id, channel) DO NOTHING
"""
# (WITH after INSERT: Python's sqlite3 reports a rowcount only for a statement that starts
# with INSERT.)
_INSERT_NOTICES = _NOTICE_COLUMNS + _AUDIENCE_CTE + _NOTICE_ROWS

# Those who would be flooded, and what their one summary e-mail lists.
_FLOODED = _AUDIENCE_CTE + """
SELECT r.user_id, r.esc_id FROM r WHERE r.has_email AND r.n > %(limit)s
ORDER BY r.user_id, r.esc_id
"""

# PostgreSQL: both in one statement, so the audience is worked out once (a data-modifying
# WITH); one row: notices written, and the flooded (user, escalation) pairs in order.
_INSERT_NOTICES_AND_FLOODED_PG = _AUDIENCE_CTE + """, ins AS (
""" + _NOTICE_COLUMNS + _NOTICE_ROWS + """ RETURNING 1
), flooded AS (
    SELECT r.user_id, r.esc_id FROM r WHERE r.has_email AND r.n > %(limit)s
)
SELECT (SELECT count(*) FROM ins),
       ARRAY(SELECT user_id FROM flooded ORDER BY user_id, esc_id),
       ARRAY(SELECT esc_id FROM flooded ORDER BY user_id, esc_id)
"""


def write_escalation_notices(sender, run, today, **kwargs):
    """Receiver of `escalations_fired`: runs inside the sweep's transaction. Returns how
    many notice rows it wrote.

    A person who would get more than NOTICE_ESCALATION_EMAIL_LIMIT escalation e-mails from
    this one sweep (a committee leader on a province-wide morning, or a handler with many
    letters falling due at once) gets one summary e-mail listing them instead; their
    in-app notices stay one per escalation."""
    run_param = run if connection.vendor == "postgresql" else run.hex
    params = {"run": run_param, "now": timezone.now(),
              "limit": settings.NOTICE_ESCALATION_EMAIL_LIMIT}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_INSERT_NOTICES_AND_FLOODED_PG, params)
            written, users, escalations = cursor.fetchone()
            flooded = list(zip(users, escalations, strict=True))
        else:
            cursor.execute(_INSERT_NOTICES, params)
            written = cursor.rowcount
            cursor.execute(_FLOODED, params)
            flooded = cursor.fetchall()
    written += _write_summaries(run, flooded)
    if written:
        transaction.on_commit(enqueue_dispatch)
    return written


# One statement: its count of rows written is what the run wrote (a repeated run, a
# retried signal, writes and counts no second summary), without reading them first.
_INSERT_SUMMARIES = """
INSERT INTO notifications_notice
    (cause_key, kind, recipient_id, channel, payload, status, attempts, last_error,
     created_at)
VALUES {rows}
ON CONFLICT (cause_key, recipient_id, channel) DO NOTHING
"""


def _write_summaries(run, flooded):
    lists = {}
    for user_id, esc_id in flooded:
        lists.setdefault(user_id, []).append(esc_id)
    if not lists:
        return 0
    cause_key = f"escsum:{run.hex}"
    payload = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
    row = f"(%s, %s, %s, %s, {payload}, %s, 0, '', %s)"
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    params = []
    for user_id, ids in lists.items():
        params += [cause_key, NoticeKind.SUMMARY.value, user_id, Channel.EMAIL.value,
                   json.dumps({"escalations": ids}), DeliveryStatus.PENDING.value, now]
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_SUMMARIES.format(rows=", ".join([row] * len(lists))), params)
        return cursor.rowcount

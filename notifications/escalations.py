"""Notices for fired escalation rungs, written set-wise in the sweep's transaction.

Who hears of a rung depends on the rule's ladder (`DeadlineRule.*_audience`, cumulative):
1 the handler (the clock's assignee: for an inspection or supervision case, its team
leader); 2 also the head of the unit that holds the case (leaders assigned to that very
organisation; for an inspection or supervision case, the deciding body there: its UBKT
members, branch secretary or leaders); 3 also the committee's leaders (leaders assigned to
the organisation or any level above it, short of a province: a provincial leader is not
told of every commune's late letter). In-app notices are visible once
committed; e-mail notices (for people with an address) wait in the outbox for delivery.
Unique (cause_key, recipient, channel) with ON CONFLICT DO NOTHING keeps it idempotent.
"""
from django.db import connection, transaction
from django.utils import timezone

from notifications.outbox import enqueue_dispatch

_AUDIENCE = """CASE e.rung WHEN 0 THEN r.warn_audience WHEN 1 THEN r.due_audience
                           ELSE r.overdue_audience END"""
_KIND = """CASE e.rung WHEN 0 THEN 'warning' WHEN 1 THEN 'due' WHEN 2 THEN 'overdue'
                       ELSE 'reminder' END"""
_FROM = """FROM workflows_escalation e
    JOIN workflows_deadlineclock c ON c.id = e.clock_id
    JOIN workflows_deadlinerule r ON r.id = c.rule_id"""

_INSERT_NOTICES = f"""
INSERT INTO notifications_notice
    (cause_key, kind, recipient_id, channel, escalation_id, clock_id, petition_id, payload,
     status, attempts, last_error, created_at, sent_at)
SELECT 'esc:' || t.esc_id, t.kind, t.user_id, ch.channel, t.esc_id, t.clock_id,
       t.petition_id, '{{}}',
       CASE ch.channel WHEN 'in_app' THEN 'sent' ELSE 'pending' END, 0, '', %(now)s,
       CASE ch.channel WHEN 'in_app' THEN %(now)s END
FROM (
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
    JOIN casework_roleassignment ra ON ra.role = 'leader'
    JOIN casework_organisation lo
      ON lo.id = ra.organisation_id AND lo.kind <> 'province'
         AND co.path LIKE lo.path || '%%'
    WHERE e.run = %(run)s AND {_AUDIENCE} >= 3
) t
JOIN auth_user u ON u.id = t.user_id AND u.is_active
CROSS JOIN (SELECT 'in_app' AS channel UNION ALL SELECT 'email') ch
WHERE ch.channel = 'in_app' OR u.email <> ''
ON CONFLICT (cause_key, recipient_id, channel) DO NOTHING
"""


def write_escalation_notices(sender, run, today, **kwargs):
    """Receiver of `escalations_fired`: runs inside the sweep's transaction."""
    run_param = run if connection.vendor == "postgresql" else run.hex
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_NOTICES, {"run": run_param, "now": timezone.now()})
        written = cursor.rowcount
    if written:
        transaction.on_commit(enqueue_dispatch)
    return written


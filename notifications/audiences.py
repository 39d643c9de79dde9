"""Who counts as an organisation's leaders for notices, written once.

A committee's leaders, for a letter or a case of an organisation, are the users holding a
leader role at that organisation or at any level above it, short of a province: a
provincial leader is not told of every commune's late letter (the province's UBKT
oversees 100+ communes; it reads the roll-ups instead). The sweep writes escalation
notices set-wise in SQL (`notifications.escalations`), so the rule is SQL; the event
notices (`notifications.receivers`) run the same statement for one organisation.
"""
from django.db.models.expressions import RawSQL

from casework.models import OrgKind, Role


def committee_leaders_join(org, *, ra="ra", lo="lo"):
    """JOIN clauses adding, for each organisation row `org`, the role assignments `ra` of
    its committee's leaders (at organisation `lo`). `%%` because the statement is run with
    parameters."""
    return f"""JOIN casework_roleassignment {ra} ON {ra}.role = '{Role.LEADER.value}'
    JOIN casework_organisation {lo}
      ON {lo}.id = {ra}.organisation_id AND {lo}.kind <> '{OrgKind.PROVINCE.value}'
         AND {org}.path LIKE {lo}.path || '%%'"""


_OF_ONE = f"""SELECT ra.user_id FROM casework_organisation co {committee_leaders_join("co")}
    WHERE co.id = %s"""


def committee_leader_ids(organisation_id):
    """The ids of the committee's leaders of one organisation, as a subquery."""
    return RawSQL(_OF_ONE, [organisation_id])

"""Confirming a deadline rule against its source text.

A rule shipped from a public reading is "unconfirmed" until an administrator has read the
article itself; confirming records who did it and when. Only the source and the state
change: a rule's numbers never change in place (a new version does that), so confirming
moves no due date.
"""
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.errors import ActionRefused
from workflows.models import DeadlineRule


@transaction.atomic
def rule_confirm(*, actor, rule_ids: list[int]) -> int:
    """Mark the rules as checked against their source text; returns how many changed.
    A rule without a named source cannot be confirmed: there is nothing to have read."""
    if not actor.is_superuser:
        raise ActionRefused(_("Chỉ quản trị viên được xác nhận quy tắc thời hạn."))
    rules = DeadlineRule.objects.select_for_update().filter(pk__in=rule_ids, confirmed=False)
    missing = [str(r) for r in rules if not (r.source_title and r.source_article)]
    if missing:
        raise ActionRefused(_("Chưa ghi tên văn bản, điều khoản của quy tắc: %(rules)s. Ghi "
                              "nguồn trước khi xác nhận.") % {"rules": "; ".join(missing)})
    return rules.update(confirmed=True, confirmed_by=actor, confirmed_on=timezone.localdate())


@transaction.atomic
def rule_unconfirm(*, actor, rule_ids: list[int]) -> int:
    """Back to "unconfirmed" (the text was re-read and doubts remain)."""
    if not actor.is_superuser:
        raise ActionRefused(_("Chỉ quản trị viên được xác nhận quy tắc thời hạn."))
    return (DeadlineRule.objects.filter(pk__in=rule_ids, confirmed=True)
            .update(confirmed=False, confirmed_by=None, confirmed_on=None))

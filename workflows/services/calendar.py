"""Editing the working-day calendar.

The admin, commands and any later page call these two services, never the model directly:
an edit must also drop the cached calendar and recompute the due dates of the open clocks
whose window covers the day, with a ledger line saying what changed and why.
"""
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from casework.formatting import date_text
from casework.text import cleans_text
from workflows.calendar import get_calendar, invalidate_calendar
from workflows.models import CalendarOverride

REASON_MAX = CalendarOverride._meta.get_field("reason").max_length
SOURCE_MAX = CalendarOverride._meta.get_field("source").max_length


def _state(is_working_day):
    return _("ngày làm việc") if is_working_day else _("ngày nghỉ")


def _recompute(day, reason, actor):
    # Imported here: the clocks module imports the calendar, and is the other side of it.
    from workflows.services.clocks import recompute_for_calendar_change

    return recompute_for_calendar_change(days=[day], reason=reason, actor=actor)


@transaction.atomic
@cleans_text("reason")
def calendar_set_day(*, day: date, is_working_day: bool, reason: str, source: str = "",
                     actor) -> CalendarOverride:
    """Say what one date really is (an extra day off, a make-up working Saturday)."""
    reason = (reason or "").strip()
    source = (source or "").strip()
    errors = {}
    if not isinstance(day, date):
        errors["day"] = _("Chưa nhập ngày cần điều chỉnh.")
    if not reason:
        errors["reason"] = _("Chưa nhập lý do điều chỉnh ngày này.")
    elif len(reason) > REASON_MAX:
        errors["reason"] = _("Lý do dài quá %(n)s ký tự.") % {"n": REASON_MAX}
    if len(source) > SOURCE_MAX:
        errors["source"] = _("Căn cứ dài quá %(n)s ký tự.") % {"n": SOURCE_MAX}
    if errors:
        raise ValidationError(errors)
    was_working = get_calendar().is_working_day(day)
    override, _created = CalendarOverride.objects.update_or_create(
        day=day, defaults={"is_working_day": bool(is_working_day), "reason": reason,
                           "source": source, "updated_by": actor})
    invalidate_calendar()
    if bool(is_working_day) == was_working:
        change = _("Lịch: %(day)s vẫn là %(state)s, cập nhật lý do: %(reason)s") % {
            "day": date_text(day), "state": _state(is_working_day), "reason": reason}
    else:
        change = _("Lịch: %(day)s chuyển thành %(state)s (lý do: %(reason)s)") % {
            "day": date_text(day), "state": _state(is_working_day), "reason": reason}
    _recompute(day, change, actor)
    return override


@transaction.atomic
def calendar_clear_day(*, day: date, actor) -> bool:
    """Remove the office's correction for a date: it becomes whatever the public calendar
    says. Returns False if there was no correction."""
    override = CalendarOverride.objects.select_for_update().filter(day=day).first()
    if override is None:
        return False
    override.delete()
    invalidate_calendar()
    now_working = get_calendar().is_working_day(day)
    change = _("Lịch: bỏ điều chỉnh ngày %(day)s (trước là %(before)s, lý do: %(reason)s); "
               "nay là %(after)s theo lịch chung") % {
        "day": date_text(day), "before": _state(override.is_working_day), "reason": override.reason,
        "after": _state(now_working)}
    _recompute(day, change, actor)
    return True

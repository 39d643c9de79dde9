"""Small display helpers for the casework templates."""
import re

from django import template

from casework.formatting import choice_label
from casework.models import PetitionStatus

register = template.Library()


@register.filter
def label(record, field_name):
    """{{ p|label:"kind" }}: `p.get_kind_display`, without rebuilding the choices per row
    (casework.formatting.choice_label); for the lists' rows."""
    return choice_label(record, field_name)


@register.filter
def status_label(code):
    """"received" -> "Đã tiếp nhận"; "" (or an unknown code) -> "" / the code itself."""
    if not code:
        return ""
    try:
        return PetitionStatus(code).label
    except ValueError:
        return code


# "Đảng bộ xã Kè Sắt" -> "Kè Sắt": the place name used in the date line of a document.
_PLACE_PREFIX = re.compile(
    r"^\s*(?:đảng\s+bộ|đảng\s+ủy|chi\s+bộ)\s+"
    r"(?:(?:xã|phường|thị\s+trấn|tỉnh|thành\s+phố|huyện|quận|thị\s+xã)\s+)?",
    re.IGNORECASE,
)


@register.filter
def place_name(name):
    name = str(name or "")
    return _PLACE_PREFIX.sub("", name, count=1).strip() or name


@register.filter
def person_name(user):
    """A user's name in Vietnamese order, "Họ Tên" (Nguyễn Thị Hoa), falling back to the
    user name. Django's get_full_name() gives "first last" = "Thị Hoa Nguyễn", which reads
    wrong in Vietnamese once "Họ" and "Tên" are entered separately in the admin."""
    if user is None:
        return ""
    name = " ".join(part for part in (user.last_name.strip(), user.first_name.strip()) if part)
    return name or user.get_username()


@register.filter
def subject_label(kind):
    """"Người bị tố cáo" for a denunciation, …: the intake form's label for the subject of a
    letter of this kind (casework.forms.SUBJECT_LABELS)."""
    from casework.forms import SUBJECT_DEFAULT_LABEL, SUBJECT_LABELS

    return SUBJECT_LABELS.get(kind, SUBJECT_DEFAULT_LABEL)


@register.filter
def may_receive(user):
    """Whether to offer "Tiếp nhận đơn" (one EXISTS query per request: the answer is kept
    on the user object, which the menu and the register page both ask)."""
    from casework.permissions import receiving_organisations

    if not getattr(user, "is_authenticated", False):
        return False
    if not hasattr(user, "_casework_may_receive"):
        user._casework_may_receive = receiving_organisations(user).exists()
    return user._casework_may_receive


@register.filter
def document_month(value):
    """Month as written in a Party document's date line: January and February take a
    leading zero ("tháng 01", "tháng 02") so they cannot be extended by hand into 10–12."""
    if not value:
        return ""
    return f"{value.month:02d}" if value.month < 3 else str(value.month)

"""Việc của tôi (/viec-cua-toi/): the user's next steps on letters and cases, most urgent
first. Thin: the lists and their scoping are in workflows.my_work.

A user whose letters span several communes (a province's leader: tens of thousands of
open letters) sees one line per commune with its count, each a link to that commune's
list (?don-vi=), and the most urgent letters across them, rather than 200 rows nobody
reads (issue 18)."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from casework.formatting import count_text
from casework.models import Organisation
from casework.query_names import param, unknown_parameters_message
from workflows.my_work import (
    GROUPED_LIMIT,
    LIMIT,
    case_items,
    letter_groups,
    letter_items,
    letters_to_act_on,
)
from workflows.panels import request_calendar


def _unit(request):
    """The unit asked by ?don-vi= among those the user sees, or None (a message says why
    when one was asked and is not theirs or not a number)."""
    asked = request.GET.get(param("organisation"), "")
    if not asked:
        return None
    unit = (Organisation.objects.visible_to(request.user).filter(pk=asked).first()
            if asked.isdigit() else None)
    if unit is None:
        messages.warning(request, _("Không có đơn vị “%(unit)s” trong phạm vi của bạn: "
                                    "đang xem tất cả.") % {"unit": asked[:20]})
    return unit


@login_required
@require_GET
def my_work(request):
    today = timezone.localdate()
    cal = request_calendar(request)
    if unknown := unknown_parameters_message(request.GET, {param("organisation")}):
        messages.warning(request, unknown)
    unit = _unit(request)
    letters = letters_to_act_on(request.user)
    if unit is not None:
        letters = letters.filter(organisation__path__startswith=unit.path)
    groups = None if unit is not None else letter_groups(request.user, letters)
    letter_rows, letters_total = letter_items(request.user, today, cal, letters=letters,
                                              limit=GROUPED_LIMIT if groups else LIMIT)
    cases, cases_total = case_items(request.user, today, cal)
    overdue = sum(1 for item in letter_rows + cases
                  if item.state and item.state.level == "overdue")
    sections = [
        {"id": "don-thu", "title": _("Đơn thư"), "rows": letter_rows, "total": letters_total,
         "count": count_text(letters_total), "number": _("Số đơn"), "groups": groups,
         "unit": unit, "empty": _("Không có đơn thư nào chờ bạn xử lý.")},
        {"id": "kiem-tra", "title": _("Kiểm tra, giám sát"), "rows": cases,
         "total": cases_total, "count": count_text(cases_total), "number": _("Số cuộc"),
         "empty": _("Không có bước kiểm tra, giám sát nào chờ bạn.")},
    ]
    return render(request, "workflows/my_work.html", {
        "today": today, "sections": sections, "overdue": count_text(overdue),
        "has_overdue": overdue > 0, "unit_param": param("organisation"),
    })

"""Việc của tôi (/viec-cua-toi/): the user's next steps on letters and cases, most urgent
first. Thin: the lists and their scoping are in workflows.my_work."""
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from casework.formatting import count_text
from workflows.my_work import case_items, letter_items
from workflows.panels import request_calendar


@login_required
@require_GET
def my_work(request):
    today = timezone.localdate()
    cal = request_calendar(request)
    letters, letters_total = letter_items(request.user, today, cal)
    cases, cases_total = case_items(request.user, today, cal)
    overdue = sum(1 for item in letters + cases if item.state and item.state.level == "overdue")
    sections = [
        {"id": "don-thu", "title": _("Đơn thư"), "rows": letters, "total": letters_total,
         "count": count_text(letters_total), "number": _("Số đơn"),
         "empty": _("Không có đơn thư nào chờ bạn xử lý.")},
        {"id": "kiem-tra", "title": _("Kiểm tra, giám sát"), "rows": cases,
         "total": cases_total, "count": count_text(cases_total), "number": _("Số cuộc"),
         "empty": _("Không có bước kiểm tra, giám sát nào chờ bạn.")},
    ]
    return render(request, "workflows/my_work.html", {
        "today": today, "sections": sections, "overdue": count_text(overdue),
        "has_overdue": overdue > 0,
    })

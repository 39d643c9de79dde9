"""Case task pages (in progress)."""
from django.contrib.auth.decorators import login_required
from django.http import Http404


@login_required
def task_inbox(request):
    raise Http404


task_queue = case_task = task_claim = case_chart = case_chart_svg = task_inbox

"""Inspection and supervision case pages (in progress)."""
from django.contrib.auth.decorators import login_required
from django.http import Http404


@login_required
def case_list(request):
    raise Http404


@login_required
def case_create(request):
    raise Http404


@login_required
def case_detail(request, pk):
    raise Http404

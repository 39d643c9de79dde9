"""The inbox: a user's own in-app notices. Every lookup is filtered by recipient in SQL,
so someone else's notice is a 404 whatever the URL."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from casework.query_names import param
from notifications.rendering import render_notices
from notifications.selectors import inbox_notices, own_notices
from notifications.templatetags.notice_tags import padded

PAGE_SIZE = 50


def _own(request):
    return own_notices(user=request.user)


def _back_to_inbox(request):
    page = request.POST.get(param("page"), "")
    url = reverse("notifications:inbox")
    return redirect(f"{url}?{param('page')}={page}" if page.isdigit() else url)


@login_required
@require_GET
def inbox(request):
    notices = inbox_notices(user=request.user)
    page = Paginator(notices, PAGE_SIZE).get_page(request.GET.get(param("page")))
    rows = list(zip(page.object_list, render_notices(list(page.object_list))))
    return render(request, "notifications/inbox.html", {"page": page, "rows": rows})


@login_required
@require_GET
def notice_open(request, pk):
    """The link of a notice: marks it read and goes to the case it is about."""
    notice = get_object_or_404(_own(request), pk=pk)
    if notice.read_at is None:
        _own(request).filter(pk=pk, read_at__isnull=True).update(read_at=timezone.now())
    url = render_notices([notice])[0].url
    return redirect(url)


@login_required
@require_POST
def notice_mark_read(request, pk):
    get_object_or_404(_own(request), pk=pk)
    _own(request).filter(pk=pk, read_at__isnull=True).update(read_at=timezone.now())
    return _back_to_inbox(request)


@login_required
@require_POST
def notice_mark_all_read(request):
    n = _own(request).filter(read_at__isnull=True).update(read_at=timezone.now())
    if n:
        messages.success(request, _("Đã đánh dấu %(n)s thông báo là đã đọc.") % {"n": padded(n)})
    return _back_to_inbox(request)

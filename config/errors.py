"""The 400 page. Django's default renders 400.html without the request, so the page could
not show the layout (the logged-in menu, the language), and it cannot tell the user what
was wrong. A refused upload is the common case: say how many files and how much a letter
may have, and that nothing was saved."""
from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _


def _reason(exception):
    if isinstance(exception, TooManyFilesSent):
        return _("Gửi quá nhiều tệp trong một lần: mỗi đơn đính kèm tối đa %(max)s tệp.") % {
            "max": settings.ATTACHMENT_MAX_FILES}
    if isinstance(exception, RequestDataTooBig):
        return _("Dữ liệu gửi lên quá lớn: các tệp của một đơn tối đa %(total)s (mỗi tệp "
                 "tối đa %(each)s).") % {
            "total": filesizeformat(settings.ATTACHMENT_MAX_TOTAL_BYTES),
            "each": filesizeformat(settings.ATTACHMENT_MAX_BYTES)}
    if isinstance(exception, TooManyFieldsSent):
        return _("Biểu mẫu gửi lên có quá nhiều mục.")
    return ""


def bad_request(request, exception, template_name="400.html"):
    response = render(request, template_name, {"reason": _reason(exception)}, status=400)
    return response

"""A database that is away (restarting, unreachable) when a request needs it.

Instead of the generic 500 page ("an error occurred"), the user gets a page saying in
Vietnamese that nothing was saved and to try again, with HTTP 503 and Retry-After. For a
form, the page carries what was typed (every field but the files) in a form that posts it
again to the same address with one click; the form's one-time token (casework.submissions)
makes that retry safe even if the first attempt did reach the database.

The page is rendered without the request's context processors, which would ask the
database again.
"""
import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string

log = logging.getLogger("casework.db")

DATABASE_AWAY = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5


def unavailable_response(request, error):
    log.warning("Cơ sở dữ liệu không trả lời khi xử lý %s %s: %s", request.method,
                request.path, error)
    posted = request.method == "POST"
    fields = [(name, value) for name, values in request.POST.lists() for value in values] \
        if posted else []
    html = render_to_string("db_unavailable.html", {
        "posted": posted, "fields": fields, "had_files": posted and bool(request.FILES),
        "action": request.get_full_path(), "retry_after": RETRY_AFTER_SECONDS,
    })
    response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseOutageMiddleware:
    """Turns a view's database-unavailable error into the page above."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_AWAY):
            return unavailable_response(request, exception)
        return None

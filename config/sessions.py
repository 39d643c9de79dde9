"""Sessions that never write after the view's transaction (issue 20, item 6).

Django saves a session after the view (SESSION_SAVE_EVERY_REQUEST), when the view's own
transaction has long committed: a database that restarts in between turned a saved letter
into a 500 page saying it may not have been recorded, and the clerk entered it again.

Here the idle timeout is pushed back *before* the view, at most once per REFRESH_EVERY
seconds (so the 30 idle minutes are 30 minus at most one), and after the view the session
is saved only if the view changed it (a login, a logout). Should that save fail, the
answer is still the view's own: what the view did is committed, and the session is only
a convenience. A database that is away before the view gets the "not saved, try again"
page (config/db_outage.py), with nothing written.
"""
import logging
import time

from django.contrib.sessions.middleware import SessionMiddleware
from django.db import DatabaseError

from config.db_outage import DATABASE_AWAY, unavailable_response

log = logging.getLogger("casework.sessions")

REFRESH_EVERY = 60
REFRESHED_AT = "_refreshed_at"


class EarlySessionMiddleware(SessionMiddleware):
    def process_view(self, request, view_func, view_args, view_kwargs):
        session = request.session
        try:
            if not request.user.is_authenticated:
                return None
            now = int(time.time())
            if now - session.get(REFRESHED_AT, 0) < REFRESH_EVERY:
                return None
            session[REFRESHED_AT] = now
            session.save()  # a new expiry: now + SESSION_COOKIE_AGE
        except DATABASE_AWAY as error:
            return unavailable_response(request, error)
        # Saved: what the view leaves unchanged needs no second save, only the cookie.
        request._session_saved_as = (session.session_key, dict(session.items()))
        return None

    def process_response(self, request, response):
        session = getattr(request, "session", None)
        saved_as = getattr(request, "_session_saved_as", None)
        if session is not None and saved_as is not None and not session.modified:
            session.modified = True  # so that the cookie is sent again with the new expiry
        if session is not None and saved_as == (session.session_key, dict(session.items())):
            session.save = lambda *args, **kwargs: None  # already saved before the view
        try:
            return super().process_response(request, response)
        except DatabaseError:
            log.warning("Không lưu được phiên làm việc sau khi trả lời %s %s; kết quả của "
                        "yêu cầu vẫn giữ nguyên.", request.method, request.path, exc_info=True)
            return response

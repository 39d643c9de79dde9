"""The interface is Vietnamese unless the user picks English with the language switcher.

Office PCs often run an English browser; letting its Accept-Language header choose the
language would show Vietnamese clerks a half-English interface they never asked for.
"""
from django.conf import settings
from django.core.exceptions import RequestDataTooBig


class OfficeLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class RequestSizeLimitMiddleware:
    """Refuses a request whose declared body is larger than REQUEST_MAX_BYTES before
    anything reads it: Django bounds the form fields and the number of files, but not the
    total size of the files, which it would otherwise spool to disk in full before the
    form could say "too large". The 400 is answered by config.errors.bad_request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.REQUEST_MAX_BYTES:
            raise RequestDataTooBig(
                f"Request body of {length} bytes exceeds settings.REQUEST_MAX_BYTES.")
        return self.get_response(request)


class PermissionsPolicyMiddleware:
    """Switches off the browser features the site never uses (camera, microphone,
    location, payment, USB, motion sensors), so a script that got in somehow, or a page
    opened from a link, cannot ask for them. Django has no setting for this header."""

    POLICY = ", ".join(f"{feature}=()" for feature in (
        "accelerometer", "camera", "geolocation", "gyroscope", "magnetometer",
        "microphone", "payment", "usb"))

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.POLICY)
        return response

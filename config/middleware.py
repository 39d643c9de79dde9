"""The interface is Vietnamese unless the user picks English with the language switcher.

Office PCs often run an English browser; letting its Accept-Language header choose the
language would show Vietnamese clerks a half-English interface they never asked for.
"""


class OfficeLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
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

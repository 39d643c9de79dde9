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

"""`Authorization: Bearer <key>` (or `Token <key>`) for machine clients. A key acts as
its user (casework.services.api_tokens), so everything after authentication (scope,
permissions, masking, identity log) is the user's, as on the pages."""
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from casework.services.api_tokens import api_token_user

KEYWORDS = ("bearer", "token")


class ApiTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        # Read as text: DRF's helper encodes it to latin-1 and fails (a 500) on other
        # characters, which a WSGI server never passes but a client library may.
        header = str(request.META.get("HTTP_AUTHORIZATION", "")).split()
        if not header or header[0].lower() not in KEYWORDS:
            return None  # not ours: the session may still authenticate the request
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Tiêu đề Authorization phải có dạng “Bearer <khóa API>”."))
        key = header[1]
        if not key.isascii():
            raise exceptions.AuthenticationFailed(_("Khóa API không hợp lệ."))
        user, token_or_message = api_token_user(key)
        if user is None:
            raise exceptions.AuthenticationFailed(token_or_message)
        return user, token_or_message

    def authenticate_header(self, request):
        # Makes DRF answer 401 (not 403) to a request without credentials.
        return 'Bearer realm="api"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = ApiTokenAuthentication
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer",
                "description": _("Khóa API do quản trị hệ thống tạo trong trang quản trị.")}

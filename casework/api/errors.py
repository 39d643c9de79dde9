"""The API's errors, in Vietnamese: a 400 is `{"<field>": ["message naming it"]}` (and
`"detail"` for what belongs to no field), every other refusal a `{"detail": "…"}`.

DRF's own messages come through Django's translations (the request's language); this
handler adds what DRF cannot know: Django ValidationErrors raised by the services (their
message dicts are field errors, as the forms show them), ActionRefused (a 403, or a 409
when another user changed the record first or the step does not fit its state,
see casework.errors), and DRF's
English-only fallbacks replaced by ours.
"""
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.views import exception_handler

from casework.errors import ActionRefused, Stale, WrongState


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def _messages(method=""):
    return {
        exceptions.NotAuthenticated: _("Chưa đăng nhập hoặc thiếu khóa API (tiêu đề "
                                       "Authorization: Bearer <khóa>)."),
        exceptions.PermissionDenied: _("Bạn không có quyền thực hiện thao tác này."),
        exceptions.NotFound: _("Không tìm thấy."),
        exceptions.MethodNotAllowed: _("Phương thức %(method)s không được hỗ trợ ở địa chỉ "
                                       "này.") % {"method": method},
        exceptions.NotAcceptable: _("Không trả được dữ liệu theo định dạng yêu cầu; API chỉ "
                                    "trả JSON."),
        exceptions.UnsupportedMediaType: _("Kiểu dữ liệu gửi lên không được hỗ trợ; gửi "
                                           "JSON (Content-Type: application/json)."),
        exceptions.Throttled: _("Quá nhiều yêu cầu; đề nghị thử lại sau."),
        exceptions.ParseError: _("Dữ liệu gửi lên không đọc được (JSON không hợp lệ)."),
    }


def _generic(exc, method):
    """Our message for a DRF exception that carries DRF's own text: its default, or its
    default filled in (the method, the media type, the wait)."""
    for kind, message in _messages(method).items():
        default = str(kind.default_detail)
        if isinstance(exc, kind) and (str(exc.detail) == default or "{" in default):
            return message
    return None


def django_errors(exc: DjangoValidationError) -> dict:
    """A service's ValidationError as the API's 400 body: its fields, or "detail"."""
    if hasattr(exc, "error_dict"):
        return {("detail" if name == "__all__" else name): [str(m) for m in messages]
                for name, messages in exc.message_dict.items()}
    return {"detail": [str(m) for m in exc.messages]}


def api_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(django_errors(exc))
    elif isinstance(exc, (Stale, WrongState)):
        exc = Conflict(exc.message)
    elif isinstance(exc, ActionRefused):
        exc = exceptions.PermissionDenied(exc.message)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, exceptions.AuthenticationFailed) and str(exc.detail) == str(
            exceptions.AuthenticationFailed.default_detail):
        exc.detail = _("Thông tin xác thực không đúng.")
    request = context.get("request")
    message = _generic(exc, getattr(request, "method", ""))
    if message is not None:
        exc.detail = message
    if isinstance(exc, exceptions.ParseError):
        # DRF's text says which byte (in English); the client needs to know it is not JSON.
        exc = exceptions.ValidationError({"detail": [_messages()[exceptions.ParseError]]})
    if isinstance(exc, exceptions.ValidationError):
        response = exception_handler(exc, context)
        data = response.data
        if not isinstance(data, dict):  # a non-field error raised as a bare list or text
            data = {"detail": data}
        if "non_field_errors" in data:
            data["detail"] = data.pop("non_field_errors")
        # One shape for every 400: each name with a list of messages.
        response.data = {str(name): _message_list(value) for name, value in data.items()}
        return response
    return exception_handler(exc, context)


def _message_list(value):
    if isinstance(value, (list, tuple)):
        return [m for item in value for m in _message_list(item)]
    if isinstance(value, dict):
        return [f"{name}: {m}" for name, item in value.items() for m in _message_list(item)]
    return [str(value)]

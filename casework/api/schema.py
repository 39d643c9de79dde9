"""Schema post-processing: every operation declares the errors the API answers, with
their Vietnamese bodies (casework.api.errors), so a client (and the schema test) knows
every status it may get. Declared once here rather than on each view."""
from django.utils.translation import gettext_noop

DETAIL = {"type": "object", "properties": {"detail": {"type": "string"}},
          "required": ["detail"]}
FIELD_ERRORS = {"type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}}}

ERRORS = {
    "400": (gettext_noop("Dữ liệu, tham số không hợp lệ: từng trường kèm thông báo"),
            FIELD_ERRORS),
    "401": (gettext_noop("Chưa xác thực, hoặc khóa API sai, hết hạn, đã thu hồi"), DETAIL),
    "403": (gettext_noop("Không có quyền"), DETAIL),
    "404": (gettext_noop("Không có, hoặc ngoài phạm vi người dùng"), DETAIL),
    "406": (gettext_noop("Chỉ trả JSON"), DETAIL),
}
WRITE_ERRORS = {
    "409": (gettext_noop("Đơn vừa được người khác cập nhật, hoặc bước này không hợp với "
                         "trạng thái hiện tại"), DETAIL),
    "415": (gettext_noop("Chỉ nhận JSON"), DETAIL),
}


# A GET with an old English parameter name (?page=, ?unit=) is sent to the same address
# with the Vietnamese name (casework.query_names.LegacyQueryNamesMiddleware), for the API as
# for the pages, so scripts written before the names changed keep working.
LEGACY_NAMES = (gettext_noop("Tên tham số cũ (tiếng Anh): chuyển hẳn sang cùng địa chỉ với "
                             "tên tham số tiếng Việt (Location)"))


def declare_errors(result, generator, request, public):
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            responses = operation.setdefault("responses", {})
            if method == "get":
                responses.setdefault("301", {"description": LEGACY_NAMES})
            errors = {**ERRORS, **(WRITE_ERRORS if method != "get" else {})}
            for code, (description, body) in errors.items():
                responses.setdefault(code, {
                    "description": description,
                    "content": {"application/json": {"schema": body}}})
    return result

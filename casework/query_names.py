"""The names of the query parameters that the pages and the API read: Vietnamese, without
diacritics, hyphenated (?tim=, ?trang-thai=, ?giam-sat=), like the paths (/don-thu/) and
the older parameters ?don= and ?giam-sat=. One table: forms and filters take their
parameter names from it (`vietnamese_parameters`), and the English names the pages used
until December 2026 stay valid for bookmarks and scripts, answered by a permanent redirect
to the same address with the Vietnamese names (`LegacyQueryNamesMiddleware`), so that
nothing reads two names for one thing.
"""
from urllib.parse import urlencode

from django.http import HttpResponsePermanentRedirect

# The field's name in the code → the parameter's name in an address.
QUERY_NAMES = {
    "q": "tim",                    # tìm kiếm
    "kind": "loai",                # loại đơn, loại cuộc
    "status": "trang-thai",
    "organisation": "don-vi",      # nơi tiếp nhận, cấp tiến hành
    "received_from": "tu-ngay",
    "received_to": "den-ngay",
    "year": "nam",
    "page": "trang",
    "identity": "danh-tinh",       # xuất kèm danh tính người tố cáo
    "item": "muc",                 # mục của chương trình kiểm tra, giám sát
    "start": "ngay-phat-sinh",     # máy tính thời hạn
    "length": "so-ngay",
    "unit": "cach-tinh",
}


def param(name):
    """The parameter name of a field: param("page") == "trang"."""
    return QUERY_NAMES.get(name, name)


def vietnamese_parameters(cls):
    """Class decorator for a django-filter FilterSet or a GET form: its filters or fields
    are read from (and written to) the parameters named in QUERY_NAMES. Renaming the keys
    themselves, not only the HTML names, makes the form's data, its errors and the API
    schema all say the name that is in the address."""
    attr = "base_filters" if hasattr(cls, "base_filters") else "base_fields"
    setattr(cls, attr, {param(name): field for name, field in getattr(cls, attr).items()})
    return cls


class LegacyQueryNamesMiddleware:
    """A GET with an English parameter name (?status=, ?page=) is sent, permanently, to the
    same address with the Vietnamese name, so old bookmarks and scripts keep working. The
    admin keeps Django's own names (?q=, ?p=), and a name that is not in the table passes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (request.method in ("GET", "HEAD")
                and any(name in QUERY_NAMES for name in request.GET)
                and not request.path_info.startswith(_admin_prefix())):
            query = [(param(name), value) for name, values in request.GET.lists()
                     for value in values]
            return HttpResponsePermanentRedirect(f"{request.path}?{urlencode(query)}")
        return self.get_response(request)


def _admin_prefix():
    from django.urls import reverse

    return reverse("admin:index")

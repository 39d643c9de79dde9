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
from django.utils.translation import gettext as _

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
    "after": "sau",                # trang sau: khóa của dòng cuối trang trước (selectors.keyset)
    "before": "truoc",             # trang trước: khóa của dòng đầu trang sau
    "identity": "danh-tinh",       # xuất kèm danh tính người tố cáo
    "item": "muc",                 # mục của chương trình kiểm tra, giám sát
    "start": "ngay-phat-sinh",     # máy tính thời hạn
    "length": "so-ngay",
    "unit": "cach-tinh",
    # The list behind a report's figure (casework.figure_filters, /bao-cao/).
    "figure": "so-lieu",
    "figure_detail": "chi-tiet",   # the kind, outcome or discipline form of the figure
    "period_from": "ky-tu-ngay",
    "period_to": "ky-den-ngay",
    "exact_unit": "tai-don-vi",    # this unit only (the figure of one row of the table)
    "figure_body": "chu-the",             # chủ thể tiến hành
    "report_period": "ky",                # /bao-cao/: tháng, quý, 6 tháng, 9 tháng, năm, nhiệm kỳ
    "report_month": "thang",
    "report_quarter": "quy",
    "report_from": "tu-ngay",
    "report_to": "den-ngay",
    "report_format": "dinh-dang",
    "handler": "nguoi-xu-ly",      # người xử lý một thời hạn (/thoi-han/)
    "closed_from": "ket-thuc-tu",  # ngày kết thúc của đơn (sổ đơn thư)
    "closed_to": "ket-thuc-den",
    # A roll-up over this unit's subtree: a letter handed on inside it is counted once, at
    # the recipient's letter (the leaders' overview's lists; casework.figure_filters).
    "rollup": "tong-hop",
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


def unknown_parameters_message(query, known):
    """The message for the parameters in `query` (a QueryDict) that are not among `known`
    (a page's own names), or None: a misspelt filter (?nam-nhan=, ?trangthai=) is said,
    not silently dropped, so nobody reads an unfiltered list as a filtered one. The English
    names never get here: the middleware below has already renamed them."""
    unknown = [name for name in query if name not in known]
    if not unknown:
        return None
    # The names are the visitor's own text: a few, shortened, escaped by the template.
    names = ", ".join(f"“{name[:40]}”" for name in unknown[:5])
    return _("Không hiểu tham số lọc %(names)s: đã bỏ qua.") % {"names": names}


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

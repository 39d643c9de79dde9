"""The API's pages: ?trang=2, the Vietnamese name the pages use (casework.query_names)."""
from django.utils.translation import gettext_lazy as _
from rest_framework.pagination import PageNumberPagination

from casework.query_names import param


class Pages(PageNumberPagination):
    page_query_param = param("page")
    # DRF's own text has no Vietnamese translation.
    invalid_page_message = _("Không có trang này.")

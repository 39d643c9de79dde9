"""The API's pages: ?trang=2, the Vietnamese name the pages use (casework.query_names)."""
from rest_framework.pagination import PageNumberPagination

from casework.query_names import param


class Pages(PageNumberPagination):
    page_query_param = param("page")

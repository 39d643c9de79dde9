"""The log of the public status lookup (casework.services.status_lookup): read-only, for
the administrator to see who tried what and when a number was under attack. A staff
member who is not a superuser sees the lookups that found a letter of their subtree; the
ones that found nothing name no letter, so only a superuser sees them."""
from django.contrib import admin

from casework.admin import ReadOnlyAdmin
from casework.models import StatusLookup


@admin.register(StatusLookup)
class StatusLookupAdmin(ReadOnlyAdmin):
    list_display = ("at", "number_typed", "outcome", "petition", "client_hash")
    list_filter = ("outcome",)
    date_hierarchy = "at"
    search_fields = ("number_typed", "number_key", "client_hash")
    list_select_related = ("petition__organisation",)
    readonly_fields = ("at", "client_hash", "number_typed", "number_key", "outcome", "petition")
    scope_path_field = "petition__organisation__path"
    # A year of one client's flood is still one page at a time.
    show_full_result_count = False

"""The directory of outside bodies (cơ quan ngoài hệ thống) that letters are transferred or
guided to: kept here so that the transfer form offers them by name (casework.views.handoff)
instead of a name retyped each time."""
from django.contrib import admin
from django.db.models import Q

from casework.admin import ScopedAdmin
from casework.models import Organisation, OutsideBody


@admin.register(OutsideBody)
class OutsideBodyAdmin(ScopedAdmin):
    list_display = ("name", "kind", "organisation", "active")
    list_filter = ("kind", "active")
    search_fields = ("name", "name_key", "address")
    autocomplete_fields = ("organisation",)

    def scope_q(self, user):
        # A body offered everywhere is seen by every staff member; changed by a superuser.
        return Q(organisation__isnull=True) | super().scope_q(user)

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.organisation_id is None and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    has_delete_permission = has_change_permission

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "organisation" and not request.user.is_superuser:
            kwargs["queryset"] = Organisation.objects.visible_to(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

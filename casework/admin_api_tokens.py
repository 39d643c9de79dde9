"""API keys in the admin: made for a user (the key shown once, in the message after
saving, and never again: only its hash is kept), revoked with the list's action. A key is
never deleted, so the list keeps who had one, until when, and when it was last used."""
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from casework.models import ApiToken
from casework.services.api_tokens import api_token_create, api_token_revoke


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix_shown", "name", "user", "created_at", "created_by",
                    "last_used_at", "expires_at", "state_shown")
    list_select_related = ("user", "created_by")
    search_fields = ("name", "prefix", "user__username")
    list_filter = ("revoked_at",)
    readonly_fields = ("prefix", "created_at", "created_by", "last_used_at", "revoked_at")
    fields = ("user", "name", "expires_at", *readonly_fields)
    actions = ["revoke"]

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    has_add_permission = has_change_permission = has_view_permission

    def has_delete_permission(self, request, obj=None):
        return False  # revoked, never deleted: the list is the record of who had a key

    def get_readonly_fields(self, request, obj=None):
        # A key stays its user's: giving it to someone else would hand over their rights.
        return (*self.readonly_fields, "user") if obj else self.readonly_fields

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.display(description=_("tiền tố"))
    def prefix_shown(self, token):
        return f"{token.prefix}…"

    @admin.display(description=_("tình trạng"))
    def state_shown(self, token):
        return token.state()

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["name", "expires_at"])
            return
        token, key = api_token_create(actor=request.user, user=obj.user, name=obj.name,
                                      expires_at=obj.expires_at)
        # The admin goes on with `obj` (its log entry, the redirect): make it the row.
        obj.pk, obj.prefix, obj.key_hash = token.pk, token.prefix, token.key_hash
        obj.created_at, obj.created_by = token.created_at, token.created_by
        obj._state.adding, obj._state.db = False, token._state.db
        messages.warning(request, gettext(
            "Khóa API của %(user)s: %(key)s — chép ngay và cất giữ an toàn: khóa chỉ hiện "
            "một lần này, hệ thống chỉ lưu mã băm của nó.") % {"user": obj.user, "key": key})

    @admin.action(description=_("Thu hồi các khóa API đã chọn"))
    def revoke(self, request, queryset):
        count = api_token_revoke(actor=request.user,
                                 token_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, gettext("Đã thu hồi %(count)s khóa API (lúc %(time)s).")
                          % {"count": count,
                             "time": timezone.localtime().strftime("%H:%M %d/%m/%Y")})

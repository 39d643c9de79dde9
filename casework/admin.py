"""Django admin for administrators. Letters and their history are read-only here: a
letter changes only through its transitions (the case page), so the admin cannot bypass
the permission checks and the event log. Non-superuser staff see only their subtree."""
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from casework.models import (
    Attachment,
    CaseEvent,
    IdentityAccess,
    IdentityAccessPurpose,
    Member,
    Organisation,
    Petition,
    PetitionSender,
    RoleAssignment,
)
from casework.permissions import may_see_identity
from casework.search_keys import search_key
from casework.selectors.scope import (
    cases_q,
    identity_visible_q,
    letters_q,
    role_paths,
    under,
)
from casework.services.identity import log_identity_access
from casework.templatetags.casework_tags import person_name


class ScopedAdmin(admin.ModelAdmin):
    """Filters the changelist and every object lookup by the user's organisation subtree."""

    scope_path_field = "organisation__path"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(self.scope_q(request.user))

    def scope_q(self, user):
        """The rows a staff member sees: those whose organisation is at or under one where
        they hold a role (`casework.selectors.scope`); a model with its own reading rule
        (cases) says so."""
        return under(self.scope_path_field, role_paths(user))


class ReadOnlyAdmin(ScopedAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Organisation)
class OrganisationAdmin(ScopedAdmin):
    list_display = ("indented_name", "code", "symbol", "kind", "remote_area")
    list_filter = ("kind", "remote_area")
    search_fields = ("name", "code", "symbol")

    scope_path_field = "path"

    @admin.display(description=_("tên"), ordering="path")
    def indented_name(self, obj):
        return "— " * (obj.path.count("/") - 2) + obj.name


@admin.register(Member)
class MemberAdmin(ScopedAdmin):
    list_display = ("full_name", "organisation", "status", "birth_year")
    list_filter = ("status",)
    search_fields = ("full_name",)
    autocomplete_fields = ("organisation",)


class ClearanceReadOnly:
    """The clearance flag is shown, never edited: it changes only by a request and another
    administrator's approval (casework.admin_clearance), so nobody clears himself in one
    step, and staff trusted with their subtree's accounts cannot hand it out at all."""

    def get_readonly_fields(self, request, obj=None):
        return tuple(super().get_readonly_fields(request, obj)) + ("identity_clearance",)


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ClearanceReadOnly, ScopedAdmin):
    list_display = ("user", "role", "organisation", "identity_clearance")
    list_filter = ("role", "identity_clearance")
    search_fields = ("user__username", "user__first_name", "user__last_name")
    autocomplete_fields = ("organisation",)


class SenderInline(admin.TabularInline):
    model = PetitionSender
    extra = 0
    fields = ("full_name", "address", "phone", "id_number")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class AttachmentInline(SenderInline):
    model = Attachment
    fields = ("original_name", "content_type", "size", "sha256", "uploaded_at")
    readonly_fields = fields


class EventInline(SenderInline):
    model = CaseEvent
    fields = ("occurred_at", "event_type", "actor", "from_status", "to_status", "reason",
              "doc_number", "doc_date")
    readonly_fields = fields


# A protected letter's senders and its scanned pages (handwriting, signature).
IDENTITY_INLINES = (SenderInline, AttachmentInline)


@admin.register(Petition)
class PetitionAdmin(ReadOnlyAdmin):
    list_display = ("receipt_number", "received_on", "kind", "status", "organisation")
    list_filter = ("kind", "status", "channel", "receipt_year")
    # Searched on their keys (casework.search_keys); the term is folded the same way.
    search_fields = ("summary_key", "subject_key")
    inlines = [SenderInline, AttachmentInline, EventInline]
    date_hierarchy = "received_on"

    def has_view_permission(self, request, obj=None):
        return request.user.is_staff and (
            request.user.is_superuser or request.user.has_perm("casework.view_petition"))

    def get_search_results(self, request, queryset, search_term):
        # Sender names and addresses are searched only among letters whose senders this
        # user may see; otherwise a hit would reveal who sent a protected letter. A hit on
        # a protected letter for a cleared user is logged, as on the register page.
        key = search_key(search_term)
        found, may_have_duplicates = super().get_search_results(request, queryset, key)
        if key:
            by_sender = queryset.filter(
                Q(senders__name_key__contains=key) | Q(senders__address_key__contains=key),
                identity_visible_q(request.user))
            log_identity_access(user=request.user,
                                petitions=by_sender.filter(identity_confidential=True).distinct(),
                                purpose=IdentityAccessPurpose.SEARCH)
            found, may_have_duplicates = found | by_sender, True
        return found, may_have_duplicates

    def get_inline_instances(self, request, obj=None):
        inlines = super().get_inline_instances(request, obj)
        if obj is not None and not may_see_identity(request.user, obj):
            return [i for i in inlines if type(i) not in IDENTITY_INLINES]
        return inlines

    def change_view(self, request, object_id, form_url="", extra_context=None):
        petition = self.get_object(request, unquote(object_id))
        if petition is not None and may_see_identity(request.user, petition):
            log_identity_access(user=request.user, petitions=[petition],
                                purpose=IdentityAccessPurpose.ADMIN)
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    list_display = ("occurred_at", "case", "event_type", "actor", "from_status", "to_status")
    list_filter = ("event_type",)
    list_select_related = ("petition__organisation", "inspection__organisation", "actor")
    # The chain fields are shown so an auditor can compare them with a saved anchor.
    readonly_fields = ("petition", "inspection", "event_type", "actor", "occurred_at",
                       "recorded_at", "from_status", "to_status", "reason", "doc_number",
                       "doc_date", "details", "prev_hash", "hash")

    def scope_q(self, user):
        # A letter's events or a case's events, each by the rule of its kind of record.
        return ((Q(petition__isnull=False) & letters_q(user, prefix="petition__"))
                | (Q(inspection__isnull=False) & cases_q(user, prefix="inspection__")))

    @admin.display(description=_("hồ sơ"))
    def case(self, obj):
        return obj.case


@admin.register(IdentityAccess)
class IdentityAccessAdmin(ReadOnlyAdmin):
    """Who saw which denouncer's identity: read-only, for the administrator and auditors."""

    list_display = ("accessed_at", "user", "petition", "purpose")
    list_filter = ("purpose",)
    date_hierarchy = "accessed_at"
    search_fields = ("user__username", "user__last_name")
    scope_path_field = "petition__organisation__path"
    list_select_related = ("user", "petition")
    # The chain fields, to compare with a saved anchor (verify_audit --anchor).
    readonly_fields = ("accessed_at", "user", "petition", "purpose", "prev_hash", "hash")


class RoleInline(ClearanceReadOnly, admin.TabularInline):
    model = RoleAssignment
    extra = 1
    autocomplete_fields = ("organisation",)


class UserWithRolesAdmin(UserAdmin):
    """Users with their roles on the same page: an administrator creating an account for
    a new clerk gives them their organisation and role in one step."""

    inlines = [RoleInline]
    list_display = ("username", "full_name", "is_active", "is_staff", "last_login")

    @admin.display(description=_("họ và tên"))
    def full_name(self, obj):
        return person_name(obj)


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, UserWithRolesAdmin)


from casework import (  # noqa: E402,F401 (registers them)
    admin_api_tokens,
    admin_clearance,
    admin_documents,
    admin_handoff,
    admin_inspections,
    admin_lookup,
)

from django import forms
from django.contrib import admin
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from rest_framework.authtoken.admin import TokenAdmin as BaseTokenAdmin
from rest_framework.authtoken.models import TokenProxy
from simple_history.admin import SimpleHistoryAdmin

from charter import audit, tokens
from charter.models import AuditEvent, AuditKind, CharterVersion, Invitation, Membership, Organisation, Signature, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user", "organisation"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "system_role", "is_staff", "is_active", "last_login"]
    list_filter = ["system_role", "is_staff", "is_active", "memberships__role"]
    search_fields = ["email", "full_name", "memberships__organisation__name"]
    inlines = [MembershipInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["full_name", "system_role"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]}),
    ]
    actions = ["revoke_api_tokens"]

    @admin.action(description="Revoke the API tokens of the selected people")
    def revoke_api_tokens(self, request, queryset):
        count = sum(tokens.revoke(user) for user in queryset)
        self.message_user(request, f"{count} API token(s) revoked.")


def _icb_admin(request):
    return request.user.is_active and request.user.is_staff and request.user.is_icb_admin


admin.site.unregister(TokenProxy)


@admin.register(TokenProxy)
class ApiTokenAdmin(BaseTokenAdmin):
    """People's API tokens: ICB admins see who has one and revoke any.

    A token's ``str`` is its key, so nothing here shows a token by itself: the list has no links
    to a token's own page (which, like its delete page, is refused) and the checkboxes are labelled
    by the person.
    """

    list_display = ["user", "user_email", "created", "expires", "expired"]
    list_display_links = None
    list_select_related = ["user"]
    search_fields = ["user__email", "user__full_name"]
    search_help_text = "Search by the person's e-mail address or name."
    ordering = ["-created"]
    actions = ["revoke"]

    @admin.display(description="e-mail address", ordering="user__email")
    def user_email(self, obj):
        return obj.user.email

    @admin.display(description="expires")
    def expires(self, obj):
        return tokens.expires_at(obj)

    @admin.display(description="expired", boolean=True)
    def expired(self, obj):
        return tokens.is_expired(obj)

    @admin.action(description="Revoke the selected API tokens", permissions=["delete"])
    def revoke(self, request, queryset):
        count, _ = queryset.delete()
        self.message_user(request, f"{count} API token(s) revoked.")

    def action_checkbox(self, obj):
        attrs = {"class": "action-select", "aria-label": f"Select the API token of {obj.user}"}
        return forms.CheckboxInput(attrs, lambda value: False).render(ACTION_CHECKBOX_NAME, str(obj.pk))

    def response_action(self, request, queryset):
        # The checkboxes carry the person's id (as DRF's TokenProxy maps pk), actions filter by key.
        if request.method == "POST" and ACTION_CHECKBOX_NAME in request.POST:
            post = request.POST.copy()
            user_ids = [i for i in post.getlist(ACTION_CHECKBOX_NAME) if i.isdigit()]
            post.setlist(ACTION_CHECKBOX_NAME, list(queryset.filter(user_id__in=user_ids).values_list("key", flat=True)))
            request.POST = post
        return super().response_action(request, queryset)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # its confirmation page lists the keys
        return actions

    def has_module_permission(self, request):
        return _icb_admin(request) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return obj is None and (_icb_admin(request) or super().has_view_permission(request))

    def has_delete_permission(self, request, obj=None):
        return obj is None and (_icb_admin(request) or super().has_delete_permission(request))

    def has_add_permission(self, request):
        return False  # people make their own, on their "Your API tokens" page

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Organisation)
class OrganisationAdmin(SimpleHistoryAdmin):
    list_display = ["name", "sector", "kind", "place", "size", "is_anchor_institution"]
    list_filter = ["sector", "kind", "place", "size", "is_anchor_institution"]
    search_fields = ["name", "companies_house_number", "charity_number", "ods_code"]
    readonly_fields = ["slug", "created_at", "updated_at"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "organisation", "role", "created_at"]
    list_filter = ["role", "organisation__sector", "organisation__place"]
    search_fields = ["user__email", "user__full_name", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]


@admin.register(CharterVersion)
class CharterVersionAdmin(SimpleHistoryAdmin):
    list_display = ["number", "title", "published_at", "signature_count"]
    search_fields = ["title", "body"]
    actions = ["publish"]

    @admin.display(description="signatures")
    def signature_count(self, obj):
        return obj.signatures.count()

    @admin.action(description="Publish the selected versions now")
    def publish(self, request, queryset):
        from django.utils import timezone

        count = queryset.filter(published_at__isnull=True).update(published_at=timezone.now())
        self.message_user(request, f"{count} version(s) published; the newest is now the one signed.")


@admin.register(Signature)
class SignatureAdmin(SimpleHistoryAdmin):
    list_display = ["organisation", "version", "status", "signatory_name", "designation",
                    "email_needs_check", "is_hidden", "live_from", "created_at"]
    list_filter = ["status", "is_hidden", "email_needs_check", "version", "organisation__place",
                   "organisation__sector"]
    search_fields = ["organisation__name", "signatory_name", "signatory_email", "statement"]
    list_select_related = ["organisation", "version"]
    readonly_fields = ["confirmation_nonce", "confirmation_sent_at", "confirmed_at", "live_from",
                       "ended_at", "created_at", "updated_at"]
    autocomplete_fields = ["organisation", "submitted_by", "email_checked_by", "withdrawn_by"]
    actions = ["resend_confirmation"]

    @admin.action(description="Resend the confirmation e-mail")
    def resend_confirmation(self, request, queryset):
        from charter.services import SigningError, resend_confirmation

        sent = 0
        for signature in queryset:
            try:
                resend_confirmation(signature, request.user)
                sent += 1
            except SigningError as exc:
                self.message_user(request, f"{signature.organisation}: {exc}", level="warning")
        self.message_user(request, f"{sent} confirmation e-mail(s) sent.")


@admin.register(Invitation)
class InvitationAdmin(SimpleHistoryAdmin):
    """Invitations are made, resent and cancelled on the organisation's People page, which sends
    the e-mail; here they are read, with their history."""

    list_display = ["email", "organisation", "role", "status", "sent_at", "invited_by"]
    list_filter = ["status", "role"]
    search_fields = ["email", "organisation__name"]
    readonly_fields = [f.name for f in Invitation._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The audit log, read-only (ICB admins also read it, with filters and CSV, at /icb/audit/)."""

    list_display = ["at", "kind", "actor_email", "target", "organisation", "ip_address", "detail"]
    list_filter = ["kind", "at"]
    search_fields = ["actor_email", "target", "organisation__name", "detail"]
    date_hierarchy = "at"
    list_select_related = ["organisation"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_module_permission(self, request):
        return _icb_admin(request) or request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return _icb_admin(request) or request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.action(permissions=["delete"], description=django_delete_selected.short_description)
def delete_selected(modeladmin, request, queryset):
    """Django's "delete selected" action, with each object in the audit log: Django logs a bulk
    deletion with bulk_create, which sends no signal (a single one is logged by LogEntry.save)."""
    confirmed = bool(request.POST.get("post"))
    doomed = [str(obj) for obj in queryset] if confirmed else []
    with transaction.atomic():
        response = django_delete_selected(modeladmin, request, queryset)
        if confirmed and response is None and len(doomed) > 1:
            content_type = ContentType.objects.get_for_model(queryset.model, for_concrete_model=False)
            for text in doomed:
                audit.record(AuditKind.ADMIN_CHANGE, request=request, target=audit.admin_target(content_type, text),
                             detail='Deleted (with others, by the "delete selected" action)')
    return response


admin.site.add_action(delete_selected, "delete_selected")

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from simple_history.admin import SimpleHistoryAdmin

from charter.models import CharterVersion, Membership, Organisation, Signature, User


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

"""The Django admin for the commitments app: the Partner VCFSE commitment, for the ICB's support
staff (changes are kept in history; people use the portal's pages)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from commitments.models import Baseline, PartnerCommitment, ReturnLineRecipient, Target


class BaselineInline(admin.TabularInline):
    model = Baseline
    extra = 0
    fields = ["measure", "value", "method", "how", "proposed", "reason"]


class TargetInline(admin.TabularInline):
    model = Target
    extra = 0
    fields = ["measure", "financial_year", "value", "reason", "set_by"]
    readonly_fields = ["set_by"]


@admin.register(PartnerCommitment)
class PartnerCommitmentAdmin(SimpleHistoryAdmin):
    list_display = ["organisation", "baseline_year", "public_figures", "created_at"]
    list_filter = ["organisation__sector", "organisation__place", "public_figures"]
    search_fields = ["organisation__name"]
    raw_id_fields = ["organisation", "created_by"]
    inlines = [BaselineInline, TargetInline]


@admin.register(ReturnLineRecipient)
class ReturnLineRecipientAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "line", "amount", "status", "answered_at"]
    list_filter = ["status"]
    search_fields = ["organisation__name", "name", "charity_number"]
    raw_id_fields = ["line", "organisation", "answered_by", "created_by"]

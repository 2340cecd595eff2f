from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from toms.models import Adjustment, Measure, Outcome, ProxyValue, Theme


class OutcomeInline(admin.TabularInline):
    model = Outcome
    extra = 0
    fields = ["code", "name", "order"]


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "order"]
    search_fields = ["name", "code"]
    inlines = [OutcomeInline]


@admin.register(Outcome)
class OutcomeAdmin(admin.ModelAdmin):
    list_display = ["name", "theme", "order"]
    list_filter = ["theme"]
    search_fields = ["name", "code"]


class ProxyValueInline(admin.TabularInline):
    model = ProxyValue
    extra = 0


class AdjustmentInline(admin.TabularInline):
    model = Adjustment
    extra = 0


@admin.register(Measure)
class MeasureAdmin(SimpleHistoryAdmin):
    list_display = ["code", "short_title", "outcome", "unit", "value_kind", "combination", "is_partner_vcfse",
                    "needs_review", "is_active"]
    list_filter = ["outcome__theme", "value_kind", "combination", "is_partner_vcfse", "needs_review", "is_active"]
    search_fields = ["code", "title", "guidance"]
    list_select_related = ["outcome"]
    inlines = [ProxyValueInline, AdjustmentInline]

    @admin.display(description="title")
    def short_title(self, obj):
        return obj.title if len(obj.title) < 80 else obj.title[:77] + "…"


@admin.register(ProxyValue)
class ProxyValueAdmin(SimpleHistoryAdmin):
    list_display = ["measure", "financial_year", "value", "source", "updated_at"]
    list_filter = ["financial_year", "measure__outcome__theme"]
    search_fields = ["measure__code", "source"]
    autocomplete_fields = ["measure"]
    list_select_related = ["measure"]


@admin.register(Adjustment)
class AdjustmentAdmin(SimpleHistoryAdmin):
    list_display = ["measure", "financial_year", "deadweight", "attribution", "source", "updated_at"]
    list_filter = ["financial_year"]
    search_fields = ["measure__code", "source"]
    autocomplete_fields = ["measure"]
    list_select_related = ["measure"]

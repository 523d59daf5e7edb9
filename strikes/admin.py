from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    ActionDay,
    Ballot,
    BallotRuleSet,
    Branch,
    Dispute,
    Employer,
    FollowedDispute,
    Union,
    Workplace,
)


@admin.register(Union)
class UnionAdmin(SimpleHistoryAdmin):
    list_display = ["short_name", "name", "affiliated_to_labour"]
    list_filter = ["affiliated_to_labour"]
    search_fields = ["short_name", "name"]


@admin.register(Branch)
class BranchAdmin(SimpleHistoryAdmin):
    list_display = ["name", "union", "region"]
    list_filter = ["union"]
    search_fields = ["name", "union__short_name"]


@admin.register(Employer)
class EmployerAdmin(SimpleHistoryAdmin):
    search_fields = ["name"]


@admin.register(Workplace)
class WorkplaceAdmin(SimpleHistoryAdmin):
    list_display = ["name", "employer", "postcode", "postcode_district"]
    search_fields = ["name", "postcode", "employer__name"]
    autocomplete_fields = ["employer"]


class ActionDayInline(admin.TabularInline):
    model = ActionDay
    extra = 0


class BallotInline(admin.StackedInline):
    model = Ballot
    extra = 0


@admin.register(Dispute)
class DisputeAdmin(SimpleHistoryAdmin):
    list_display = ["title", "employer", "status", "is_national", "updated_at"]
    list_filter = ["status", "is_national", "unions"]
    search_fields = ["title", "employer__name"]
    autocomplete_fields = ["employer", "unions", "branches", "workplaces"]
    inlines = [ActionDayInline, BallotInline]


@admin.register(BallotRuleSet)
class BallotRuleSetAdmin(SimpleHistoryAdmin):
    list_display = [
        "name",
        "jurisdiction",
        "effective_from",
        "turnout_threshold_pct",
        "turnout_threshold_ends_on",
        "mandate_months",
    ]
    list_filter = ["jurisdiction"]


@admin.register(FollowedDispute)
class FollowedDisputeAdmin(admin.ModelAdmin):
    list_display = ["clp", "dispute", "created_at"]
    list_filter = ["clp"]
    autocomplete_fields = ["dispute"]

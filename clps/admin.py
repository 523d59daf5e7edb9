from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils import timezone

from . import joining, services
from .models import CLP, Invitation, JoinRequest, Membership, PostcodeDistrict, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "is_staff", "is_active", "date_joined"]
    search_fields = ["email", "name"]
    fieldsets = [
        (None, {"fields": ["email", "password", "name"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    filter_horizontal = ["groups"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            services.user_deactivate(user=obj)


class PostcodeDistrictInline(admin.TabularInline):
    model = PostcodeDistrict
    extra = 1


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(CLP)
class CLPAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "open_joining", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [PostcodeDistrictInline, MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "clp", "role", "created_at"]
    list_filter = ["role", "clp"]
    search_fields = ["user__email", "clp__name"]
    autocomplete_fields = ["user", "clp"]


class InvitationAddForm(forms.ModelForm):
    """The site admin invites someone (a new CLP's first TULO, say); the invitation is made
    and emailed by the same service as the TULO's."""

    class Meta:
        model = Invitation
        fields = ["clp", "email", "role"]

    def clean(self):
        super().clean()
        clp, email = self.cleaned_data.get("clp"), self.cleaned_data.get("email")
        if clp and email:
            still_open = Invitation.objects.filter(
                clp=clp,
                email__iexact=email.strip(),
                accepted_at=None,
                revoked_at=None,
                expires_at__gt=timezone.now(),
            )
            if still_open.exists():
                self.add_error(
                    "email",
                    "This address already has an invitation to this CLP that still works. "
                    "Revoke it first (select it in the list, then the action).",
                )
        return self.cleaned_data


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "clp", "role", "created_at", "expires_at", "accepted_at", "revoked_at"]
    list_filter = ["role", "clp"]
    search_fields = ["email", "clp__name"]
    readonly_fields = [
        "clp",
        "email",
        "role",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "accepted_by",
        "revoked_at",
    ]
    actions = ["revoke"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = InvitationAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def get_fields(self, request, obj=None):
        return ["clp", "email", "role"] if obj is None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            return  # nothing of an invitation is edited here
        invitation, url = joining.invitation_send(
            clp=obj.clp, email=obj.email, role=obj.role, by=request.user
        )
        # The admin's redirect and its log name the row the service made.
        obj.pk = invitation.pk
        messages.success(request, f"Invitation emailed to {invitation.email}. Its link: {url}")

    @admin.action(description="Revoke the selected invitations")
    def revoke(self, request, queryset):
        revoked = sum(
            joining.invitation_revoke(invitation=invitation, by=request.user)
            for invitation in queryset
        )
        messages.success(request, f"{revoked} invitation(s) revoked.")


@admin.register(JoinRequest)
class JoinRequestAdmin(admin.ModelAdmin):
    """Requests are answered by the CLP's TULO on the people page; here they are read."""

    list_display = ["user", "clp", "created_at", "outcome", "decided_at"]
    list_filter = ["outcome", "clp"]
    search_fields = ["user__email", "clp__name"]
    readonly_fields = ["clp", "user", "created_at", "decided_at", "decided_by", "outcome"]

    def has_add_permission(self, request):
        return False

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from . import joining, outbox, selectors, services
from .access import clp_view, public_clp_view
from .forms import ClpSettingsForm, InviteForm, RoleForm
from .models import CLP, JoinRequest, Membership, OutgoingMail, Role
from .requests import ClpRequest, MemberRequest, SignedInRequest


def home(request: HttpRequest) -> HttpResponse:
    """The front door: signed-in users see their CLPs, visitors see every CLP's public page."""
    if not request.user.is_authenticated:
        return render(request, "clps/landing.html", {"clps": CLP.objects.order_by("name")})
    memberships = list(selectors.memberships_for_user(user=request.user))
    waiting = list(selectors.waiting_join_requests(user=request.user))
    if len(memberships) == 1 and not waiting and request.GET.get("all") is None:
        only = memberships[0]
        return redirect(selectors.landing_url_name(only), only.clp.slug)
    return render(
        request,
        "clps/home.html",
        {
            "memberships": memberships,
            "waiting": waiting,
            "joinable": selectors.clps_open_to_join(user=request.user),
        },
    )


@public_clp_view
def clp_home(request: ClpRequest, clp: CLP) -> HttpResponse:
    waiting = None
    if request.user.is_authenticated and request.membership is None:
        waiting = selectors.waiting_join_request(clp=clp, user=request.user)
    return render(
        request,
        "clps/clp_home.html",
        {
            "clp": clp,
            "districts": list(clp.districts.values_list("district", flat=True)),
            "waiting": waiting,
        },
    )


@login_required
@require_POST
def join(request: SignedInRequest, clp_slug: str) -> HttpResponse:
    clp = get_object_or_404(CLP, slug=clp_slug)
    joined = joining.clp_join(clp=clp, user=request.user)
    if isinstance(joined, JoinRequest):
        messages.success(
            request,
            f"Your request to join {clp.name} has gone to its TULO. You will get an email "
            "when they have answered.",
        )
    else:
        messages.success(request, f"You are now a member of {clp.name} on TU Liaison.")
    return redirect("clps:home", clp.slug)


def render_people(
    request: MemberRequest, clp: CLP, *, invite_form: InviteForm | None = None
) -> HttpResponse:
    """The people page; with the invitation form as it was sent back, when it has errors."""
    return render(
        request,
        "clps/people.html",
        {
            "clp": clp,
            "page": selectors.people_page(clp=clp, cursor=request.GET.get("after")),
            "requests": selectors.open_join_requests_page(
                clp=clp, cursor=request.GET.get("requests_after")
            ),
            "invitations": selectors.open_invitations_page(
                clp=clp, cursor=request.GET.get("invitations_after")
            ),
            "invite_form": invite_form or InviteForm(),
            "invitation_days": joining.INVITATION_LIFETIME.days,
            "now": timezone.now(),
            "roles": Role.choices,
        },
        status=400 if invite_form is not None else 200,
    )


@clp_view(Role.TULO)
def people(request: MemberRequest, clp: CLP) -> HttpResponse:
    return render_people(request, clp)


@clp_view(Role.TULO)
@require_POST
def membership_role(request: MemberRequest, clp: CLP, membership_id: int) -> HttpResponse:
    membership = get_object_or_404(Membership, pk=membership_id, clp=clp)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the roles listed.")
        return redirect("clps:people", clp.slug)
    try:
        services.membership_set_role(membership=membership, role=form.cleaned_data["role"])
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(
            request, f"{membership.user.email} is now {Role(form.cleaned_data['role']).label}."
        )
    return redirect("clps:people", clp.slug)


@clp_view(Role.TULO)
@require_POST
def membership_remove(request: MemberRequest, clp: CLP, membership_id: int) -> HttpResponse:
    membership = get_object_or_404(Membership, pk=membership_id, clp=clp)
    try:
        services.membership_remove(membership=membership)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, f"{membership.user.email} is no longer in {clp.name}.")
    return redirect("clps:people", clp.slug)


@clp_view(Role.TULO)
def settings_view(request: MemberRequest, clp: CLP) -> HttpResponse:
    current = ", ".join(clp.districts.values_list("district", flat=True))
    form = ClpSettingsForm(
        request.POST or None, initial={"districts": current, "open_joining": clp.open_joining}
    )
    if request.method == "POST" and form.is_valid():
        services.clp_settings_save(
            clp=clp,
            districts=form.cleaned_data["districts"],
            open_joining=form.cleaned_data["open_joining"],
        )
        messages.success(request, "Settings saved.")
        return redirect("clps:settings", clp.slug)
    return render(request, "clps/settings.html", {"clp": clp, "form": form})


@clp_view(Role.TULO)
def outbox_list(request: MemberRequest, clp: CLP) -> HttpResponse:
    """The CLP's reminders, confirmations and notices: which went, which wait, which failed."""
    return render(
        request,
        "clps/outbox.html",
        {
            "clp": clp,
            "page": selectors.outgoing_mail_page(clp=clp, cursor=request.GET.get("after")),
        },
    )


@clp_view(Role.TULO)
@require_POST
def outbox_send_again(request: MemberRequest, clp: CLP, mail_id: int) -> HttpResponse:
    mail = get_object_or_404(OutgoingMail, pk=mail_id, clp=clp)
    if outbox.send_again(mail=mail):
        messages.success(request, f"Sending “{mail.subject}” again.")
    else:
        messages.error(request, "That email has not failed, so there is nothing to send again.")
    return redirect("clps:outbox", clp.slug)

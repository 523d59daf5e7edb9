"""The privacy notice, copies of a person's data and erasure on request, and the audit log."""

from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from clps.access import clp_view, public_clp_view
from clps.models import CLP, Role, User
from clps.requests import ClpRequest, MemberRequest, SignedInRequest

from .access import is_site_admin
from .audit_log import audit_log_page
from .erasure import check_may_erase, erasure_message, person_erase
from .export import export_json, export_summary, person_export, person_export_record
from .forms import EraseForm, PersonForm
from .people import person_find
from .registry import Person
from .retention import retention_periods

# The privacy notice -------------------------------------------------------------------------------


def notice(request: HttpRequest) -> HttpResponse:
    """The site's notice: each CLP on it is the controller of its own members' data."""
    context = retention_periods() | {"clps": CLP.objects.order_by("name")}
    return render(request, "privacy/notice.html", context)


@public_clp_view
def clp_notice(request: ClpRequest, clp: CLP) -> HttpResponse:
    return render(request, "privacy/notice.html", retention_periods() | {"clp": clp})


# A person's own data ------------------------------------------------------------------------------


@login_required
def my_data(request: SignedInRequest) -> HttpResponse:
    """A signed-in person downloads everything the site holds about them."""
    if request.method == "POST":
        person = person_find(email=request.user.email)
        data = person_export_record(person=person, by=request.user)
        return _download(data, "my-data")
    return render(request, "privacy/my_data.html", {"notice_url": reverse("privacy:notice")})


def _download(data: dict, name: str) -> HttpResponse:
    response = HttpResponse(export_json(data), content_type="application/json")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.json"'
    # A copy of someone's data must not linger in a shared cache or the browser's.
    response["Cache-Control"] = "no-store"
    return response


# Requests handled by a TULO or a site admin -------------------------------------------------------


def _requests(request: HttpRequest, clp: CLP | None, *, by: User) -> HttpResponse:
    """One page for both: find by email, download a copy, or review and then erase."""
    scope = {"clp": clp, "base_url": request.path}
    action = request.POST.get("action", "")
    if request.method != "POST":
        return render(request, "privacy/requests.html", scope | {"form": PersonForm()})
    if action == "erase":
        erase_form = EraseForm(request.POST)
        if not erase_form.is_valid():
            person = person_find(email=request.POST.get("email", ""), clp=clp)
            return _review(request, scope, person, erase_form, by=by)
        try:
            result = person_erase(email=erase_form.cleaned_data["email"], by=by, clp=clp)
        except ValidationError as exc:
            # Back to the address, kept as typed, with why it cannot be erased here.
            form = PersonForm(request.POST)
            form.add_error("email", exc)
            return render(request, "privacy/requests.html", scope | {"form": form})
        messages.success(request, erasure_message(result))
        return redirect(request.path)
    form = PersonForm(request.POST)
    if not form.is_valid():
        return render(request, "privacy/requests.html", scope | {"form": form})
    person = person_find(email=form.cleaned_data["email"], clp=clp)
    if clp is not None and not person.found:
        messages.info(request, f"{clp.name} holds nothing under that address.")
        return render(request, "privacy/requests.html", scope | {"form": form})
    if action == "export":
        data = person_export_record(person=person, by=by)
        return _download(data, "personal-data")
    if action == "review":
        return _review(request, scope, person, EraseForm(initial={"email": person.email}), by=by)
    return render(request, "privacy/requests.html", scope | {"form": form})


def _review(
    request: HttpRequest, scope: dict, person: Person, form: EraseForm, *, by: User
) -> HttpResponse:
    summary = export_summary(person_export(person=person))
    problem = ""
    try:
        check_may_erase(person=person, by=by)
    except ValidationError as exc:
        problem = exc.messages[0]
    return render(
        request,
        "privacy/erase.html",
        scope | {"form": form, "person": person, "summary": summary, "problem": problem},
    )


@clp_view(Role.TULO)
def clp_requests(request: MemberRequest, clp: CLP) -> HttpResponse:
    """A TULO answers requests about the people in their own CLP's records, and no other's."""
    return _requests(request, clp, by=request.user)


def site_requests(request: HttpRequest) -> HttpResponse:
    """A site admin answers requests about anyone on the site."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if user.is_staff and not is_mfa_enabled(user):
        messages.warning(
            request, "Set up two-factor sign-in first: these pages hold anyone's data."
        )
        return redirect("mfa_activate_totp")
    if not is_site_admin(user):
        raise PermissionDenied("Only a site admin can open this page.")
    return _requests(request, None, by=user)


# The audit log ------------------------------------------------------------------------------------


@clp_view(Role.TULO)
def audit_log(request: MemberRequest, clp: CLP) -> HttpResponse:
    page = audit_log_page(clp=clp, cursor=request.GET.get("after"))
    return render(request, "privacy/audit_log.html", {"clp": clp, "page": page})

"""The request as the app's views receive it: Django's HttpRequest and what middleware and the
CLP decorators in clps.access set on it. A view's annotation says which of them it may rely on.

Types only: no request is ever made an instance of these classes.
"""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from .models import CLP, Membership, User


class AppRequest(HttpRequest):
    """Any request: django-htmx's middleware sets `htmx` on every one."""

    htmx: HtmxDetails


class SignedInRequest(AppRequest):
    """A page behind login_required: there is a signed-in user."""

    user: User


class ClpRequest(AppRequest):
    """A CLP's page anyone may read (public_clp_view): the CLP, and the visitor's membership
    if they are a signed-in member of it. The header's navigation reads both."""

    clp: CLP
    membership: Membership | None


class MemberRequest(ClpRequest):
    """A CLP's page behind clp_view: a signed-in user with one of the page's roles in the CLP."""

    user: User
    membership: Membership

"""Every URL pattern in the project, opened by each of the cast, against one table of what each
of them gets; and no object of another CLP reachable by putting its id in this CLP's URL.

A URL with no line in the table fails the test, and so does a line for a URL that is gone: a new
page is not reachable until someone has written down who may open it.
"""

import copy
import datetime
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from allauth.usersessions.models import UserSession
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from clps.models import MailStatus, Membership
from newsletters.links import DAY_GO_LINKS, GO_LINKS
from newsletters.models import DigestStatus, NewsletterSectionVersion
from newsletters.monthly.formats import DOWNLOADS
from newsletters.monthly.services import section_build
from newsletters.weekly.render import go_placeholder
from newsletters.weekly.services import ensure_upcoming_digest
from pickets.links import ANSWER_LINKS, CANCEL_LINKS, CONFIRM_LINKS
from pickets.models import VisitStatus
from strikes.models import BallotRuleSet, CsvImportKind, CsvImportStatus

from ..factories import (
    ActionDayFactory,
    BallotFactory,
    BranchFactory,
    CsvImportFactory,
    DigestFactory,
    DisputeFactory,
    EmployerFactory,
    FollowedDisputeFactory,
    InvitationFactory,
    JoinRequestFactory,
    LeadLinkFactory,
    MembershipFactory,
    OutgoingMailFactory,
    PicketInvitationFactory,
    PicketLineFactory,
    PicketSignupFactory,
    PicketVisitFactory,
    ReportPdfFactory,
    RepresentativeFactory,
    SolidarityActionFactory,
    SubscriberFactory,
    UnionFactory,
    VisitPhotoFactory,
    WorkplaceFactory,
)

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "member", "executive", "tulo", "other_tulo", "site_admin")

# Written into a field that its page shows, in every record of this CLP and of the other one.
OURS = "OURS-ONLY"
THEIRS = "THEIRS-ONLY"


# What a request gets ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Redirect:
    """A 302 whose Location starts with `to`."""

    to: str

    def __str__(self) -> str:
        return f"302 to {self.to}…"


class _NotAServerError:
    """Any answer but a 5xx: a POST with no data by someone allowed in (a form with its errors,
    a redirect, a download)."""

    def __str__(self) -> str:
        return "anything but a 5xx"


OK = _NotAServerError()
LOGIN = Redirect("/accounts/login/?next=")
ADMIN_LOGIN = Redirect("/admin/login/?next=")

# A status, one of a set of statuses, a redirect, or OK.
Answer = int | frozenset[int] | Redirect | _NotAServerError
# role -> (the answer to a GET, the answer to a POST with no data)
Profile = dict[str, tuple[Answer, Answer]]


def by_role(anonymous: tuple, signed_in: tuple, **roles: tuple) -> Profile:
    """Anonymous visitors get one answer, everyone signed in another, but the roles named."""
    return {
        role: roles.get(role, anonymous if role == "anonymous" else signed_in) for role in ROLES
    }


def clp_page(*allowed: str, get: Answer = 200, post: Answer = OK) -> Profile:
    """A page behind clp_view(*allowed): anonymous visitors are sent to sign in, and everyone
    else not allowed in (a member of another CLP, a site admin who is in no CLP) gets a 403,
    for a GET and a POST alike."""
    return by_role((LOGIN, LOGIN), (403, 403), **dict.fromkeys(allowed, (get, post)))


def refuses(answer: Answer) -> bool:
    """Whether an answer keeps the sender out: someone refused must change nothing."""
    if isinstance(answer, Redirect):
        return answer in (LOGIN, ADMIN_LOGIN)
    if isinstance(answer, frozenset):
        return min(answer) >= 400
    return isinstance(answer, int) and answer >= 400


PUBLIC = by_role((200, OK), (200, OK))
PUBLIC_READ_ONLY = by_role((200, 405), (200, 405))  # require_safe
ANY_MEMBER = clp_page("member", "executive", "tulo")
ANY_MEMBER_POST = clp_page("member", "executive", "tulo", get=405)  # require_POST
TULO_AND_EXECUTIVE = clp_page("executive", "tulo")
TULO_AND_EXECUTIVE_POST = clp_page("executive", "tulo", get=405)
TULO_ONLY = clp_page("tulo")
TULO_ONLY_POST = clp_page("tulo", get=405)
TULO_ONLY_GET = clp_page("tulo", post=405)  # require_GET
SIGNED_IN = by_role((LOGIN, LOGIN), (200, OK))
SIGNED_IN_POST = by_role((LOGIN, LOGIN), (405, OK))
SITE_ADMIN_ONLY = by_role((LOGIN, LOGIN), (403, 403), site_admin=(200, OK))

# allauth: the pages of someone signing in, which send a signed-in user to their start page.
SIGNING_IN = by_role((200, OK), (Redirect("/"), Redirect("/")))
# allauth: notices and links from its emails, for anyone.
ANYONE = by_role((200, OK), (200, OK))
# allauth: a later step of a sign-in, with none under way: back to the start.
SIGN_IN_STEP = by_role(
    (Redirect("/accounts/login/"), Redirect("/accounts/login/")), (Redirect("/"), Redirect("/"))
)
# allauth: changing two-factor sign-in asks for the password again first, and a session signed
# in long ago (or by the test client) has not given it.
REAUTHENTICATE = Redirect("/accounts/reauthenticate/?next=")
MFA_CHANGE = by_role((LOGIN, LOGIN), (REAUTHENTICATE, REAUTHENTICATE))

# The Django admin: a visitor, and anyone signed in who is not staff, is sent to the admin's
# login, which sends a visitor on to allauth's and refuses a signed-in user who is not staff.
# The site admin, staff with two-factor sign-in, opens every page.
NOT_STAFF = (ADMIN_LOGIN, ADMIN_LOGIN)
ADMIN_PAGE = by_role(NOT_STAFF, NOT_STAFF, site_admin=(200, OK))
# admin/<app>/<model>/<id>/ redirects to the change page; admin/<anything else> is a 404.
ADMIN_OBJECT_REDIRECT = by_role(
    NOT_STAFF, NOT_STAFF, site_admin=(Redirect("/admin/"), Redirect("/admin/"))
)
ADMIN_CATCH_ALL = by_role(NOT_STAFF, NOT_STAFF, site_admin=(404, 404))

# The email service's webhooks take only a POST with the basic-auth secret: a GET is a 405, a
# POST without the secret a 400, whoever sends it, and nothing is written. A service the site
# has no keys for is a 404.
WEBHOOK = by_role(
    (frozenset({404, 405}), frozenset({400, 404})), (frozenset({404, 405}), frozenset({400, 404}))
)


# The table ----------------------------------------------------------------------------------------

URLS: dict[str, Profile] = {
    # Visitors see every CLP; a member of one CLP goes straight to it; the site admin, in no
    # CLP, sees the list to join from.
    "home": by_role((200, OK), (Redirect("/c/"), Redirect("/c/")), site_admin=(200, OK)),
    "dashboard": TULO_ONLY,
    # clps
    "clps:home": PUBLIC,
    # Anyone signed in may ask to join any CLP (or join at once, where joining is open).
    "clps:join": SIGNED_IN_POST,
    "clps:people": TULO_ONLY,
    "clps:membership_role": TULO_ONLY_POST,
    "clps:membership_remove": TULO_ONLY_POST,
    "clps:join_request_approve": TULO_ONLY_POST,
    "clps:join_request_decline": TULO_ONLY_POST,
    "clps:invite": TULO_ONLY_POST,
    "clps:invitation_revoke": TULO_ONLY_POST,
    # The invitation's secret link shows the invitation to anyone; accepting needs signing in.
    "clps_public:invitation": by_role((200, LOGIN), (200, OK)),
    "clps:settings": TULO_ONLY,
    "clps:outbox": TULO_ONLY,
    "clps:outbox_send_again": TULO_ONLY_POST,
    # privacy
    "privacy:notice": PUBLIC,
    "privacy:clp_notice": PUBLIC,
    "privacy:my_data": SIGNED_IN,  # each person's own data
    "privacy:site_requests": SITE_ADMIN_ONLY,
    "privacy:clp_requests": TULO_ONLY,
    "privacy:audit_log": TULO_ONLY,
    # strikes: disputes, ballots, action days and records are shared public records; only a
    # TULO edits them, from their own CLP's pages.
    "strikes:dispute_list": TULO_ONLY,
    "strikes:dispute_create": TULO_ONLY,
    "strikes:dispute_detail": TULO_ONLY,
    "strikes:dispute_edit": TULO_ONLY,
    "strikes:dispute_follow": TULO_ONLY_POST,
    "strikes:ballot_create": TULO_ONLY,
    "strikes:ballot_edit": TULO_ONLY,
    "strikes:action_day_create": TULO_ONLY,
    "strikes:action_days_range": TULO_ONLY,
    "strikes:action_day_edit": TULO_ONLY,
    "strikes:records": TULO_ONLY,
    "strikes:record_create": TULO_ONLY,
    "strikes:record_edit": TULO_ONLY,
    "strikes_import:start": TULO_ONLY,
    "strikes_import:apply": TULO_ONLY_POST,
    "strikes_import:template": TULO_ONLY_GET,
    "strikes_import:job": TULO_ONLY_GET,
    "strikes_import:job_progress": TULO_ONLY_GET,
    "strikes_import:job_confirm": TULO_ONLY_POST,
    # The public calendar: the CLP's calendar and map are the pickets app's, which add the
    # CLP's picket lines; the dispute pages and the feeds are the strikes app's.
    "strikes_public:clp_ics": PUBLIC_READ_ONLY,
    "strikes_public:dispute": PUBLIC_READ_ONLY,
    "strikes_public:dispute_ics": PUBLIC_READ_ONLY,
    "pickets_public:calendar": PUBLIC_READ_ONLY,
    "pickets_public:calendar_map": PUBLIC_READ_ONLY,
    # pickets. A picket line's page is public: how many are going, and (to the TULO) who.
    "pickets:picket_lines": TULO_ONLY,
    "pickets:picket_line_choose": TULO_ONLY,
    "pickets:picket_line_create": TULO_ONLY,
    "pickets:picket_line": PUBLIC,
    "pickets:picket_line_edit": TULO_ONLY,
    "pickets:picket_day_ics": PUBLIC_READ_ONLY,  # a day at the picket line, for a calendar
    "pickets:signup": ANY_MEMBER_POST,
    # Anyone may say they'll go with a name and an email (an empty form is refused, saving
    # nothing, on the public page it came from); the links in the emails about it are keyed
    # by their signed tokens alone.
    "pickets:public_signup": by_role((405, OK), (405, OK)),
    "pickets:public_signup_sent": PUBLIC_READ_ONLY,
    "pickets_going:confirm": PUBLIC,
    "pickets_going:cancel": PUBLIC,
    "pickets:lead_link_create": TULO_ONLY_POST,
    "pickets:lead_link_revoke": TULO_ONLY_POST,
    "pickets_lead:lead": PUBLIC,  # the secret token is the whole key
    # The trip leader's check-in on the day: POSTs keyed by the token alone (the world's day is
    # to come, so each is refused with a page saying check-in is not open, and changes nothing).
    "pickets_lead:came": by_role((405, OK), (405, OK)),
    "pickets_lead:walk_in": by_role((405, OK), (405, OK)),
    "pickets_lead:done": by_role((405, OK), (405, OK)),
    # The CLP's elected representatives and invitations to picket lines: the TULO's; the
    # representative answers from the signed link in their invitation.
    "pickets:representatives": TULO_ONLY,
    "pickets:representative_create": TULO_ONLY,
    "pickets:representative": TULO_ONLY,
    "pickets:representatives_import": TULO_ONLY,
    "pickets:representatives_import_apply": TULO_ONLY_POST,
    "pickets:representatives_template": TULO_ONLY_GET,
    "pickets:invite": TULO_ONLY,
    "pickets:invitation_drafts": TULO_ONLY,
    "pickets:invitation_remove": TULO_ONLY_POST,
    "pickets_invited:answer": PUBLIC,
    "pickets:visits": TULO_ONLY,
    "pickets:visit_create": ANY_MEMBER,  # members report visits; the TULO confirms them
    "pickets:visit": TULO_ONLY,
    "pickets:visit_edit": TULO_ONLY,
    "pickets:visit_confirm": TULO_ONLY_POST,
    "pickets:visit_delete": TULO_ONLY_POST,
    "pickets:photo": ANY_MEMBER,  # a photo with consent; one without is the TULO's only
    "pickets:actions": TULO_ONLY,
    "pickets:action_create": TULO_ONLY,
    "pickets:action_edit": TULO_ONLY,
    "pickets:report": TULO_AND_EXECUTIVE,
    "pickets:report_csv": TULO_AND_EXECUTIVE,
    "pickets:report_pdf_start": TULO_AND_EXECUTIVE_POST,
    "pickets:report_pdf": TULO_AND_EXECUTIVE,
    "pickets:report_pdf_download": TULO_AND_EXECUTIVE,
    # newsletters: the weekly email is the TULO's; the executive reads the monthly section.
    "newsletters:weekly": TULO_ONLY,
    "newsletters:preview": TULO_ONLY,
    "newsletters:save_note": TULO_ONLY_POST,
    "newsletters:hold": TULO_ONLY_POST,
    "newsletters:send_test": TULO_ONLY_POST,
    "newsletters:save_schedule": TULO_ONLY_POST,
    "newsletters:digest": TULO_ONLY,
    "newsletters:digest_resume": TULO_ONLY_POST,
    "newsletters:sections": TULO_AND_EXECUTIVE,
    "newsletters:section_schedule": TULO_ONLY_POST,
    "newsletters:section_build": TULO_ONLY_POST,
    "newsletters:section": TULO_AND_EXECUTIVE,
    "newsletters:section_preview": TULO_ONLY_POST,
    "newsletters:section_save": TULO_ONLY_POST,
    "newsletters:section_approve": TULO_ONLY_POST,
    "newsletters:section_redraft": TULO_ONLY_POST,
    "newsletters:section_copy": TULO_AND_EXECUTIVE,
    "newsletters:section_download": TULO_AND_EXECUTIVE,
    "newsletters:section_version": TULO_AND_EXECUTIVE,
    # The weekly email's public pages; a subscriber's own pages are keyed by their token.
    "newsletters_public:subscribe": PUBLIC,
    "newsletters_public:subscribe_sent": PUBLIC_READ_ONLY,
    "newsletters_public:manage": PUBLIC,
    "newsletters_public:confirm": PUBLIC,
    "newsletters_public:unsubscribe": PUBLIC,
    # A subscriber's "I'll go", keyed by its signed token (and, as emails now write it, the
    # picket line and the day).
    "newsletters_public:go": PUBLIC,
    "newsletters_public:go_day": PUBLIC,
    # The weekly emails that went out, for anyone: archive, web versions and feed.
    "newsletters_public:archive": PUBLIC_READ_ONLY,
    "newsletters_public:archive_feed": PUBLIC_READ_ONLY,
    "newsletters_public:web_version": PUBLIC_READ_ONLY,
    # allauth, under accounts/
    "account_login": SIGNING_IN,
    "account_signup": SIGNING_IN,
    "account_logout": by_role((Redirect("/"), Redirect("/")), (200, Redirect("/"))),
    "account_inactive": ANYONE,
    "account_reauthenticate": SIGNED_IN,
    "account_request_reauthentication_code": SIGNED_IN,
    # Confirming a code with none requested goes back to asking for one.
    "account_confirm_reauthentication_code": by_role(
        (LOGIN, LOGIN), (Redirect("/accounts/reauthenticate/code/"), OK)
    ),
    "account_email": SIGNED_IN,
    "account_email_verification_sent": ANYONE,
    "account_change_password": SIGNED_IN,
    # Everyone in the cast has a password, so setting one sends them to change it.
    "account_set_password": by_role((LOGIN, LOGIN), (Redirect("/accounts/password/change/"), OK)),
    "account_reset_password": ANYONE,
    "account_reset_password_done": ANYONE,
    "account_reset_password_from_key": ANYONE,
    "account_reset_password_from_key_done": ANYONE,
    "account_confirm_email": ANYONE,
    "account_confirm_login_code": SIGN_IN_STEP,
    "mfa_index": SIGNED_IN,
    "mfa_authenticate": SIGN_IN_STEP,
    # The member has no authenticator app; everyone else signed in has one, and no one has
    # made recovery codes.
    "mfa_reauthenticate": by_role(
        (LOGIN, LOGIN),
        (200, OK),
        member=(Redirect("/accounts/reauthenticate/"), Redirect("/accounts/reauthenticate/")),
    ),
    "mfa_activate_totp": MFA_CHANGE,
    "mfa_deactivate_totp": by_role(
        (LOGIN, LOGIN), (REAUTHENTICATE, REAUTHENTICATE), member=(404, 404)
    ),
    "mfa_view_recovery_codes": by_role((LOGIN, LOGIN), (404, 405)),
    "mfa_generate_recovery_codes": MFA_CHANGE,
    "mfa_download_recovery_codes": by_role((LOGIN, LOGIN), (404, 404)),
    "usersessions_list": SIGNED_IN,
    # The Django admin's own pages. Its model pages follow the prefix rules below.
    "admin:index": ADMIN_PAGE,
    "admin:login": by_role((LOGIN, LOGIN), (403, 403), site_admin=(Redirect("/admin/"), 200)),
    # Out of the admin, its logout goes to its index, and that to its login.
    "admin:logout": by_role(
        (Redirect("/admin/"), Redirect("/admin/")),
        (Redirect("/admin/"), Redirect("/admin/")),
        site_admin=(405, 200),
    ),
    # Requests to join are made by the people asking and answered by their CLP's TULO: the
    # admin only reads them.
    "admin:clps_joinrequest_add": by_role(NOT_STAFF, NOT_STAFF, site_admin=(403, 403)),
    # Without the model and field it is for, the autocomplete refuses even the site admin.
    "admin:autocomplete": by_role(NOT_STAFF, NOT_STAFF, site_admin=(403, 405)),
    # No model in the admin has a page on the site to view.
    "admin:view_on_site": by_role(NOT_STAFF, NOT_STAFF, site_admin=(404, 404)),
    # The email service the tests stand in for (tests/newsletters/test_webhooks.py). The other
    # services' webhooks follow the prefix rule below.
    "anymail:postmark_tracking_webhook": by_role((405, 400), (405, 400)),
}

# URLs matched by the start of their name, or for an unnamed pattern its route; the first match
# wins. The admin's pages for each model (a list, add, change, delete, history), its unnamed
# patterns, and the email service's webhooks.
PREFIX_RULES: list[tuple[str, Profile]] = [
    ("admin:", ADMIN_PAGE),
    ("admin/(?P<url>", ADMIN_CATCH_ALL),
    ("admin/", ADMIN_OBJECT_REDIRECT),
    ("anymail:", WEBHOOK),
]

# Pages whose ids are of shared public records: any CLP's TULO opens them from their own CLP's
# pages. Every other id in a CLP's URL is of a record of that CLP.
SHARED_RECORDS = {
    "strikes:dispute_detail",
    "strikes:dispute_edit",
    "strikes:dispute_follow",
    "strikes:ballot_create",
    "strikes:ballot_edit",
    "strikes:action_day_create",
    "strikes:action_days_range",
    "strikes:action_day_edit",
    "strikes:record_edit",
    "pickets:picket_line_create",
}


# The URL patterns ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    route: str  # the full route: c/<slug:clp_slug>/pickets/<int:pk>/
    name: str  # the namespaced name: pickets:picket_line, or "" for an unnamed pattern

    @property
    def key(self) -> str:
        return self.name or self.route


def url_patterns(patterns=None, prefix: str = "", namespace: str = "") -> Iterator[Pattern]:
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from url_patterns(entry.url_patterns, route, inner)
        elif isinstance(entry, URLPattern):
            name = entry.name and (f"{namespace}:{entry.name}" if namespace else entry.name)
            yield Pattern(route, name or "")


def expected_answers(pattern: Pattern) -> Profile | None:
    if pattern.key in URLS:
        return URLS[pattern.key]
    for prefix, profile in PREFIX_RULES:
        if pattern.key.startswith(prefix):
            return profile
    return None


def test_every_url_has_a_line_in_the_table_and_every_line_a_url():
    patterns = list(url_patterns())
    assert len(patterns) > 200
    missing = sorted({p.key for p in patterns if expected_answers(p) is None})
    assert not missing, "URLs with no line in the table of who gets what: " + ", ".join(missing)
    stale = sorted(set(URLS) - {p.key for p in patterns})
    assert not stale, "Lines in the table for URLs that no longer exist: " + ", ".join(stale)
    for key, profile in URLS.items():
        assert set(profile) == set(ROLES), key


# The records the URLs name ------------------------------------------------------------------------


def build_world(clp, *, tulo, member, marker: str, month: datetime.date) -> SimpleNamespace:
    """One record of every kind a CLP's URL can name, of `clp` or followed by it, each with
    `marker` in a field its page shows."""
    today = timezone.localdate()
    union = UnionFactory(name=f"{marker} union")
    branch = BranchFactory(union=union, name=f"{marker} branch")
    employer = EmployerFactory(name=f"{marker} employer")
    workplace = WorkplaceFactory(employer=employer, name=f"{marker} depot", postcode="N16 7AA")
    dispute = DisputeFactory(
        title=f"{marker} dispute", employer=employer, unions=[union], workplaces=[workplace]
    )
    FollowedDisputeFactory(clp=clp, dispute=dispute, created_by=tulo)
    day = ActionDayFactory(dispute=dispute, date=today + datetime.timedelta(days=3))
    line = PicketLineFactory(
        clp=clp,
        dispute=dispute,
        workplace=workplace,
        place=f"{marker} gate",
        postcode="N16 7AA",
        action_days=[day],
    )
    visit = PicketVisitFactory(
        clp=clp,
        dispute=dispute,
        date=today,
        members_count=2,
        reported_by=member,
        report=f"{marker} visit report",
        status=VisitStatus.REPORTED,
    )
    photo = VisitPhotoFactory(
        visit=visit, uploaded_by=member, image__data=b"\xff\xd8\xff\xe0" + marker.encode()
    )
    report_pdf = ReportPdfFactory(
        clp=clp,
        requested_by=tulo,
        start=today - datetime.timedelta(days=90),
        end=today,
        done=True,
        file__data=b"%PDF-1.7 " + marker.encode(),
    )
    section, _ = section_build(clp=clp, month=month, by=tulo, notify=False)
    NewsletterSectionVersion.objects.filter(section=section).update(
        markdown=f"{marker} union updates", column=f"{marker} column"
    )
    digest = ensure_upcoming_digest(clp)
    digest.note = f"{marker} note"
    digest.save(update_fields=["note"])
    councillor = RepresentativeFactory(
        clp=clp, name=f"{marker} councillor", email=f"{marker.lower()}.cllr@example.org"
    )
    mp = RepresentativeFactory(
        clp=clp, name=f"{marker} MP", office="mp", email=f"{marker.lower()}.mp@example.org"
    )
    return SimpleNamespace(
        clp=clp,
        marker=marker,
        representative=councillor,
        draft=PicketInvitationFactory(
            picket_line=line, representative=councillor, sent_at=None, body=f"{marker} draft"
        ),
        sent_invitation=PicketInvitationFactory(
            picket_line=line, representative=mp, body=f"{marker} invitation"
        ),
        dispute=dispute,
        ballot=BallotFactory(
            dispute=dispute,
            union=union,
            opens_on=today - datetime.timedelta(days=30),
            closes_on=today - datetime.timedelta(days=9),
        ),
        action_day=day,
        picket_line=line,
        lead_link=LeadLinkFactory(picket_line=line, label=f"{marker} trip leader"),
        public_signup=PicketSignupFactory(
            picket_line=line, action_day=day, public=True, name=f"{marker} passer-by"
        ),
        visit=visit,
        photo=photo,
        action=SolidarityActionFactory(clp=clp, date=today, title=f"{marker} motion"),
        report_pdf=report_pdf,
        csv_job=CsvImportFactory(
            clp=clp,
            created_by=tulo,
            filename=f"{marker}.csv",
            text=f"dispute,date,note\n{dispute.pk},{today + datetime.timedelta(days=20)},{marker}",
            status=CsvImportStatus.READY,
            rows_total=1,
            summary={"create": 1, "disputes": []},
        ),
        digest=digest,
        sent_digest=DigestFactory(
            clp=clp,
            week_start=digest.week_start - datetime.timedelta(weeks=3),
            status=DigestStatus.SENT,
            subject=f"{marker} weekly email",
            html=f"<p>{marker} weekly email</p>{go_placeholder(line.pk, day.pk)}",
            web_html=f"<p>{marker} weekly email</p>",
        ),
        section=section,
        mail=OutgoingMailFactory(
            clp=clp,
            to=f"{marker.lower()}@example.org",
            subject=f"{marker} reminder",
            text=f"{marker} text",
            html=f"<p>{marker} html</p>",
            status=MailStatus.FAILED,
        ),
        membership=Membership.objects.get(clp=clp, user=member),
        join_request=JoinRequestFactory(
            clp=clp, user__email=f"{marker.lower()}.asker@example.org", user__name=marker
        ),
        invitation=InvitationFactory(
            clp=clp, email=f"{marker.lower()}.invited@example.org", token=f"{marker}-invitation"
        ),
        subscriber=SubscriberFactory(clp=clp, name=f"{marker} subscriber"),
        records={
            "unions": union,
            "branches": branch,
            "employers": employer,
            "workplaces": workplace,
        },
    )


# Path arguments by URL name, from one CLP's records: one or more sets of kwargs each. The CLP's
# slug is added to them separately, so that another CLP's records can go in this CLP's URL.
PATH_ARGS: dict[str, Callable[[SimpleNamespace], list[dict]]] = {
    "clps:membership_role": lambda w: [{"membership_id": w.membership.pk}],
    "clps:membership_remove": lambda w: [{"membership_id": w.membership.pk}],
    "clps:outbox_send_again": lambda w: [{"mail_id": w.mail.pk}],
    "clps:join_request_approve": lambda w: [{"join_request_id": w.join_request.pk}],
    "clps:join_request_decline": lambda w: [{"join_request_id": w.join_request.pk}],
    "clps:invitation_revoke": lambda w: [{"invitation_id": w.invitation.pk}],
    "clps_public:invitation": lambda w: [{"token": f"{w.marker}-invitation"}],
    "strikes:dispute_detail": lambda w: [{"pk": w.dispute.pk}],
    "strikes:dispute_edit": lambda w: [{"pk": w.dispute.pk}],
    "strikes:dispute_follow": lambda w: [{"pk": w.dispute.pk}],
    "strikes:ballot_create": lambda w: [{"pk": w.dispute.pk}],
    "strikes:ballot_edit": lambda w: [{"pk": w.dispute.pk, "ballot_pk": w.ballot.pk}],
    "strikes:action_day_create": lambda w: [{"pk": w.dispute.pk}],
    "strikes:action_days_range": lambda w: [{"pk": w.dispute.pk}],
    "strikes:action_day_edit": lambda w: [{"pk": w.dispute.pk, "day_pk": w.action_day.pk}],
    "strikes:record_create": lambda w: [{"kind": kind} for kind in w.records],
    "strikes:record_edit": lambda w: [{"kind": k, "pk": r.pk} for k, r in w.records.items()],
    "strikes_import:template": lambda w: [{"kind": kind} for kind in CsvImportKind.values],
    "strikes_import:job": lambda w: [{"job_id": w.csv_job.pk}],
    "strikes_import:job_progress": lambda w: [{"job_id": w.csv_job.pk}],
    "strikes_import:job_confirm": lambda w: [{"job_id": w.csv_job.pk}],
    "strikes_public:dispute": lambda w: [{"pk": w.dispute.pk}],
    "strikes_public:dispute_ics": lambda w: [{"pk": w.dispute.pk}],
    "pickets:picket_line_create": lambda w: [{"dispute_pk": w.dispute.pk}],
    "pickets:picket_line": lambda w: [{"pk": w.picket_line.pk}],
    "pickets:picket_line_edit": lambda w: [{"pk": w.picket_line.pk}],
    "pickets:picket_day_ics": lambda w: [{"pk": w.picket_line.pk, "day_pk": w.action_day.pk}],
    "pickets:signup": lambda w: [{"pk": w.picket_line.pk}],
    "pickets:lead_link_create": lambda w: [{"pk": w.picket_line.pk}],
    "pickets:lead_link_revoke": lambda w: [{"pk": w.picket_line.pk, "link_pk": w.lead_link.pk}],
    "pickets_lead:lead": lambda w: [{"token": w.lead_link.token}],
    "pickets_lead:came": lambda w: [{"token": w.lead_link.token, "day_pk": w.action_day.pk}],
    "pickets_lead:walk_in": lambda w: [{"token": w.lead_link.token, "day_pk": w.action_day.pk}],
    "pickets_lead:done": lambda w: [{"token": w.lead_link.token, "day_pk": w.action_day.pk}],
    "pickets:public_signup": lambda w: [{"pk": w.picket_line.pk}],
    "pickets:public_signup_sent": lambda w: [{"pk": w.picket_line.pk}],
    "pickets_going:confirm": lambda w: [{"token": CONFIRM_LINKS.sign(w.public_signup.pk)}],
    "pickets_going:cancel": lambda w: [{"token": CANCEL_LINKS.sign(w.public_signup.pk)}],
    "newsletters_public:go": lambda w: [
        {"token": DAY_GO_LINKS.sign(w.subscriber.pk, w.picket_line.pk, w.action_day.pk)}
    ],
    "newsletters_public:go_day": lambda w: [
        {
            "token": GO_LINKS.sign(w.subscriber.pk, w.sent_digest.pk),
            "line_id": w.picket_line.pk,
            "day_id": w.action_day.pk,
        }
    ],
    "pickets:representative": lambda w: [{"pk": w.representative.pk}],
    "pickets:invite": lambda w: [{"pk": w.picket_line.pk}],
    "pickets:invitation_drafts": lambda w: [{"pk": w.picket_line.pk}],
    "pickets:invitation_remove": lambda w: [{"pk": w.picket_line.pk, "draft_pk": w.draft.pk}],
    "pickets_invited:answer": lambda w: [{"token": ANSWER_LINKS.sign(w.sent_invitation.pk)}],
    "pickets:visit": lambda w: [{"pk": w.visit.pk}],
    "pickets:visit_edit": lambda w: [{"pk": w.visit.pk}],
    "pickets:visit_confirm": lambda w: [{"pk": w.visit.pk}],
    "pickets:visit_delete": lambda w: [{"pk": w.visit.pk}],
    "pickets:photo": lambda w: [{"pk": w.photo.pk}],
    "pickets:action_edit": lambda w: [{"pk": w.action.pk}],
    "pickets:report_pdf": lambda w: [{"pk": w.report_pdf.pk}],
    "pickets:report_pdf_download": lambda w: [{"pk": w.report_pdf.pk}],
    "newsletters:digest": lambda w: [{"pk": w.digest.pk}],
    "newsletters:digest_resume": lambda w: [{"pk": w.digest.pk}],
    "newsletters_public:web_version": lambda w: [{"week_start": w.sent_digest.week_start}],
    "newsletters:section": lambda w: [{"month": w.section.month}],
    "newsletters:section_preview": lambda w: [{"month": w.section.month}],
    "newsletters:section_save": lambda w: [{"month": w.section.month}],
    "newsletters:section_approve": lambda w: [{"month": w.section.month}],
    "newsletters:section_redraft": lambda w: [{"month": w.section.month}],
    "newsletters:section_copy": lambda w: [{"month": w.section.month}],
    "newsletters:section_download": lambda w: [
        {"month": w.section.month, "fmt": fmt} for fmt in DOWNLOADS
    ],
    "newsletters:section_version": lambda w: [{"month": w.section.month, "number": 1}],
    "newsletters_public:manage": lambda w: [{"token": w.subscriber.token}],
    "newsletters_public:confirm": lambda w: [{"token": w.subscriber.token}],
    "newsletters_public:unsubscribe": lambda w: [{"token": w.subscriber.token}],
    "account_confirm_email": lambda w: [{"key": w.email_key}],
    "account_reset_password_from_key": lambda w: [{"uidb36": w.reset_uidb36, "key": w.reset_key}],
}


def admin_objects() -> dict[str, object]:
    """For each model in the admin, "<app>_<model>" -> a real row of it."""
    return {
        f"{model._meta.app_label}_{model._meta.model_name}": model._default_manager.order_by(
            "pk"
        ).first()
        for model in admin.site._registry
    }


def admin_path(pattern: Pattern, objects: dict[str, object]) -> str:
    """A path for an admin pattern, with a real object's id where it takes one."""
    if pattern.name == "admin:app_list":
        return reverse(pattern.name, kwargs={"app_label": "clps"})
    if pattern.name == "admin:view_on_site":
        dispute = objects["strikes_dispute"]
        content_type = ContentType.objects.get_for_model(dispute)
        return reverse(pattern.name, args=[content_type.pk, dispute.pk])
    if pattern.name == "admin:auth_user_password_change":
        return reverse(pattern.name, args=[objects["clps_user"].pk])
    if pattern.route.startswith("admin/(?P<url>"):
        return "/admin/no-such-page/"
    model = re.match(r"admin/(\w+)/(\w+)/", pattern.route)
    obj = objects.get("_".join(model.groups())) if model else None
    if obj is None:  # a page of the admin's own, or a model's list or add page
        return reverse(pattern.name)
    if pattern.name.endswith("_simple_history"):
        record = obj.history.order_by("history_id").first()  # this object's own first version
        return reverse(pattern.name, args=[obj.pk, record.history_id])
    if not pattern.name:  # admin/<app>/<model>/<id>/
        return "/" + pattern.route.replace("<path:object_id>", str(obj.pk))
    if "<path:object_id>" in pattern.route:
        return reverse(pattern.name, kwargs={"object_id": obj.pk})
    return reverse(pattern.name)


def path_args(pattern: Pattern, world: SimpleNamespace) -> list[dict]:
    return PATH_ARGS.get(pattern.name, lambda w: [{}])(world)


def path_in(pattern: Pattern, slug: str, kwargs: dict) -> str:
    """The pattern's path in the CLP `slug`, with `kwargs`."""
    if "<slug:clp_slug>" in pattern.route:
        kwargs = {"clp_slug": slug, **kwargs}
    return reverse(pattern.name, kwargs=kwargs)


def paths_for(pattern: Pattern, world: SimpleNamespace, objects: dict) -> list[str]:
    """The paths to open for a pattern, naming the records of `world`, in its CLP."""
    if pattern.route.startswith("admin/"):
        return [admin_path(pattern, objects)]
    return [path_in(pattern, world.clp.slug, kwargs) for kwargs in path_args(pattern, world)]


# Requests -----------------------------------------------------------------------------------------

WRITES = ("INSERT", "UPDATE", "DELETE")
# Written for anyone, let in or not: the session, where allauth keeps a visitor's way back.
BOOKKEEPING = '"django_session"'


@dataclass
class Reply:
    status: int
    location: str
    body: bytes
    wrote: list[str]
    error: str = ""

    def __str__(self) -> str:
        if self.error:
            return f"500 ({self.error})"
        return f"{self.status} to {self.location}" if self.location else str(self.status)


def send(client: Client, cookies, method: str, path: str) -> Reply:
    """One request by the client signed in with `cookies`, in a savepoint rolled back after it,
    so that no request changes what the next one sees (and nothing queued on commit is sent).
    Notes the SQL that wrote, and an exception as the 500 it would be."""
    client.cookies = copy.deepcopy(cookies)
    connection.queries_log.clear()  # else, once full, it would hide this request's queries
    error, response = "", None
    with transaction.atomic():
        with CaptureQueriesContext(connection) as queries:
            try:
                response = getattr(client, method)(path)
            except Exception as exc:  # noqa: BLE001
                error = f"{type(exc).__name__}: {exc}"
        transaction.set_rollback(True)
    wrote = [
        q["sql"][:120]
        for q in queries.captured_queries
        if q["sql"].lstrip().startswith(WRITES) and BOOKKEEPING not in q["sql"]
    ]
    if response is None:
        return Reply(500, "", b"", wrote, error)
    # Reading a file response to its end closes it, as the test client arranges.
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return Reply(response.status_code, response.get("Location", ""), body, wrote)


def matches(expected: Answer, reply: Reply) -> bool:
    if reply.error:
        return False
    if expected is OK:
        return reply.status < 500
    if isinstance(expected, frozenset):
        return reply.status in expected
    if isinstance(expected, Redirect):
        return reply.status == 302 and reply.location.startswith(expected.to)
    return reply.status == expected


# The cast, and a world of records for each CLP ----------------------------------------------------


@pytest.fixture
def worlds(clp, other_clp, tulo, executive, member, other_tulo, site_admin, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    cache.clear()  # the sign-in and sign-up rate limits count in the cache
    this_month = timezone.localdate().replace(day=1)
    # The other CLP's section is of a month this CLP has none of, so that its URL names it.
    last_month = (this_month - datetime.timedelta(days=1)).replace(day=1)
    other_member = MembershipFactory(clp=other_clp, user__email="member@other.example").user
    ours = build_world(clp, tulo=tulo, member=member, marker=OURS, month=this_month)
    theirs = build_world(
        other_clp, tulo=other_tulo, member=other_member, marker=THEIRS, month=last_month
    )
    # A row for each of the admin's models that has none yet; the rule sets come from a data
    # migration, which leaves them no history.
    Group.objects.create(name="Editors")
    BallotRuleSet.objects.order_by("pk").first().save()
    UserSession.objects.create(
        user=member, session_key="a" * 32, ip="127.0.0.1", created_at=timezone.now()
    )
    # The links in allauth's emails: confirming an address, resetting a password.
    ours.email_key = EmailConfirmationHMAC(EmailAddress.objects.get(user=member)).key
    ours.reset_uidb36 = user_pk_to_url_str(member)
    ours.reset_key = default_token_generator.make_token(member)
    return ours, theirs


@pytest.fixture
def clients(request, worlds) -> dict[str, tuple[Client, object]]:
    """A client for each role, with the cookies that sign it in."""
    made = {}
    for role in ROLES:
        client = Client()
        if role != "anonymous":
            client.force_login(request.getfixturevalue(role))
        made[role] = (client, copy.deepcopy(client.cookies))
    return made


# The tests ----------------------------------------------------------------------------------------


def test_every_url_answers_each_role_as_the_table_says(worlds, clients):
    """Each URL, with this CLP's records in it, by each role, with a GET and with a POST of no
    data. Someone refused gets nothing of the CLP's and changes nothing."""
    ours, _ = worlds
    objects = admin_objects()
    failures, sent = [], 0
    for pattern in url_patterns():
        profile = expected_answers(pattern)
        for path in paths_for(pattern, ours, objects):
            for role in ROLES:
                client, cookies = clients[role]
                for method, expected in zip(("GET", "POST"), profile[role], strict=True):
                    reply = send(client, cookies, method.lower(), path)
                    sent += 1
                    where = f"{method} {path} as {role}"
                    if not matches(expected, reply):
                        failures.append(f"{where}: expected {expected}, got {reply}")
                    if refuses(expected) and reply.wrote:
                        failures.append(f"{where} was refused but wrote: {reply.wrote[0]}")
                    if refuses(expected) and OURS.encode() in reply.body:
                        failures.append(f"{where} was refused but shows the CLP's records")
    assert sent > 2500
    assert not failures, f"{len(failures)} of {sent} requests:\n" + "\n".join(failures)
    # What the POSTs sent went to the cast's own addresses, in memory.
    cast = set(Membership.objects.values_list("user__email", flat=True))
    assert any(message.subject.startswith("[Test]") for message in mail.outbox)
    assert {address for message in mail.outbox for address in message.recipients()} <= cast


def test_no_object_of_another_clp_is_reachable_by_its_id(worlds, clients):
    """This CLP's TULO, with the other CLP's record's id in this CLP's URL, gets a 404 (or a
    403, or a 405 from a view that refuses the method before it looks anything up): never the
    record, and no change to it. Where a URL names two records, each is swapped alone too: a
    lead link of the other CLP's picket line under this CLP's, a ballot of another dispute
    under this one. Shared public records open, as they should."""
    ours, theirs = worlds
    client, cookies = clients["tulo"]
    failures, tried = [], 0
    for pattern in url_patterns():
        if "<slug:clp_slug>" not in pattern.route or pattern.name not in PATH_ARGS:
            continue
        for own, their in zip(path_args(pattern, ours), path_args(pattern, theirs), strict=True):
            swapped = [key for key in own if own[key] != their[key]]
            # The other CLP's records, then (where there are two) each alone among ours.
            crossings = [their] if swapped else []  # no swap: a kind or a format, no record
            if len(swapped) > 1:
                crossings += [{**own, key: their[key]} for key in swapped]
            for kwargs in crossings:
                tried += 1
                path = path_in(pattern, ours.clp.slug, kwargs)
                opens = pattern.name in SHARED_RECORDS and kwargs is their
                for method in ("get", "post"):
                    reply = send(client, cookies, method, path)
                    if opens:
                        ok = matches(frozenset({200, 302, 405}), reply)
                    else:
                        ok = matches(frozenset({403, 404, 405}), reply) and not reply.wrote
                        ok = ok and THEIRS.encode() not in reply.body
                    if not ok:
                        failures.append(f"{method.upper()} {path} as this CLP's TULO: {reply}")
    assert tried > 40
    assert not failures, "\n".join(failures)


def test_photo_and_report_files_are_not_served_from_media(worlds, clients):
    """Visit photos and report PDFs are served only by their views, after the access check:
    the files' own URLs answer no one (the media route is added only with DEBUG, and an
    unnamed route added without it would fail the table's test)."""
    ours, _ = worlds
    for role in ROLES:
        client, cookies = clients[role]
        for url in (ours.photo.image.url, ours.report_pdf.file.url):
            reply = send(client, cookies, "get", url)
            assert reply.status == 404, (role, url, str(reply))

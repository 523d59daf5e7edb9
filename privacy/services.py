"""Writes for people's rights over their data: erasure on request, the record of a copy given,
and the retention schedule that deletes what is no longer needed."""

import datetime
import json
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from allauth.mfa.utils import is_mfa_enabled
from django.apps import apps
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Count, Max
from django.utils import timezone

from clps.audit import record_counts, record_event
from clps.models import CLP, AuditAction, Membership, Role, User
from newsletters.models import SuppressionReason
from newsletters.services import pending_delete_stale, suppress
from pickets import services as pickets_services
from pickets.models import LeadLink, PicketSignup, PicketVisit, VisitPhoto

from . import selectors

# How long personal data is kept once it has served its purpose. The privacy notice shows these
# same values, so what it promises is what the jobs do.
SIGNUP_RETENTION = datetime.timedelta(days=90)
LEAD_LINK_RETENTION = datetime.timedelta(days=90)

REMOVED = "[removed]"


# Who may act --------------------------------------------------------------------------------------


def is_site_admin(user: User) -> bool:
    """A site admin may act for anyone on the site, once two-factor sign-in is set up."""
    return user.is_authenticated and user.is_active and user.is_staff and is_mfa_enabled(user)


def is_tulo_of(user: User, clp: CLP) -> bool:
    return Membership.objects.filter(user=user, clp=clp, role=Role.TULO).exists()


def check_may_act(*, by: User, clp: CLP | None) -> None:
    """A site admin for the whole site; a TULO with two-factor sign-in for their own CLP."""
    if clp is None:
        if not is_site_admin(by):
            raise PermissionDenied("Only a site admin with two-factor sign-in can do this.")
    elif not (is_tulo_of(by, clp) and is_mfa_enabled(by)):
        raise PermissionDenied("Only the CLP's TULO, with two-factor sign-in, can do this.")


# A copy of a person's data ------------------------------------------------------------------------


def person_export_record(*, person: selectors.Person, by: User) -> dict:
    """The person's data, with an audit row saying a copy was given (not whose: the log must
    not become a list of who asked)."""
    data = selectors.person_export(person=person)
    record_event(action=AuditAction.PERSON_EXPORTED, clp=person.clp, actor=by, object_type="person")
    return data


# Erasure ------------------------------------------------------------------------------------------


@dataclass
class Erasure:
    """What an erasure did, in counts only."""

    account: bool = False
    subscriptions: int = 0
    sign_ups: int = 0
    visits_kept_anonymous: int = 0
    photos: int = 0
    sessions: int = 0
    text_rows: int = 0
    history_rows: int = 0
    clps: list[int] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return self.account or bool(self.subscriptions) or bool(self.text_rows)


def check_may_erase(*, person: selectors.Person, by: User) -> None:
    """Within a CLP, its TULO may erase someone whom only that CLP's records hold; anyone also
    held by another CLP, or a site admin, is for a site admin to erase, so that no CLP removes
    another's records."""
    check_may_act(by=by, clp=person.clp)
    user = person.user
    if user is not None and user.pk == by.pk:
        raise ValidationError("You cannot erase your own account here: ask a site admin.")
    if person.clp is None:
        return
    if user is not None and (
        user.is_staff or selectors.user_ties_elsewhere(user=user, clp=person.clp)
    ):
        raise ValidationError(
            "This person's data can only be erased by a site admin: ask one to do it."
        )
    account = selectors._account_with(person.email)
    if (account is not None and account != user) or selectors._subscribers_with(
        *person.emails
    ).exclude(clp=person.clp).exists():
        raise ValidationError(
            "This person's data can only be erased by a site admin: ask one to do it."
        )


def _placeholder() -> User:
    """An account that can never sign in, standing in for the erased person wherever a count
    depends on one distinct person (the members who went on a visit)."""
    placeholder = User(
        email=f"erased-{secrets.token_hex(8)}@{selectors.ERASED_DOMAIN}",
        name="Erased person",
        is_active=False,
    )
    placeholder.set_unusable_password()
    placeholder.save()
    return placeholder


def _user_references() -> list[tuple[type[models.Model], models.Field]]:
    """Every column that points at an account and would outlive it: SET_NULL and DO_NOTHING
    foreign keys (edit history's included), and many-to-many rows such as who went on a visit.
    Those that cascade go with the account."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        declared_on = model._meta.auto_created
        for f in model._meta.concrete_fields:
            if not (f.many_to_one and f.related_model is User):
                continue
            if declared_on:  # a many-to-many's rows
                if declared_on is not User:
                    found.append((model, f))
            elif f.remote_field.on_delete is not models.CASCADE:
                found.append((model, f))
    return found


def _sessions_of(user: User) -> list[str]:
    keys = []
    now = timezone.now()
    for session in Session.objects.filter(expire_date__gt=now).iterator(chunk_size=500):
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            keys.append(session.session_key)
    return keys


def _scrub(value: Any, patterns: list[re.Pattern]) -> Any:
    if isinstance(value, str):
        for pattern in patterns:
            value = pattern.sub(REMOVED, value)
        return value
    if isinstance(value, list):
        return [_scrub(v, patterns) for v in value]
    if isinstance(value, dict):
        return {k: _scrub(v, patterns) for k, v in value.items()}
    return value


def _scrub_text(*, needles: list[str], patterns: list[re.Pattern], result: Erasure) -> None:
    """Replace the address and full names wherever they were typed or copied: notes, reports,
    the edit history's copies of them, the admin's log."""
    for mention in selectors.text_mentions(needles=needles, patterns=patterns):
        changes = {}
        for name in mention.fields:
            value = mention.values[name]
            scrubbed = _scrub(value, patterns)
            if scrubbed != value:
                changes[name] = scrubbed
        if changes:
            mention.model._base_manager.filter(pk=mention.pk).update(**changes)
            result.text_rows += 1
            if issubclass(mention.model, selectors.HistoricalChanges):
                result.history_rows += 1


def _scrub_own_reports(*, user: User, names: list[str], result: Erasure) -> None:
    """A first name or surname alone is too common to remove from every record, but in the
    reports of visits the person reported or went on, it is most likely theirs."""
    words = {w for n in names for w in n.split() if len(w) > 1}
    if not words:
        return
    patterns = [selectors.name_pattern(w) for w in sorted(words, key=len, reverse=True)]
    visit_ids = set(
        PicketVisit.objects.filter(reported_by=user).values_list("pk", flat=True)
    ) | set(
        PicketVisit.members.through.objects.filter(user=user).values_list(
            "picketvisit_id", flat=True
        )
    )
    for model, key in [(PicketVisit, "pk"), (PicketVisit.history.model, "id")]:
        for pk, report in model._base_manager.filter(**{f"{key}__in": visit_ids}).values_list(
            "pk", "report"
        ):
            scrubbed = _scrub(report, patterns)
            if scrubbed != report:
                model._base_manager.filter(pk=pk).update(report=scrubbed)
                result.text_rows += 1


def person_erase(*, email: str, by: User, clp: CLP | None = None) -> Erasure:
    """Remove the person with this address from every table and from the edit history, in one
    transaction, and never email the address again.

    What they did stays counted without them: a visit keeps its number of members and its
    place in reports (the erased person's place in it taken by an account that holds nothing
    about them), money raised stays in the ledger, and history rows stay with their names and
    address replaced. The address goes on the do-not-email list as a keyed hash only.

    With `clp`, a TULO of that CLP erases someone only that CLP holds; without, a site admin
    erases anyone.
    """
    check_may_act(by=by, clp=clp)
    person = selectors.person_find(email=email, clp=None)
    scoped = selectors.person_find(email=email, clp=clp) if clp is not None else person
    if clp is not None and not scoped.found:
        raise ValidationError("This CLP holds nothing under that address.")
    check_may_erase(person=scoped, by=by)
    result = Erasure()
    files: list[str] = []
    with transaction.atomic():
        user = person.user
        names = person.names
        needles, patterns = selectors.person_patterns(person)
        clp_ids = {s.clp_id for s in person.subscribers}
        if user is not None:
            result.account = True
            clp_ids |= set(Membership.objects.filter(user=user).values_list("clp_id", flat=True))
            clp_ids |= set(
                PicketVisit.objects.filter(members=user).values_list("clp_id", flat=True)
            )
            _scrub_own_reports(user=user, names=names, result=result)
            result.visits_kept_anonymous = PicketVisit.members.through.objects.filter(
                user=user
            ).count()
            result.sign_ups = PicketSignup.objects.filter(user=user).count()
            for photo in VisitPhoto.objects.filter(uploaded_by=user):
                if photo.image:
                    files.append(photo.image.name)
                photo.delete()
                result.photos += 1
            keys = _sessions_of(user)
            result.sessions = Session.objects.filter(session_key__in=keys).delete()[0]
            placeholder = _placeholder()
            for model, f in _user_references():
                model._base_manager.filter(**{f.attname: user.pk}).update(
                    **{f.attname: placeholder.pk}
                )
            # The account, its memberships, sign-ups, addresses and authenticators go together.
            user.delete()
        for subscriber in person.subscribers:
            record_event(
                action=AuditAction.SUBSCRIBER_ERASED,
                clp=subscriber.clp_id,
                actor=by,
                object_type="subscriber",
                object_id=subscriber.pk,
            )
            subscriber.delete()
            result.subscriptions += 1
        for address in person.emails:
            suppress(email=address, reason=SuppressionReason.UNSUBSCRIBED, clp=None)
        _scrub_text(needles=needles, patterns=patterns, result=result)
        result.clps = sorted(clp_ids)
        for clp_id in [*result.clps, None]:
            record_event(
                action=AuditAction.PERSON_ERASED, clp=clp_id, actor=by, object_type="person"
            )
        # Photo files go once the rows are gone for good: a rolled-back erasure keeps them.
        transaction.on_commit(lambda: pickets_services.delete_files(files))
    return result


# Retention ----------------------------------------------------------------------------------------


def signups_delete_old(*, now: datetime.datetime | None = None) -> int:
    """Delete picket sign-ups for days more than SIGNUP_RETENTION ago: who said they would go
    is needed for the day's reminder and the trip leader, not afterwards. Reports count visits,
    never sign-ups, so nothing is lost from them."""
    cutoff = timezone.localtime(now or timezone.now()).date() - SIGNUP_RETENTION
    old = PicketSignup.objects.filter(action_day__date__lt=cutoff)
    with transaction.atomic():
        per_clp = dict(old.values_list("picket_line__clp_id").annotate(n=Count("pk")).order_by())
        deleted, _ = old.delete()
        record_counts(action=AuditAction.SIGNUPS_EXPIRED, counts=per_clp, object_type="signup")
    return deleted


def lead_links_delete_old(*, now: datetime.datetime | None = None) -> int:
    """Delete trip leaders' links (labelled with who they went to) once the picket line's last
    day is more than LEAD_LINK_RETENTION ago."""
    cutoff = timezone.localtime(now or timezone.now()).date() - LEAD_LINK_RETENTION
    old = LeadLink.objects.alias(last_day=Max("picket_line__action_days__date")).filter(
        last_day__lt=cutoff
    )
    with transaction.atomic():
        ids = list(old.values_list("pk", flat=True))
        links = LeadLink.objects.filter(pk__in=ids)
        per_clp = dict(links.values_list("picket_line__clp_id").annotate(n=Count("pk")).order_by())
        deleted, _ = links.delete()
        record_counts(
            action=AuditAction.LEAD_LINKS_EXPIRED, counts=per_clp, object_type="lead_link"
        )
    return deleted


def retention_run(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Every retention rule, each safe to repeat. Returns how many rows each deleted."""
    from django.contrib.sessions.backends.db import SessionStore

    done = {
        "unconfirmed_subscriptions": pending_delete_stale(now=now),
        "picket_signups": signups_delete_old(now=now),
        "lead_links": lead_links_delete_old(now=now),
    }
    # Signed-out and timed-out sessions hold whose they were until deleted.
    SessionStore.clear_expired()
    return done


def export_json(data: dict) -> bytes:
    return json.dumps(data, indent=2, ensure_ascii=False).encode()

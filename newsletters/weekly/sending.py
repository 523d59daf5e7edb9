"""Sending a CLP's weekly email: the digest prepared once (rendered, one delivery row per
subscriber), deliveries claimed in batches and marked in flight, handed to the email service,
then marked sent or failed. Every step can run again without sending anyone a second copy; a
service that keeps failing pauses and finally stops the send for the TULO.

One module, though over 400 lines, because preparing, claiming, calling the service and marking
are one exactly-once protocol: what each step may assume (a batch's membership, its rows locked,
what a retry rebuilds) is set by the others, and a change to one must be read against them.
"""

import datetime
import logging
from dataclasses import dataclass
from typing import Any

from anymail.backends.mailgun import EmailBackend as MailgunBackend
from anymail.backends.resend import EmailBackend as AnymailResendBackend
from django.conf import settings
from django.core import mail
from django.db import Error as DatabaseUnavailable
from django.db import IntegrityError, transaction
from django.db import connection as db_connection
from django.db.models import Exists, F, OuterRef
from django.urls import reverse
from django.utils import timezone

from clps import public_cache
from clps.esp import RESEND_BATCH_LIMIT, for_batches
from clps.mail import is_permanent
from clps.models import Membership, Role
from clps.outbox import queue_email

from ..models import (
    Delivery,
    DeliveryStatus,
    Digest,
    DigestStatus,
    Subscriber,
    SubscriberStatus,
)
from ..selectors import active_subscribers_of
from .content import build_contents, with_previous_send
from .render import (
    Claimed,
    PersonalLinks,
    Recipient,
    batch_message_for,
    message_for,
    render,
)
from .schedule import schedule_for
from .selectors import SUBSCRIBER_GONE, SUBSCRIBER_LEFT, figures

logger = logging.getLogger(__name__)

# Deliveries claimed at a time, unless settings.WEEKLY_BATCH_SIZE says otherwise.
BATCH_SIZE = 100

# The batches of a digest made in flight by the INSERT that makes its deliveries, for the task
# that prepared it to send with no claim of their own: its first batches, up to this many
# recipients (always the first batch). Most CLPs' emails then need no claim at all; a crash
# leaves no more than these in flight for requeue_stuck.
PRECLAIMED = 500


def prepare(digest_id: int, *, now: datetime.datetime | None = None) -> Digest:
    """Render the digest once and create its deliveries, unless held, sent or already sending.

    Skips a week with nothing to say when the CLP asks for that.
    """
    return prepare_many([digest_id], now=now)[0][0]


# The digest's fields that preparing it sets.
PREPARED_FIELDS = [
    "status",
    "finished_at",
    "subject",
    "text",
    "html",
    "web_html",
    "built_at",
    "send_started_at",
]


def prepare_many(
    digest_ids: list[int], *, now: datetime.datetime | None = None, claim_first: bool = False
) -> list[tuple[Digest, list["ClaimedBatch"]]]:
    """prepare() for many digests in one transaction: their news read in one set of queries
    (content.build_contents), each rendered, all saved in one UPDATE. Returns each digest (in
    id order) with, when `claim_first` (on PostgreSQL), its first batches (up to PRECLAIMED
    recipients), in order: their deliveries are made already in flight, so nobody else can
    claim them and the send needs no claim of its own for them. A crash after the commit
    leaves those batches in flight for requeue_stuck, as a crash after any claim does."""
    now = now or timezone.now()
    first: dict[int, list[ClaimedBatch]] = {}
    with transaction.atomic():
        digests = list(
            with_previous_send(
                Digest.objects.select_for_update(of=("self",)).select_related(
                    "clp", "clp__weekly_schedule"
                )
            )
            .filter(pk__in=digest_ids)
            .order_by("pk")
        )
        drafts = [d for d in digests if d.status == DigestStatus.DRAFT]
        if not drafts:
            return [(d, []) for d in digests]
        schedules = {d.pk: schedule_for(d.clp) for d in drafts}
        starting = []
        for digest, content in zip(
            drafts, build_contents(drafts, schedules=schedules), strict=True
        ):
            if content.is_empty and not digest.note and schedules[digest.pk].skip_empty:
                digest.status, digest.finished_at = DigestStatus.SKIPPED, now
                continue
            rendered = render(content)
            digest.subject, digest.text = rendered.subject, rendered.text
            digest.html, digest.web_html = rendered.html, rendered.web_html
            digest.built_at = digest.send_started_at = now
            digest.status = DigestStatus.SENDING
            starting.append(digest)
        _save_prepared(drafts)
        public_cache.bump(*(public_cache.clp_scope(d.clp.slug) for d in drafts))  # archives
        size = batch_size(batch_esp(mail_connection()))
        in_flight = claim_first and db_connection.vendor == "postgresql"
        if starting:
            first = _create_deliveries(starting, size=size, claim_first=in_flight, now=now)
    return [(d, first.get(d.pk, [])) for d in digests]


def _save_prepared(digests: list[Digest]) -> None:
    """Save what preparing set on the digests, in one UPDATE: on PostgreSQL from arrays of the
    values (bulk_update's CASE for each field and digest costs more to build than to run)."""
    if db_connection.vendor != "postgresql":
        Digest.objects.bulk_update(digests, PREPARED_FIELDS)
        return
    types = [Digest._meta.get_field(name).db_type(db_connection) for name in PREPARED_FIELDS]
    arrays = ", ".join(f"%s::{kind}[]" for kind in ["bigint", *types])
    with db_connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Digest._meta.db_table} AS d SET "  # noqa: S608 (names, no input)
            + ", ".join(f"{name} = v.{name}" for name in PREPARED_FIELDS)
            + f" FROM unnest({arrays}) AS v(id, {', '.join(PREPARED_FIELDS)}) WHERE d.id = v.id",
            [[d.pk for d in digests]]
            + [[getattr(d, name) for d in digests] for name in PREPARED_FIELDS],
        )


def _create_deliveries(
    digests: list[Digest],
    *,
    size: int,
    claim_first: bool = False,
    now: datetime.datetime | None = None,
) -> dict[int, list["ClaimedBatch"]]:
    """One delivery per subscriber of each digest's CLP, for all the digests in one INSERT ...
    SELECT (no rows through Python). A digest being prepared has none yet, so the INSERT is a
    plain one (ON CONFLICT's checks cost PostgreSQL about a fifth more); should one exist, the
    unique constraint refuses the INSERT and it is made again with ON CONFLICT DO NOTHING: one
    delivery per digest and subscriber either way. Each goes in a batch of `size`, numbered in
    subscriber order within its digest, for good: a batch retried after a crash carries the
    same recipients. With `claim_first` (PostgreSQL), each digest's first batches (up to
    PRECLAIMED recipients) are made in flight and returned, claimed, with their subscribers,
    by digest."""
    subscribers = active_subscribers_of([d.clp_id for d in digests]).values("id", "clp_id")
    select, params = subscribers.query.sql_with_params()
    which = " UNION ALL ".join(["SELECT %s AS digest_id, %s AS clp_id"] * len(digests))
    table, people = Delivery._meta.db_table, Subscriber._meta.db_table
    claimed_at = now or timezone.now()
    # Status, attempts and when claimed: queued, or the first batches in flight (PostgreSQL).
    first = max(1, PRECLAIMED // size)  # batches numbered below this are claimed
    state = "%s, 0, NULL"
    arguments: list[Any] = [DeliveryStatus.QUEUED]
    if claim_first:
        state = (
            f"CASE WHEN s.batch < {first:d} THEN %s ELSE %s END,"
            f" CASE WHEN s.batch < {first:d} THEN 1 ELSE 0 END,"
            f" CASE WHEN s.batch < {first:d} THEN %s::timestamptz END"
        )
        arguments = [DeliveryStatus.IN_FLIGHT, DeliveryStatus.QUEUED, claimed_at]
    insert = (
        f"INSERT INTO {table} (digest_id, subscriber_id, status, attempts, claimed_at, error,"  # noqa: S608
        f" esp_message_id, batch) SELECT s.digest_id, s.id, {state}, '', '', s.batch"
        " FROM (SELECT i.id, w.digest_id,"
        " (row_number() OVER (PARTITION BY w.digest_id ORDER BY i.id) - 1) / %s AS batch"
        f" FROM ({select}) AS i JOIN ({which}) AS w ON w.clp_id = i.clp_id) AS s"
        # WHERE true: SQLite would read ON CONFLICT as a join's ON without it.
        " WHERE true ORDER BY s.digest_id, s.id"
    )
    arguments = [
        *arguments,
        size,
        *params,
        *(value for d in digests for value in (d.pk, d.clp_id)),
    ]

    def statement(on_conflict: str = "") -> str:
        if not claim_first:
            return insert + on_conflict
        return (
            f"WITH made AS ({insert}{on_conflict}"  # noqa: S608
            " RETURNING id, digest_id, subscriber_id, batch),"
            f" more AS (SELECT DISTINCT digest_id FROM made WHERE batch >= {first:d})"
            " SELECT m.id, m.subscriber_id, p.email, p.token, m.batch,"
            " x.digest_id IS NOT NULL, true, m.digest_id"
            f" FROM made m JOIN {people} p ON p.id = m.subscriber_id"
            " LEFT JOIN more x ON x.digest_id = m.digest_id"
            f" WHERE m.batch < {first:d} ORDER BY m.digest_id, m.batch, m.id"
        )

    with db_connection.cursor() as cursor:
        try:
            with transaction.atomic():
                cursor.execute(statement(), arguments)
        except IntegrityError:
            cursor.execute(statement(" ON CONFLICT DO NOTHING"), arguments)
        if not claim_first:
            return {}
        rows = cursor.fetchall()
    batches: dict[int, dict[int, list[tuple]]] = {d.pk: {} for d in digests}
    for row in rows:
        batches[row[7]].setdefault(row[4], []).append(row[:7])
    made = {}
    for digest_id, numbered in batches.items():
        # No subscribers: one empty batch, so the send knows there is nothing to claim.
        claimed = [_claimed(group, claimed_at) for group in numbered.values()]
        claimed = claimed or [_claimed([], claimed_at)]
        for batch in claimed[:-1]:
            batch.more = True  # the next is claimed too, and is sent after it
        made[digest_id] = claimed
    return made


@dataclass(slots=True)
class Unaddressed:
    """A delivery claimed after its subscriber was erased, or stopped being subscribed (they
    unsubscribed, or their address bounced or complained, while the email waited to go): it is
    marked failed with the reason, not sent. A batch tried before (the service failed, or a
    worker died) still goes to everyone subscribed when it was first tried: a retry carries the
    same recipients, for an idempotency key to recognise it."""

    pk: int
    error: str = SUBSCRIBER_GONE


class ClaimedBatch(list[Claimed | Unaddressed]):
    """A claimed batch's deliveries, in order, whether another batch was left queued, and when
    it was claimed."""

    more: bool = False
    claimed_at: datetime.datetime | None = None


def claim(digest: Digest, *, after: int | None = None) -> ClaimedBatch:
    """Mark the digest's next queued batch (after batch number `after`, if given: the last this
    worker sent) in flight and return its deliveries, in order, with their subscribers. The
    batch is the one decided when the digest was prepared: a batch put back in the queue after a
    failure or a crash is claimed whole again (by the next task for the digest, which starts
    from the first batch)."""
    if db_connection.vendor == "postgresql":
        return _claim_postgresql(digest, after=after)
    later = {} if after is None else {"batch__gt": after}
    with transaction.atomic():
        first = (
            Delivery.objects.filter(digest=digest, status=DeliveryStatus.QUEUED, **later)
            .order_by("batch", "id")
            .values_list("batch", flat=True)
            .first()
        )
        batch = list(
            Delivery.objects.select_for_update()
            .filter(digest=digest, status=DeliveryStatus.QUEUED, batch=first)
            .select_related("subscriber")
            .order_by("id")
        )
        if batch:
            Delivery.objects.filter(pk__in=[d.pk for d in batch]).update(
                status=DeliveryStatus.IN_FLIGHT,
                claimed_at=timezone.now(),
                attempts=F("attempts") + 1,
            )
        more = Delivery.objects.filter(
            digest=digest, status=DeliveryStatus.QUEUED, **later
        ).exists()
    claimed = ClaimedBatch()
    for d in batch:
        s = d.subscriber
        recipient = None if s is None else Recipient(s.pk, s.email, s.token)
        active = s is not None and s.status == SubscriberStatus.ACTIVE
        claimed.append(_entry(d.pk, recipient, d.batch, send=active or d.attempts > 0))
    claimed.more = more
    return claimed


def _entry(
    pk: int, recipient: Recipient | None, batch: int | None, *, send: bool
) -> Claimed | Unaddressed:
    """A claimed delivery: to send to its recipient, or, `send` being false, withheld from one
    no longer subscribed; with no recipient, one whose subscriber was erased."""
    if recipient is None:
        return Unaddressed(pk)
    if not send:
        return Unaddressed(pk, SUBSCRIBER_LEFT)
    return Claimed(pk, recipient, batch)


# The advisory lock's first key: claims of one digest's batches take turns (the second key is
# the digest's id), so two workers never split a batch between them.
_CLAIM_LOCK = 0x7475_6C31


def _claim_postgresql(digest: Digest, *, after: int | None = None) -> ClaimedBatch:
    """The same in two statements: a lock on the digest's claims, held to the commit, then the
    first queued batch updated and returned joined to its subscribers, with whether a later
    batch is queued (so the last batch needs no empty claim after it). The update's snapshot is
    taken after the lock, so it sees every batch the last holder claimed."""
    with transaction.atomic(), db_connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_CLAIM_LOCK, digest.pk % 2**31])
        return _claim_rows(cursor, digest, after=after)


def _claim_rows(cursor, digest: Digest, *, after: int | None = None) -> ClaimedBatch:
    """The claim's one statement, in the caller's transaction. The (digest, batch) index is
    read from batch `after` on, not through every batch already sent."""
    table, subscribers = Delivery._meta.db_table, Subscriber._meta.db_table
    now = timezone.now()
    cursor.execute(
        f"WITH picked AS MATERIALIZED (SELECT batch FROM {table}"  # noqa: S608
        " WHERE digest_id = %s AND batch > %s AND status = %s ORDER BY batch LIMIT 1),"
        f" claimed AS (UPDATE {table} AS d SET status = %s, claimed_at = %s,"
        " attempts = d.attempts + 1 FROM picked WHERE d.digest_id = %s AND d.status = %s"
        " AND d.batch = picked.batch RETURNING d.id, d.subscriber_id, d.batch, d.attempts)"
        " SELECT c.id, c.subscriber_id, s.email, s.token, c.batch,"
        f" EXISTS (SELECT 1 FROM {table} l, picked WHERE l.digest_id = %s"
        " AND l.status = %s AND l.batch > picked.batch), s.status = %s OR c.attempts > 1"
        " FROM claimed c"
        f" LEFT JOIN {subscribers} s ON s.id = c.subscriber_id ORDER BY c.id",
        [
            digest.pk,
            -1 if after is None else after,
            DeliveryStatus.QUEUED,
            DeliveryStatus.IN_FLIGHT,
            now,
            digest.pk,
            DeliveryStatus.QUEUED,
            digest.pk,
            DeliveryStatus.QUEUED,
            SubscriberStatus.ACTIVE,
        ],
    )
    return _claimed(cursor.fetchall(), now)


def _claimed(rows: list[tuple], claimed_at: datetime.datetime) -> ClaimedBatch:
    """A claimed batch from rows of (delivery, subscriber, email, token, batch, more, whether
    to send it: the subscriber is still subscribed, or the batch was tried before)."""
    claimed = ClaimedBatch(
        _entry(
            pk,
            None if subscriber_id is None else Recipient(subscriber_id, email, token),
            batch,
            send=send,
        )
        for pk, subscriber_id, email, token, batch, _, send in rows
    )
    claimed.more = bool(rows) and rows[0][5]
    claimed.claimed_at = claimed_at
    return claimed


# Batches claimed when their digest was prepared wait while the task sends what comes before
# them. One that has waited longer than this is read again before it goes: still in flight
# under this claim (the sweeper puts a batch in flight for 10 minutes back in the queue,
# tuliaison.tasks.STUCK_AFTER, for another worker to send), and with its subscribers as they
# are now (one erased meanwhile is not sent to).
CLAIM_CHECKED_AFTER = datetime.timedelta(seconds=30)


def _read_again(claimed: ClaimedBatch) -> ClaimedBatch | None:
    """A batch claimed a while ago, as it stands, with its claim renewed (so the sweeper leaves
    it alone for as long again); None if any of it is no longer under this claim."""
    now = timezone.now()
    table, subscribers = Delivery._meta.db_table, Subscriber._meta.db_table
    with transaction.atomic(), db_connection.cursor() as cursor:
        cursor.execute(
            f"WITH renewed AS (UPDATE {table} SET claimed_at = %s"  # noqa: S608 (names)
            " WHERE id = ANY(%s::bigint[]) AND status = %s AND claimed_at = %s"
            " RETURNING id, subscriber_id, batch, attempts)"
            " SELECT r.id, r.subscriber_id, s.email, s.token, r.batch, false,"
            " s.status = %s OR r.attempts > 1"
            f" FROM renewed r LEFT JOIN {subscribers} s ON s.id = r.subscriber_id ORDER BY r.id",
            [
                now,
                [d.pk for d in claimed],
                DeliveryStatus.IN_FLIGHT,
                claimed.claimed_at,
                SubscriberStatus.ACTIVE,
            ],
        )
        rows = cursor.fetchall()
        if len(rows) != len(claimed):
            transaction.set_rollback(True)  # the rest keep the claim the sweeper may look at
            return None
    again = _claimed(rows, now)
    again.more = claimed.more
    return again


def _release(batches: list[ClaimedBatch]) -> None:
    """Put batches claimed in advance and not sent back in the queue (their rows still under
    the claim), for the digest's next send to claim at once rather than after the sweeper,
    and as never tried: their next claim is their first try."""
    claims: dict[datetime.datetime | None, list[int]] = {}
    for claimed in batches:
        claims.setdefault(claimed.claimed_at, []).extend(d.pk for d in claimed)
    for claimed_at, ids in claims.items():
        Delivery.objects.filter(
            pk__in=ids, status=DeliveryStatus.IN_FLIGHT, claimed_at=claimed_at
        ).update(status=DeliveryStatus.QUEUED, attempts=F("attempts") - 1)


# How many recipients one call to each email service may carry (Mailgun: 1,000 per batch send;
# Resend: 100 emails per call to /emails/batch).
ESP_BATCH_LIMITS = {"mailgun": 1000, "resend": RESEND_BATCH_LIMIT}


def batch_esp(connection) -> str:
    """The email service whose batch sending (merge data and per-recipient headers in one API
    call) the digest uses: settings.WEEKLY_BATCH_ESP when set ("" turns batching off), else
    found from the backend. "" means one personalised message per recipient."""
    configured = getattr(settings, "WEEKLY_BATCH_ESP", None)
    if configured is not None:
        return configured
    if isinstance(connection, AnymailResendBackend):
        return "resend"
    return "mailgun" if isinstance(connection, MailgunBackend) else ""


def batch_size(esp: str = "") -> int:
    """settings.WEEKLY_BATCH_SIZE, kept within the email service's per-call limit."""
    size = getattr(settings, "WEEKLY_BATCH_SIZE", BATCH_SIZE)
    return max(1, min(size, ESP_BATCH_LIMITS.get(esp, size)))


def mail_connection():
    """The site's email backend, opened once for a whole send (anymail's Resend backend made
    able to send each recipient their own body in a batch: clps.esp)."""
    return for_batches(mail.mailers.default)


def hand_over(
    connection, esp: str, digest: Digest, batch: list[Claimed], personal: PersonalLinks
) -> dict[int, str]:
    """Hand the batch to the email service; returns each delivery's ESP message id if known."""
    if esp:
        message = batch_message_for(digest, batch, personal, esp=esp)
        connection.send_messages([message])
        recipients = getattr(getattr(message, "anymail_status", None), "recipients", {}) or {}
        return {
            d.pk: (getattr(recipients.get(d.subscriber.email), "message_id", None) or "")
            for d in batch
        }
    messages = [message_for(digest, d, personal) for d in batch]
    connection.send_messages(messages)
    return {
        d.pk: (getattr(getattr(m, "anymail_status", None), "message_id", None) or "")
        for d, m in zip(batch, messages, strict=True)
    }


def _mark_sent(digest: Digest, batch: list[Claimed], ids: dict[int, str]) -> None:
    now = timezone.now()
    distinct = set(ids.values())
    if db_connection.vendor == "postgresql":  # one statement, where bulk_update's CASE is slow
        # The batch's rows found by one descent of the (digest, batch) index, not one per row
        # (a batch claimed before batches were numbered has none). One message id for the
        # whole call (Mailgun's) is sent once, not once a row.
        batches = {d.batch for d in batch}
        one = len(batches) == 1 and None not in batches
        where = " AND d.digest_id = %s AND d.batch = %s" if one else ""
        within = [digest.pk, batch[0].batch] if one else []
        table = Delivery._meta.db_table
        with db_connection.cursor() as cursor:
            if len(distinct) == 1:
                cursor.execute(
                    f"UPDATE {table} AS d SET status = %s, sent_at = %s, error = '',"  # noqa: S608
                    f" esp_message_id = %s WHERE d.id = ANY(%s::bigint[]){where}",
                    [DeliveryStatus.SENT, now, distinct.pop()[:200], list(ids), *within],
                )
                return
            cursor.execute(
                f"UPDATE {table} AS d"  # noqa: S608 (a table name, no input)
                " SET status = %s, sent_at = %s, error = '', esp_message_id = v.message_id"
                f" FROM unnest(%s::bigint[], %s::text[]) AS v(id, message_id) WHERE d.id = v.id"
                + where,
                [DeliveryStatus.SENT, now, list(ids), [ids[pk][:200] for pk in ids], *within],
            )
    elif len(distinct) == 1:  # no ids, or one for the whole call (Mailgun's)
        Delivery.objects.filter(pk__in=[d.pk for d in batch]).update(
            status=DeliveryStatus.SENT, sent_at=now, error="", esp_message_id=distinct.pop()[:200]
        )
    else:
        rows = [
            Delivery(
                pk=d.pk,
                status=DeliveryStatus.SENT,
                sent_at=now,
                error="",
                esp_message_id=ids[d.pk][:200],
            )
            for d in batch
        ]
        Delivery.objects.bulk_update(rows, ["status", "sent_at", "error", "esp_message_id"])


@dataclass(slots=True)
class BatchResult:
    settled: int  # claimed and now sent, failed or erased
    more: bool = False  # another batch was left queued
    sent: int = 0
    failed: int = 0  # refused by the email service
    error: str = ""
    batch: int | None = None  # the batch's number


def send_batch(
    digest: Digest,
    connection,
    esp: str,
    personal: PersonalLinks,
    *,
    claimed: ClaimedBatch | None = None,
    after: int | None = None,
) -> BatchResult:
    """Claim (after batch `after`) and send one batch, or send the batch already `claimed`."""
    if claimed is None:
        claimed = claim(digest, after=after)
    batch = [d for d in claimed if isinstance(d, Claimed)]
    gone: dict[str, list[int]] = {}
    for d in claimed:
        if isinstance(d, Unaddressed):
            gone.setdefault(d.error, []).append(d.pk)
    for error, pks in gone.items():  # erased, or no longer subscribed, since it was prepared
        Delivery.objects.filter(pk__in=pks).update(status=DeliveryStatus.FAILED, error=error)
    if not batch:
        return BatchResult(len(claimed), more=claimed.more)
    pks, number = [d.pk for d in batch], batch[0].batch
    try:
        ids = hand_over(connection, esp, digest, batch, personal)
    except Exception as exc:
        if is_permanent(exc):
            error = str(exc)[:300]
            Delivery.objects.filter(pk__in=pks).update(status=DeliveryStatus.FAILED, error=error)
            logger.warning("digest %s: %s deliveries failed: %s", digest.pk, len(pks), exc)
            return BatchResult(
                len(claimed), claimed.more, failed=len(pks), error=error, batch=number
            )
        Delivery.objects.filter(pk__in=pks).update(
            status=DeliveryStatus.QUEUED, error=str(exc)[:300]
        )
        raise
    _mark_sent(digest, batch, ids)
    return BatchResult(len(claimed), claimed.more, sent=len(batch), batch=number)


# Sending stops, for the TULO to look into, when more than this share of the recipients tried
# so far were refused by the email service (a wrong key or sender refuses every batch), once
# this many have been tried or the queue is empty.
FAILURE_RATE_LIMIT = 0.1

FAILURE_SAMPLE = 50


def send_all(digest_id: int) -> int:
    """Prepare the digest and send every delivery still queued; returns how many went.

    Temporary email service errors leave the batch queued and raise, for the task to retry;
    permanent ones (a 4xx other than 429) mark the batch failed and sending goes on, unless
    the failures pass FAILURE_RATE_LIMIT: then sending stops and the TULO is told."""
    [(digest, claimed)] = prepare_many([digest_id], claim_first=True)
    return send_prepared(digest, claimed)


def send_prepared(
    digest: Digest,
    claimed: list[ClaimedBatch] | None = None,
    *,
    connection=None,
    finish: bool = True,
) -> int:
    """send_all() for a digest already prepared (with its first batches, if claimed then),
    through `connection` if given (opened by the caller, for many digests), and, unless
    `finish` is false (the caller calls finish() for many), marked sent when none is left.
    Batches claimed in advance and not sent (the service failed, or sending stopped) go back
    in the queue."""
    pending = list(claimed or [])
    try:
        return _send_prepared(digest, pending, connection=connection, finish=finish)
    finally:
        if pending:
            try:
                _release(pending)
            except DatabaseUnavailable:  # the database may be what failed: the sweeper will
                logger.warning("digest %s: claimed batches left for the sweeper", digest.pk)


def _send_prepared(digest: Digest, pending: list[ClaimedBatch], *, connection, finish: bool) -> int:
    """send_prepared(), taking the batches claimed in advance off `pending` as they go."""
    if digest.status == DigestStatus.PAUSED:  # a retry after the email service failed
        Digest.objects.filter(pk=digest.pk, status=DigestStatus.PAUSED).update(
            status=DigestStatus.SENDING
        )
        digest.status = DigestStatus.SENDING
    if digest.status != DigestStatus.SENDING:
        return 0
    own = connection is None
    connection = mail_connection() if connection is None else connection
    esp = batch_esp(connection)
    personal = PersonalLinks(digest.clp, digest)
    sent = tried = failed = 0
    after = None  # the last batch this worker sent: the next claim looks after it
    if own:
        connection.open()
    try:
        while True:
            claimed = pending.pop(0) if pending else None  # else the next is claimed afresh
            if (
                claimed is not None
                and claimed.claimed_at is not None
                and timezone.now() - claimed.claimed_at > CLAIM_CHECKED_AFTER
            ):
                waited, claimed = claimed, _read_again(claimed)
                if claimed is None:
                    # Put back by the sweeper, and perhaps sent by another worker since: this
                    # and the rest claimed with it are claimed afresh (what is still under the
                    # claim first goes back in the queue).
                    _release([waited, *pending])
                    pending.clear()
            result = send_batch(digest, connection, esp, personal, claimed=claimed, after=after)
            after = after if result.batch is None else result.batch
            sent, failed = sent + result.sent, failed + result.failed
            tried += result.sent + result.failed
            done = not result.more  # none left (the rest, if any, are other workers')
            if failed > FAILURE_RATE_LIMIT * tried and (tried >= FAILURE_SAMPLE or done):
                stop(digest.pk, f"{failed} of {tried} refused by the email service: {result.error}")
                return sent
            if done:
                break
    finally:
        if own:
            connection.close()
    if finish:
        finished([digest.pk])
    return sent


def finished(digest_ids: list[int]) -> None:
    """Mark sent those of the digests still sending with none left waiting (the last of
    several workers to finish one marks it), in one UPDATE."""
    waiting = Delivery.objects.filter(
        digest=OuterRef("pk"), status__in=[DeliveryStatus.QUEUED, DeliveryStatus.IN_FLIGHT]
    )
    Digest.objects.filter(pk__in=digest_ids, status=DigestStatus.SENDING).exclude(
        Exists(waiting)
    ).update(status=DigestStatus.SENT, finished_at=timezone.now())


def stop(digest_id: int, reason: str) -> bool:
    """Stop sending until the TULO resumes, and tell the CLP's TULOs, once. Their notice goes
    through the outbox, which keeps trying after the email service that failed here recovers;
    meanwhile the dashboard says so."""
    with transaction.atomic():
        stopped = Digest.objects.filter(
            pk=digest_id, status__in=[DigestStatus.SENDING, DigestStatus.PAUSED]
        ).update(status=DigestStatus.STOPPED, stop_reason=reason[:400])
        if not stopped:
            return False
        digest = Digest.objects.select_related("clp").get(pk=digest_id)
        tulos = list(
            Membership.objects.filter(
                clp=digest.clp, role=Role.TULO, user__is_active=True
            ).values_list("user__email", flat=True)
        )
        context = {
            "digest": digest,
            "clp": digest.clp,
            "counts": figures(digest),
            "url": settings.SITE_URL.rstrip("/")
            + reverse("newsletters:digest", args=[digest.clp.slug, digest.pk]),
        }
        for tulo in tulos:
            queue_email("digest_stopped", to=tulo, clp=digest.clp_id, context=context)
    logger.warning("digest %s stopped: %s", digest_id, reason)
    return True


def pause(digest_id: int, reason: str) -> None:
    """Say on the TULO's page that sending waits for the email service."""
    Digest.objects.filter(pk=digest_id, status=DigestStatus.SENDING).update(
        status=DigestStatus.PAUSED
    )
    logger.warning("digest %s paused: %s", digest_id, reason)


def requeue_stuck(now: datetime.datetime, *, after: datetime.timedelta) -> int:
    """Deliveries claimed by a worker that died mid-batch go back in the queue. Only digests not
    yet finished are looked at, each through its (digest, batch) index: the tick runs this every
    minute, over a table that grows by every subscriber every week."""
    return Delivery.objects.filter(
        digest__status__in=[DigestStatus.SENDING, DigestStatus.PAUSED, DigestStatus.STOPPED],
        status=DeliveryStatus.IN_FLIGHT,
        claimed_at__lt=now - after,
    ).update(status=DeliveryStatus.QUEUED)

"""The weekly email for 100,000 subscribers across 600 CLPs, each CLP with real news (two local
disputes, a followed national one, ten strike days in the coming week, a picket line on two of
them with each reader's own "I'll go" links, an open ballot, a hardship fund), sent as
production sends it: the tick enqueues one task per CLP on Redis and a real Celery worker with
two pool processes (one per core) takes them, through anymail's Mailgun backend and then its
Resend backend, over HTTP to the fake email service (tests/newsletters/fake_esp.py, in a
process of its own).

Each path is measured against its floor in the same run: the same calls (rebuilt from the
stored digests and deliveries, as a retry would build them) made in advance, then posted to the
same fake service from as many processes as the worker has. The floor is what the machine
allows for the service and the HTTP alone; the send does everything else besides.

Targets, for each path: recipients a second at least half the floor; at most one broker message
per batch plus one per CLP; peak memory of each worker process under 300 MB.
"""

import datetime
import os
import subprocess
import sys
import time
from pathlib import Path

from common import ROOT, setup_django

setup_django()

import json
import statistics
import urllib.request

import requests
from celery.signals import before_task_publish
from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone

from clps.models import CLP, PostcodeDistrict
from newsletters.models import (
    Delivery,
    DeliveryStatus,
    Digest,
    DigestStatus,
    Subscriber,
    SubscriberStatus,
    WeeklySchedule,
    email_hash,
)
from newsletters.weekly import sending
from newsletters.weekly.render import Claimed, PersonalLinks, Recipient, batch_message_for
from pickets.models import PicketLine
from strikes.models import (
    ActionDay,
    Ballot,
    Dispute,
    DisputeStatus,
    Employer,
    FollowedDispute,
    Union,
    Workplace,
)
from tuliaison.celery import app
from tuliaison.tasks import due_jobs

CLPS = 600
SUBSCRIBERS = 100_000
WORKER_PROCESSES = int(os.environ.get("BENCH_WORKERS", "2"))  # one per core of the 2-core machine
PATHS = os.environ.get("BENCH_PATHS", "mailgun,resend").split(",")
FLOOR_CLPS = 200  # the floor posts these CLPs' calls (a third of the send) ...
FLOOR_ROUNDS = 3  # ... this many times after each send ...
SEND_ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))  # ... of this many; medians of each


def populate() -> None:
    today = timezone.localdate()
    with transaction.atomic():
        clps = CLP.objects.bulk_create(
            [CLP(name=f"Bench CLP {i}", slug=f"bench-{i}") for i in range(CLPS)]
        )
        WeeklySchedule.objects.bulk_create(
            [
                WeeklySchedule(
                    clp=clp, weekday=today.weekday(), send_time=datetime.time(0), skip_empty=False
                )
                for clp in clps
            ]
        )
        populate_records(clps, today)
    now = timezone.now()
    for start in range(0, SUBSCRIBERS, 10_000):
        with transaction.atomic():
            Subscriber.objects.bulk_create(
                [
                    Subscriber(
                        clp=clps[n % CLPS],
                        email=f"member{n}@example.org",
                        email_hash=email_hash(f"member{n}@example.org"),
                        status=SubscriberStatus.ACTIVE,
                        consent_at=now,
                    )
                    for n in range(start, min(start + 10_000, SUBSCRIBERS))
                ],
                batch_size=5000,
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def populate_records(clps: list[CLP], today: datetime.date) -> None:
    """Each CLP's news for the coming week: a national dispute all follow (four strike days and
    a hardship fund), and two local ones of its own (three strike days each, a picket line on
    two days of the first, an open ballot in the second)."""
    day = [today + datetime.timedelta(days=n) for n in range(8)]
    unions = Union.objects.bulk_create(
        [
            Union(name="Communication Workers Union", short_name="CWU"),
            Union(name="UNISON", short_name="UNISON"),
            Union(name="National Education Union", short_name="NEU"),
        ]
    )
    national_employer = Employer.objects.create(name="Royal Mail Group")
    national = Dispute.objects.create(
        title="Royal Mail: pay and the universal service",
        employer=national_employer,
        status=DisputeStatus.TAKING_ACTION,
        is_national=True,
        demands="A pay rise that matches inflation; no cut to Saturday deliveries.",
        hardship_fund_name="CWU hardship fund",
        hardship_fund_url="https://www.cwu.org/hardship-fund/",
    )
    national.unions.add(unions[0])
    ActionDay.objects.bulk_create([ActionDay(dispute=national, date=day[n]) for n in (1, 2, 4, 5)])
    FollowedDispute.objects.bulk_create(
        [FollowedDispute(clp=clp, dispute=national) for clp in clps]
    )
    PostcodeDistrict.objects.bulk_create(
        [PostcodeDistrict(clp=clp, district=f"Z{i}") for i, clp in enumerate(clps)]
    )
    employers = Employer.objects.bulk_create(
        [Employer(name=f"Bench employer {i}{side}") for i in range(CLPS) for side in "ab"]
    )
    workplaces = Workplace.objects.bulk_create(
        [
            Workplace(
                employer=employer,
                name=f"{employer.name} depot",
                address="1 High Street",
                postcode=f"Z{i // 2} 1AA",
                postcode_district=f"Z{i // 2}",
            )
            for i, employer in enumerate(employers)
        ]
    )
    disputes = Dispute.objects.bulk_create(
        [
            Dispute(
                title=f"{employer.name}: {'pay' if i % 2 == 0 else 'outsourcing of cleaners'}",
                employer=employer,
                status=DisputeStatus.TAKING_ACTION,
                demands="Restore the pay cut; bring the cleaners back in house.",
            )
            for i, employer in enumerate(employers)
        ]
    )
    Dispute.unions.through.objects.bulk_create(
        [
            Dispute.unions.through(dispute_id=d.pk, union_id=unions[1 + i % 2].pk)
            for i, d in enumerate(disputes)
        ]
    )
    Dispute.workplaces.through.objects.bulk_create(
        [
            Dispute.workplaces.through(dispute_id=d.pk, workplace_id=w.pk)
            for d, w in zip(disputes, workplaces, strict=True)
        ]
    )
    days = ActionDay.objects.bulk_create(
        [
            ActionDay(dispute=d, date=day[n], start_time=datetime.time(7))
            for i, d in enumerate(disputes)
            for n in ((1, 2, 3) if i % 2 == 0 else (3, 5, 6))
        ]
    )
    Ballot.objects.bulk_create(
        [
            Ballot(
                dispute=d,
                union=unions[2],
                opens_on=today - datetime.timedelta(days=10),
                closes_on=today + datetime.timedelta(days=5),
                entitled_to_vote=240,
            )
            for d in disputes[1::2]
        ]
    )
    lines = PicketLine.objects.bulk_create(
        [
            PicketLine(
                clp=clp,
                dispute=disputes[2 * i],
                workplace=workplaces[2 * i],
                place="Outside the depot gates",
                postcode=f"Z{i} 1AA",
                start_time=datetime.time(6, 30),
                end_time=datetime.time(9, 30),
                is_local=True,
                note="Ask for Sam, the branch secretary. Bring a flask.",
            )
            for i, clp in enumerate(clps)
        ]
    )
    PicketLine.action_days.through.objects.bulk_create(
        [
            PicketLine.action_days.through(picketline_id=line.pk, actionday_id=days[6 * i + n].pk)
            for i, line in enumerate(lines)
            for n in (0, 1)
        ]
    )


def esp_stats(url: str) -> dict:
    with urllib.request.urlopen(url.split("/v3/")[0].rstrip("/") + "/stats") as response:  # noqa: S310
        return json.loads(response.read())


def start_esp() -> tuple[subprocess.Popen, str]:
    esp = subprocess.Popen(
        [sys.executable, "-m", "tests.newsletters.fake_esp"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    return esp, esp.stdout.readline().strip().removesuffix("v3/")


def api_url(api: str, base: str) -> str:
    return base if api == "resend" else base + "v3/"


def use_api(api: str, base: str) -> None:
    """This process's mail settings, as the worker's (tuliaison/settings/test.py)."""
    if api == "resend":
        settings.MAILERS = {"default": {"BACKEND": "anymail.backends.resend.EmailBackend"}}
        settings.ANYMAIL = {"RESEND_API_KEY": "fake-esp-key", "RESEND_API_URL": base}
    else:
        settings.MAILERS = {"default": {"BACKEND": "anymail.backends.mailgun.EmailBackend"}}
        settings.ANYMAIL = {"MAILGUN_API_KEY": "fake-esp-key", "MAILGUN_API_URL": base + "v3/"}


def start_worker(api: str, base: str) -> subprocess.Popen:
    worker = subprocess.Popen(
        [
            sys.executable,
            *("-m", "celery", "-A", "tuliaison", "worker", "--pool=prefork"),
            f"--concurrency={WORKER_PROCESSES}",
            *("--loglevel=WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat"),
        ],
        cwd=ROOT,
        env=dict(os.environ, FAKE_ESP_API=api, FAKE_ESP_URL=api_url(api, base)),
        stdout=subprocess.DEVNULL,  # the start-up banner; warnings still go to stderr
    )
    deadline = time.monotonic() + 60
    while len(app.control.ping(timeout=0.5)) < 1:
        if worker.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the Celery worker did not start")
    return worker


def peak_mb(pid: int) -> list[float]:
    """VmHWM (peak resident memory) of a process and its children, in MB."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    peaks = []
    for each in [pid, *map(int, children)]:
        for line in Path(f"/proc/{each}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return peaks


def send(api: str, base: str) -> dict:
    """From the tick to the last recipient handed over: the tick makes the week's 600 digests
    and enqueues a send_digests for each twenty (counted as published, with any send_digest a
    failure hands a digest to); the worker's processes take them as they come."""
    Digest.objects.all().delete()
    app.control.purge()
    before = esp_stats(base)  # the service's counts so far: earlier sends' and floors'
    worker = start_worker(api, base)
    try:
        published: list[str] = []

        def count(sender=None, **kwargs) -> None:
            published.append(sender)

        before_task_publish.connect(count, weak=False)
        start = time.perf_counter()
        enqueued = due_jobs(timezone.now())
        deadline = time.monotonic() + 600
        while Digest.objects.filter(status=DigestStatus.SENT).count() < CLPS:
            if time.monotonic() > deadline:
                raise RuntimeError("the digests were not all sent within 10 minutes")
            time.sleep(0.05)
        seconds = time.perf_counter() - start
        before_task_publish.disconnect(count)
        peaks = peak_mb(worker.pid)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert enqueued["weekly_digests"] == CLPS, enqueued
    sent = Delivery.objects.filter(status=DeliveryStatus.SENT).count()
    digest = Digest.objects.order_by("pk").first()
    return {
        "sent": sent,
        "seconds": seconds,
        "rate": sent / seconds,
        "broker_messages": published.count("newsletters.send_digests")
        + published.count("newsletters.send_digest"),
        "peaks": peaks,
        "digest_bytes": len(digest.text.encode()) + len(digest.html.encode()),
        "stats": {key: n - before[key] for key, n in esp_stats(base).items()},
    }


def prebuilt_calls(api: str, base: str) -> list[tuple[str, dict, bytes, int]]:
    """The calls the send made for FLOOR_CLPS CLPs, built again from the stored digests and
    deliveries as a retry builds them: (url, headers, body, recipients). Resend's idempotency
    keys are marked so the service does not take them for the send's repeats."""
    use_api(api, base)
    backend = sending.mail_connection()
    calls = []
    digests = Digest.objects.select_related("clp").order_by("pk")[:FLOOR_CLPS]
    for digest in digests:
        personal = PersonalLinks(digest.clp, digest)
        rows = (
            Delivery.objects.filter(digest=digest)
            .order_by("batch", "pk")
            .values_list("pk", "batch", "subscriber_id", "subscriber__email", "subscriber__token")
        )
        batches: dict[int, list[Claimed]] = {}
        for pk, batch, subscriber_id, email, token in rows:
            claimed = Claimed(pk, Recipient(subscriber_id, email, token), batch)
            batches.setdefault(batch, []).append(claimed)
        for batch in batches.values():
            message = batch_message_for(digest, batch, personal, esp=api)
            payload = backend.build_message_payload(message, backend.send_defaults)
            params = payload.get_request_params(backend.api_url)
            prepared = requests.Request(
                method=params["method"],
                url=params["url"],
                params=params.get("params"),
                data=params.get("data"),
                headers=params.get("headers"),
                files=params.get("files"),
                auth=params.get("auth"),
            ).prepare()
            body = prepared.body if isinstance(prepared.body, bytes) else prepared.body.encode()
            calls.append((prepared.url, dict(prepared.headers), body, len(batch)))
    return calls


def post_calls(calls: list, round_: int) -> None:
    """Post the calls over one kept-alive connection."""
    session = requests.Session()
    for url, headers, body, _ in calls:
        if "Idempotency-Key" in headers:
            headers = {**headers, "Idempotency-Key": f"floor/{round_}/{headers['Idempotency-Key']}"}
        response = session.post(url, data=body, headers=headers, timeout=30)
        response.raise_for_status()


def floor_round(calls: list, round_: int) -> float:
    """Recipients a second for the prebuilt calls posted from WORKER_PROCESSES processes (forked,
    each with its share), from the first fork to the last exit. `round_` is unique in the run,
    so Resend's idempotency keys never repeat."""
    recipients = sum(n for *_, n in calls)
    connections.close_all()
    start = time.perf_counter()
    children = []
    for i in range(WORKER_PROCESSES):
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                post_calls(calls[i::WORKER_PROCESSES], round_)
                code = 0
            finally:
                os._exit(code)
        children.append(pid)
    for pid in children:
        _, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError("a floor process failed")
    return recipients / (time.perf_counter() - start)


def measure(api: str) -> dict:
    """SEND_ROUNDS sends, each followed by FLOOR_ROUNDS rounds of the floor, so the two are
    measured under the same conditions on a machine whose load moves (the first floor round
    needs the first send's stored digests). The figures are the medians of each."""
    esp, base = start_esp()
    try:
        sends, floors, calls = [], [], None
        for _ in range(SEND_ROUNDS):
            sends.append(send(api, base))
            if calls is None:
                calls = prebuilt_calls(api, base)
            for _ in range(FLOOR_ROUNDS):
                floors.append(floor_round(calls, len(floors)))
    finally:
        esp.terminate()
        esp.wait(timeout=10)
    result = dict(sends[-1])
    result["sends"] = sends
    result["rate"] = statistics.median(r["rate"] for r in sends)
    result["peaks"] = [max(mb) for mb in zip(*(r["peaks"] for r in sends), strict=False)]
    result["floors"] = floors
    result["floor"] = statistics.median(floors)
    result["floor_calls"] = len(calls)
    result["floor_recipients"] = sum(n for *_, n in calls)
    result["ratio"] = result["rate"] / result["floor"]
    return result


def main() -> None:
    populate()
    results = {api: measure(api) for api in PATHS}
    print(
        f"CLPs: {CLPS}; subscribers: {Subscriber.objects.count():,}; worker processes: "
        f"{WORKER_PROCESSES}; each digest {results[PATHS[0]]['digest_bytes']:,} bytes (text "
        "and HTML) with 2 strike entries, a picket line with 2 days of personal links, a ballot, "
        "a hardship fund"
    )
    ok = True
    for api, r in results.items():
        size = sending.batch_size(api)
        calls = r["stats"]["calls"]
        allowed = (calls + CLPS) / CLPS
        per_digest = r["broker_messages"] / CLPS
        peak = max(r["peaks"])
        stats = r["stats"]
        print(
            f"\n{api}: batch size {size}; API calls: {calls:,}; recipients the fake ESP sent:"
            f" {stats['delivered']:,} (repeats dropped: {stats['dropped']})"
        )
        print(f"{'measure':44} {'result':>14}  target")
        print(f"{'send, recipients per second (median)':44} {r['rate']:>14,.0f}")
        each = ", ".join(f"{s['rate']:,.0f} ({s['seconds']:.1f} s)" for s in r["sends"])
        print(f"  each send of {r['sent']:,}: {each}")
        print(
            f"{'floor: prebuilt calls posted, r/s (median)':44} {r['floor']:>14,.0f}"
            f"  ({r['floor_calls']} calls, {r['floor_recipients']:,} recipients,"
            f" {WORKER_PROCESSES} processes)"
        )
        print(
            f"  {FLOOR_ROUNDS} rounds after each send: "
            + ", ".join(f"{f:,.0f}" for f in r["floors"])
        )
        print(f"{'send / floor':44} {r['ratio']:>14.2f}  >= 0.50")
        print(f"{'broker messages per digest':44} {per_digest:>14.2f}  <= {allowed:.2f}")
        print(f"{'peak memory, largest worker process':44} {peak:>11.0f} MB  < 300 MB")
        print(f"{'  (each: ' + ', '.join(f'{mb:.0f}' for mb in r['peaks']) + ' MB)':44}")
        met = (
            r["ratio"] >= 0.5
            and per_digest <= allowed
            and peak < 300
            and r["sent"] == SUBSCRIBERS == r["stats"]["delivered"] == r["stats"]["accepted"]
        )
        print(f"{api}: {'every target met' if met else 'below target'}")
        ok = ok and met
    print("PASS" if ok else "BELOW TARGET")


if __name__ == "__main__":
    main()

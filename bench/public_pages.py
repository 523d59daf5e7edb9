"""The public pages under the rush after the weekly email: gunicorn with the production settings
(three sync workers, as the Dockerfile runs it) on PostgreSQL and Redis, loaded by wrk from a
process of its own over loopback, every page measured side by side with a static file of about
the same size that whitenoise serves (the ceiling of this server on this machine). The
deployment is at the large size: 600 CLPs, 100,000 disputes, 200,000 strike days.

Targets: each page serves at least half the static file's requests per second in the same run;
a page just put out of date by a change to a record it shows renders in under 100 ms (median,
one request at a time), and shows the change at that first request.
"""

import datetime
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from common import ROOT, Server, fetch, setup_django

setup_django()

import http.client

from django.db import connection, transaction
from django.utils import timezone

from clps.models import CLP, PostcodeDistrict
from newsletters.models import Digest, DigestStatus
from pickets.models import PicketLine, PicketSignup
from strikes.models import (
    ActionDay,
    Dispute,
    DisputeStatus,
    Employer,
    FollowedDispute,
    Union,
    Workplace,
)

CLPS = 600
DISPUTES = 100_000
NATIONAL = 5
WORKERS = 3  # the Dockerfile's gunicorn --workers
WRK = ["wrk", "--threads=2", "--connections=16", "--latency"]
SECONDS = int(os.environ.get("BENCH_SECONDS", "3"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
COLD_TRIES = 15
RATIO_TARGET = 0.5
COLD_TARGET_MS = 100.0

rng = random.Random(2026)
TODAY = timezone.localdate()


def _day(days_ahead: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=days_ahead)


@transaction.atomic
def populate() -> dict:
    """600 CLPs, each with a postcode district; 100,000 disputes, each at a workplace in one
    of them with two strike days in the coming year; five national disputes every CLP follows,
    out weekly; and for each CLP two picket lines, sign-ups and its sent weekly emails. Made
    with bulk_create: signals and history are for people's edits, not for this."""
    clps = CLP.objects.bulk_create(
        [CLP(name=f"Bench CLP {i}", slug=f"bench-{i}") for i in range(CLPS)]
    )
    PostcodeDistrict.objects.bulk_create(
        [PostcodeDistrict(clp=clp, district=f"E{i}") for i, clp in enumerate(clps)]
    )
    unions = Union.objects.bulk_create(
        [Union(name=f"Union number {i}", short_name=f"U{i}") for i in range(30)]
    )
    employers = Employer.objects.bulk_create([Employer(name=f"Employer {i}") for i in range(800)])
    disputes: list[Dispute] = []
    for start in range(0, DISPUTES, 5000):
        n = min(5000, DISPUTES - start)
        places = Workplace.objects.bulk_create(
            [
                Workplace(
                    employer=employers[(start + i) % len(employers)],
                    name=f"Workplace {start + i}",
                    address=f"{i} High Street, London",
                    postcode=f"E{(start + i) % CLPS} 1AA",
                    postcode_district=f"E{(start + i) % CLPS}",
                    latitude=51.5 + rng.random() / 10,
                    longitude=-0.1 + rng.random() / 10,
                )
                for i in range(n)
            ]
        )
        batch = Dispute.objects.bulk_create(
            [
                Dispute(
                    title=f"Dispute {start + i}: pay and jobs",
                    employer=places[i].employer,
                    status=DisputeStatus.TAKING_ACTION,
                    issues=["pay"],
                    demands="A pay rise that matches inflation.",
                )
                for i in range(n)
            ]
        )
        Dispute.unions.through.objects.bulk_create(
            [Dispute.unions.through(dispute_id=d.pk, union_id=rng.choice(unions).pk) for d in batch]
        )
        Dispute.workplaces.through.objects.bulk_create(
            [
                Dispute.workplaces.through(dispute_id=d.pk, workplace_id=p.pk)
                for d, p in zip(batch, places, strict=True)
            ]
        )
        ActionDay.objects.bulk_create(
            [
                ActionDay(
                    dispute=d,
                    date=_day(rng.randrange(1, 365)),
                    start_time=datetime.time(7),
                    end_time=datetime.time(10),
                )
                for d in batch
                for _ in range(2)
            ],
            ignore_conflicts=True,
        )
        disputes += batch
    national = Dispute.objects.bulk_create(
        [
            Dispute(
                title=f"National strike {i}",
                employer=employers[i],
                status=DisputeStatus.TAKING_ACTION,
                is_national=True,
            )
            for i in range(NATIONAL)
        ]
    )
    Dispute.unions.through.objects.bulk_create(
        [Dispute.unions.through(dispute_id=d.pk, union_id=unions[0].pk) for d in national]
    )
    ActionDay.objects.bulk_create(
        [
            ActionDay(dispute=d, date=_day(7 * k + 1 + i))
            for i, d in enumerate(national)
            for k in range(9)
        ]
    )
    FollowedDispute.objects.bulk_create(
        [FollowedDispute(clp=clp, dispute=d) for clp in clps for d in national]
    )
    # Each CLP's picket lines: on its first two local disputes' days.
    lines = []
    for i, clp in enumerate(clps):
        for dispute in disputes[i : i + 2 * CLPS : CLPS]:
            lines.append(
                PicketLine(
                    clp=clp,
                    dispute=dispute,
                    place="The main gate",
                    postcode=f"E{i} 1AA",
                    start_time=datetime.time(7),
                    end_time=datetime.time(10),
                )
            )
    lines = PicketLine.objects.bulk_create(lines)
    # Picket lines are called for strike days soon: one in the next fortnight for each.
    ActionDay.objects.bulk_create(
        [
            ActionDay(dispute_id=line.dispute_id, date=_day(2 + n % 12))
            for n, line in enumerate(lines)
        ],
        ignore_conflicts=True,
    )
    days_of: dict[int, list[ActionDay]] = {}
    for day in ActionDay.objects.filter(dispute_id__in=[line.dispute_id for line in lines]):
        days_of.setdefault(day.dispute_id, []).append(day)
    PicketLine.action_days.through.objects.bulk_create(
        [
            PicketLine.action_days.through(picketline_id=line.pk, actionday_id=day.pk)
            for line in lines
            for day in days_of[line.dispute_id]
        ]
    )
    now = timezone.now()
    PicketSignup.objects.bulk_create(
        [
            PicketSignup(
                picket_line=line,
                action_day=day,
                source="public",
                name=f"Visitor {n}",
                email=f"visitor{line.pk}-{day.pk}-{n}@example.net",
                confirmed_at=now,
            )
            for line in lines
            for day in days_of[line.dispute_id]
            for n in range(3)
        ]
    )
    web_html = (
        "<html><body>" + "<p>Picket lines and strike days this week.</p>" * 150 + "</body></html>"
    )
    monday = TODAY - datetime.timedelta(days=TODAY.weekday())
    Digest.objects.bulk_create(
        [
            Digest(
                clp=clp,
                week_start=monday - datetime.timedelta(weeks=w + 1),
                status=DigestStatus.SENT,
                subject=f"Strikes and picket lines, week {w}",
                web_html=web_html,
                send_started_at=now - datetime.timedelta(weeks=w + 1),
                finished_at=now - datetime.timedelta(weeks=w + 1),
            )
            for clp in clps
            for w in range(20)
        ]
    )
    clp = clps[CLPS // 2]
    line = PicketLine.objects.filter(clp=clp).order_by("pk").first()
    day = line.action_days.order_by("date").first()
    return {
        "clp": clp,
        "dispute": line.dispute,
        "national": national[0],
        "line": line,
        "day": day,
        "digest": Digest.objects.filter(clp=clp).order_by("-week_start").first(),
        "workplace": line.dispute.workplaces.get(),
    }


def page_paths(w: dict) -> dict[str, str]:
    slug = w["clp"].slug
    return {
        "calendar": f"/c/{slug}/calendar/",
        "map": f"/c/{slug}/calendar/map/",
        "calendar.ics": f"/c/{slug}/calendar.ics",
        "dispute page": f"/disputes/{w['dispute'].pk}/",
        "national dispute page": f"/disputes/{w['national'].pk}/",
        "dispute .ics": f"/disputes/{w['dispute'].pk}/calendar.ics",
        "picket line page": f"/c/{slug}/pickets/{w['line'].pk}/",
        "picket line, a day chosen": f"/c/{slug}/pickets/{w['line'].pk}/?day={w['day'].pk}",
        "picket day .ics": f"/c/{slug}/pickets/{w['line'].pk}/days/{w['day'].pk}.ics",
        "weekly email archive": f"/c/{slug}/emails/",
        "weekly email feed": f"/c/{slug}/emails/feed.atom",
        "weekly email web version": f"/c/{slug}/emails/{w['digest'].week_start.isoformat()}/",
        "subscribe": f"/c/{slug}/subscribe/",
    }


# A change to a record each page shows, saved as the TULO's edit saves it; the text the page
# must show at the next request.


def edit(model, pk: int, **values) -> str:
    record = model.objects.get(pk=pk)
    for field, value in values.items():
        setattr(record, field, value)
    record.save()
    return next(iter(values.values()))


CHANGES = {
    "calendar": lambda w, n: edit(Dispute, w["dispute"].pk, title=f"Depot dispute edit {n}"),
    "map": lambda w, n: edit(Workplace, w["workplace"].pk, name=f"The depot edit {n}"),
    "calendar.ics": lambda w, n: edit(Dispute, w["dispute"].pk, title=f"Depot edit {n}"),
    "dispute page": lambda w, n: edit(Dispute, w["dispute"].pk, title=f"Depot dispute {n}"),
    "national dispute page": lambda w, n: edit(
        Dispute, w["national"].pk, title=f"National strike edit {n}"
    ),
    "dispute .ics": lambda w, n: edit(Dispute, w["dispute"].pk, title=f"The depot {n}"),
    "picket line page": lambda w, n: edit(PicketLine, w["line"].pk, place=f"Gate {n}"),
    "picket line, a day chosen": lambda w, n: edit(PicketLine, w["line"].pk, place=f"Door {n}"),
    "picket day .ics": lambda w, n: edit(PicketLine, w["line"].pk, place=f"Yard {n}"),
    "weekly email archive": lambda w, n: edit(
        Digest, w["digest"].pk, subject=f"Strikes this week {n}"
    ),
    "weekly email feed": lambda w, n: edit(Digest, w["digest"].pk, subject=f"This week {n}"),
    "weekly email web version": lambda w, n: edit(
        Digest, w["digest"].pk, web_html=f"<html><body><p>Edit {n}</p></body></html>"
    ),
    "subscribe": lambda w, n: edit(CLP, w["clp"].pk, name=f"Bench CLP edit {n}"),
}


def production_env(var_dir: str) -> dict:
    return dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="tuliaison.settings.production",
        SECRET_KEY="bench-only-" + "x" * 40,
        VAR_DIR=var_dir,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        SECURE_HSTS_SECONDS="0",
        TRUSTED_PROXY_COUNT="0",
        LOG_LEVEL="WARNING",
    )


def wrk(port: int, path: str) -> tuple[float, float]:
    """Requests a second and median latency (ms) of `path` under wrk's load."""
    out = subprocess.run(
        [*WRK, f"--duration={SECONDS}s", f"http://127.0.0.1:{port}{path}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    value, unit = re.search(r"50%\s+([\d.]+)(us|ms|s)", out).groups()
    median = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    if re.search(r"Non-2xx or 3xx responses", out):
        raise RuntimeError(f"{path} answered errors under load:\n{out}")
    return rate, median


def cold(port: int, name: str, path: str, w: dict) -> tuple[float, bool]:
    """Median ms of the first request after a change to a record the page shows, and whether
    every such request showed the change."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    times, seen = [], True
    for n in range(COLD_TRIES):
        expected = CHANGES[name](w, n)
        start = time.perf_counter()
        status, body, _ = fetch(conn, path, {})
        times.append((time.perf_counter() - start) * 1000)
        # iCalendar folds long lines: unfold before looking.
        seen &= status == 200 and expected.encode() in body.replace(b"\r\n ", b"")
    conn.close()
    return statistics.median(times), seen


def static_file_near(var_dir: str, size: int) -> tuple[str, int]:
    """The collected static file (by its hashed name, as pages link it) nearest `size` bytes."""
    root = Path(var_dir) / "static"
    manifest = json.loads((root / "staticfiles.json").read_text())["paths"]
    sizes = {
        hashed: (root / hashed).stat().st_size
        for hashed in manifest.values()
        if not hashed.endswith((".gz", ".br"))
    }
    best = min(sizes, key=lambda name: abs(sizes[name] - size))
    return f"/static/{best}", sizes[best]


def main() -> None:
    started = time.monotonic()
    w = populate()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"CLPs: {CLP.objects.count():,}; disputes: {Dispute.objects.count():,}; "
        f"strike days: {ActionDay.objects.count():,}; picket lines: {PicketLine.objects.count():,}"
        f" (made in {time.monotonic() - started:.0f} s)"
    )
    var_dir = tempfile.mkdtemp(prefix="tuliaison-bench-")
    env = production_env(var_dir)
    subprocess.run(
        [str(ROOT / ".venv/bin/python"), "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    # Three sync workers, as the Dockerfile runs gunicorn, with its access log.
    server = Server(workers=WORKERS, env=env, access_log=True)
    try:
        paths = page_paths(w)
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        sizes = {}
        for name, path in paths.items():
            for _ in range(3):  # rendered, then kept
                status, body, headers = fetch(conn, path, {})
                if status != 200:
                    raise RuntimeError(f"{path} answered {status}: {body[:300]!r}")
            sizes[name] = len(body)
        conn.close()
        # Each page beside the static file nearest its own size: a file of 200 kB costs more to
        # send than one of 7 kB, whoever sends it.
        statics = {name: static_file_near(var_dir, size) for name, size in sizes.items()}

        # Load: each page right after the static file, in turn, for a few rounds; a page's
        # ratio is its best against the best of the file's runs beside it, so that load from
        # elsewhere on the machine weighs on both alike.
        rates: dict[str, list[float]] = {name: [] for name in paths}
        ceilings: dict[str, list[float]] = {name: [] for name in paths}
        latencies: dict[str, list[float]] = {name: [] for name in paths}
        for _ in range(ROUNDS):
            for name, path in paths.items():
                ceilings[name].append(wrk(server.port, statics[name][0])[0])
                rate, median = wrk(server.port, path)
                rates[name].append(rate)
                latencies[name].append(median)

        colds = {name: cold(server.port, name, path, w) for name, path in paths.items()}
    finally:
        server.stop()
        shutil.rmtree(var_dir, ignore_errors=True)

    print(
        f"gunicorn, {WORKERS} sync workers, production settings; wrk {' '.join(WRK[1:])} "
        f"--duration={SECONDS}s, each page beside the static file, best of {ROUNDS} rounds"
    )
    header = (
        f"{'page':26} {'bytes':>8} {'file bytes':>10} {'file r/s':>9} {'r/s':>7} {'ratio':>6} "
        f"{'median':>8} {'cold':>8}  change seen"
    )
    print(header)
    ok = True
    for name in paths:
        rate, static_rate = max(rates[name]), max(ceilings[name])
        ratio = rate / static_rate
        cold_ms, seen = colds[name]
        ok &= ratio >= RATIO_TARGET and cold_ms < COLD_TARGET_MS and seen
        print(
            f"{name:26} {sizes[name]:>8,} {statics[name][1]:>10,} {static_rate:>9,.0f} "
            f"{rate:>7,.0f} {ratio:>6.2f} "
            f"{min(latencies[name]):>6.1f}ms {cold_ms:>6.1f}ms  {'yes' if seen else 'NO'}"
        )
    print(
        f"targets: ratio >= {RATIO_TARGET} of the static file; cold < {COLD_TARGET_MS:.0f} ms "
        "median; the change seen at the first request"
    )
    print("PASS" if ok else "BELOW TARGET")


if __name__ == "__main__":
    main()

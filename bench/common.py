"""Shared pieces of the benchmarks: Django set-up, a gunicorn server on a free port, and a timed
request loop. Each benchmark prints ratios measured side by side in one run."""

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tuliaison.settings.test")


def setup_django() -> None:
    import django

    django.setup()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn with one sync worker (or `workers`), on the bench's database or the one at
    `database_url`, with the bench's settings or `env`."""

    def __init__(
        self,
        database_url: str | None = None,
        *,
        workers: int = 1,
        env: dict | None = None,
        access_log: bool = False,
    ) -> None:
        self.port = free_port()
        env = dict(env or os.environ)
        if database_url:
            env["DATABASE_URL"] = database_url
        self.process = subprocess.Popen(
            [
                str(ROOT / ".venv/bin/gunicorn"),
                "tuliaison.wsgi:application",
                f"--workers={workers}",
                f"--bind=127.0.0.1:{self.port}",
                "--log-level=warning",
                *(["--access-logfile=-"] if access_log else []),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL if access_log else None,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def fetch(conn: http.client.HTTPConnection, path: str, headers: dict) -> tuple[int, bytes, dict]:
    conn.request("GET", path, headers={"Host": "127.0.0.1", **headers})
    response = conn.getresponse()
    body = response.read()
    return response.status, body, dict(response.getheaders())


def requests_per_second(
    port: int,
    path: str,
    headers: dict | None = None,
    seconds: float = 2.0,
    rounds: int = 6,
    expect: int = 200,
) -> float:
    """Sequential keep-alive requests after a warm-up: the best of `rounds` rounds of `seconds`,
    so that a moment of load from elsewhere on the machine does not decide a ratio."""
    headers = headers or {}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for _ in range(20):
        status, body, _ = fetch(conn, path, headers)
        if status != expect:
            raise RuntimeError(f"{path} answered {status}, expected {expect}: {body[:300]!r}")
    best = 0.0
    for _ in range(rounds):
        count, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            fetch(conn, path, headers)
            count += 1
        best = max(best, count / (time.perf_counter() - start))
    conn.close()
    return best


def session_cookie(user) -> str:
    """A signed-in session for the user, who gets an authenticator app first: TULO and
    executive pages ask for one."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.test import Client

    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, generate_totp_secret())
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


def copy_database(name: str) -> str:
    """A copy of the bench's database as it stands, named `name`; returns its URL. Nothing may
    be connected to the bench's database while it is copied."""
    import psycopg2
    from django.db import connections

    url = os.environ["DATABASE_URL"]
    server, source = url.rsplit("/", 1)
    connections.close_all()
    admin = psycopg2.connect(server + "/postgres")
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    finally:
        admin.close()
    return f"{server}/{name}"


def paired_requests_per_second(
    ports: tuple[int, int],
    path: str,
    headers: dict | None = None,
    seconds: float = 2.0,
    rounds: int = 5,
) -> tuple[float, float]:
    """requests_per_second for the same path on two servers, their rounds taken in turn, so
    that load from elsewhere on the machine falls on both alike: the best round of each."""
    best = [0.0, 0.0]
    for _ in range(rounds):
        for i, port in enumerate(ports):
            best[i] = max(best[i], requests_per_second(port, path, headers, seconds, rounds=1))
    return best[0], best[1]

"""The processes docker-compose.yml starts, started here from the lock file's packages without
Docker: gunicorn with the production settings, a Celery worker and Celery beat, on the suite's
PostgreSQL and Redis, sending through a real SMTP server on loopback. A TULO signs in through
gunicorn and adds a strike day; beat's tick sends the weekly email; the subscriber's copy is read
at the SMTP server and its one-click unsubscribe POSTed through gunicorn."""

import datetime
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clps.models import Role
from newsletters.models import SubscriberStatus, WeeklySchedule
from strikes.models import ActionDay

from ..conftest import enable_totp
from ..factories import (
    PASSWORD,
    DisputeFactory,
    FollowedDisputeFactory,
    MembershipFactory,
    SubscriberFactory,
    UnionFactory,
)
from ..mailbox import SMTPServer, assert_list_headers, assert_well_formed, free_port
from .helpers import save_strike_day, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.worker,
    pytest.mark.stack,
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 120) -> None:
    """Until gunicorn answers; its workers may take a while to start on a busy machine."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10):  # noqa: S310 (a loopback URL)
                return
        except urllib.error.HTTPError:
            return  # it answers
        except (urllib.error.URLError, TimeoutError):
            assert process.poll() is None, "gunicorn exited"
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.3)


@pytest.fixture
def stack(settings, tmp_path):
    """gunicorn, a Celery worker and Celery beat as the compose file runs them, with the
    environment it gives them; yields the site's URL and the SMTP server."""
    db = settings.DATABASES["default"]
    port = free_port()
    site = f"http://127.0.0.1:{port}"
    with SMTPServer() as smtp:
        env = {
            **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
            "DJANGO_SETTINGS_MODULE": "tuliaison.settings.production",
            "SECRET_KEY": "production-stack-test-only-" + "x" * 40,
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "REDIS_URL": settings.REDIS_URL,
            "ALLOWED_HOSTS": "127.0.0.1",
            "CSRF_TRUSTED_ORIGINS": site,
            "SITE_URL": site,
            "HTTP_PROTOCOL": "http",
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_HSTS_SECONDS": "0",
            "TRUSTED_PROXY_COUNT": "0",
            "MAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(smtp.port),
            "VAR_DIR": str(tmp_path),
        }
        # The image's build step.
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
            timeout=300,
        )
        commands = {
            "web": ["-m", "gunicorn", "tuliaison.wsgi:application", "--bind",
                    f"127.0.0.1:{port}", "--workers", "3"],
            "worker": ["-m", "celery", "-A", "tuliaison", "worker", "--loglevel=INFO",
                       "--concurrency=2"],
            "beat": ["-m", "celery", "-A", "tuliaison", "beat", "--loglevel=INFO",
                     f"--schedule={tmp_path / 'celerybeat-schedule'}"],
        }  # fmt: skip
        processes = {
            name: subprocess.Popen(
                [sys.executable, *args],
                cwd=ROOT,
                env=env,
                stdout=(tmp_path / f"{name}.log").open("w"),
                stderr=subprocess.STDOUT,
            )
            for name, args in commands.items()
        }
        try:
            wait_until_up(site + "/", processes["web"])
            yield site, smtp
        finally:
            for process in processes.values():
                process.terminate()
            for process in processes.values():
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
            for name in commands:
                print(f"--- {name}.log\n" + (tmp_path / f"{name}.log").read_text()[-3000:])


def test_the_production_stack_sends_the_weekly_email_and_takes_the_one_click_post(
    stack, phone, clp, settings
):
    site, smtp = stack
    # Hashed as production hashes it: the suite's quick hasher is not among production's.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    tulo = MembershipFactory(clp=clp, role=Role.TULO).user
    tulo.set_password(PASSWORD)
    tulo.save()
    secret = enable_totp(tulo)
    dispute = DisputeFactory(
        title="Homerton hospital porters", unions=[UnionFactory(short_name="UNISON")]
    )
    FollowedDisputeFactory(clp=clp, dispute=dispute)
    sam = SubscriberFactory(clp=clp, email="sam@example.org")
    strike_day = timezone.localdate() + datetime.timedelta(days=2)

    # Through gunicorn, as the TULO on a phone. The code must not turn over while it is typed:
    # the production settings allow no step either side.
    if time.time() % 30 > 24:
        time.sleep(31 - time.time() % 30)
    phone.goto(site + "/accounts/login/")
    sign_in(phone, tulo.email, totp_secret=secret)
    phone.goto(f"{site}/c/{clp.slug}/disputes/{dispute.pk}/days/new/")
    save_strike_day(phone, strike_day)
    days = phone.get_by_role("region", name="Action days")
    expect(days.get_by_text(f"{strike_day:%a} {strike_day.day} {strike_day:%b %Y}")).to_be_visible()
    assert ActionDay.objects.filter(dispute=dispute, date=strike_day).exists()

    # The CLP's email is due now; beat's next tick (every minute) finds it.
    now = timezone.localtime()
    WeeklySchedule.objects.update_or_create(
        clp=clp, defaults={"weekday": now.weekday(), "send_time": datetime.time(0)}
    )
    deadline = time.monotonic() + 150
    while not smtp.received:
        assert time.monotonic() < deadline, "no weekly email reached the SMTP server"
        time.sleep(0.5)

    received = smtp.received[0]
    assert received.envelope_to == ["sam@example.org"] and received.to == ["sam@example.org"]
    assert_well_formed(received, domain="127.0.0.1")
    url = assert_list_headers(received, list_id=f"{clp.slug}.weekly.127.0.0.1")
    assert url == f"{site}/subscriptions/{sam.token}/unsubscribe/"
    for part in (received.text, received.html):
        assert "Homerton hospital porters" in part

    # The mail program's Unsubscribe button: one POST, no cookie, through gunicorn.
    request = urllib.request.Request(url, data=b"List-Unsubscribe=One-Click", method="POST")  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        assert response.status == 200
    sam.refresh_from_db()
    assert sam.status == SubscriberStatus.UNSUBSCRIBED


def test_the_compose_file_is_valid_where_a_docker_client_can_read_it():
    docker = compose_command()
    if docker is None:
        pytest.skip("no docker client with compose on this machine; the stack above stands in")
    done = subprocess.run(
        [*docker, "-f", str(COMPOSE), "config", "--quiet"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "SECRET_KEY": "compose-config-check"},
    )
    assert done.returncode == 0, done.stderr


def compose_command() -> list[str] | None:
    """`docker compose` (the plugin) or `docker-compose`, whichever this machine has."""
    if shutil.which("docker"):
        probe = subprocess.run(
            ["docker", "compose", "version"], capture_output=True, timeout=30, check=False
        )
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None

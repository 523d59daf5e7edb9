"""The fixed cast every access test uses: a CLP with its TULO, executive and member, another CLP
with its own TULO, a signed-in outsider in no CLP, and a site admin."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from clps.models import Role

from .factories import CLPFactory, MembershipFactory, UserFactory


def enable_totp(user) -> str:
    """Give the user an authenticator app, as if they had set one up; returns its secret."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with no cached pages (nor rate-limit counts) from another's data."""
    from django.core.cache import cache

    from clps import public_cache

    cache.clear()
    public_cache.forget_recent()


@pytest.fixture
def clp():
    return CLPFactory(name="Hackney North & Stoke Newington", slug="hackney-north")


@pytest.fixture
def other_clp():
    return CLPFactory(name="Hackney South & Shoreditch", slug="hackney-south")


@pytest.fixture
def tulo(clp):
    user = MembershipFactory(
        clp=clp, role=Role.TULO, user__email="tulo@example.org", user__name="Priya Sharma"
    ).user
    enable_totp(user)
    return user


@pytest.fixture
def tulo_without_mfa(clp):
    return MembershipFactory(clp=clp, role=Role.TULO, user__email="new.tulo@example.org").user


@pytest.fixture
def executive(clp):
    user = MembershipFactory(
        clp=clp, role=Role.EXECUTIVE, user__email="exec@example.org", user__name="Jo Okafor"
    ).user
    enable_totp(user)
    return user


@pytest.fixture
def member(clp):
    return MembershipFactory(
        clp=clp, role=Role.MEMBER, user__email="member@example.org", user__name="Sam Whitfield"
    ).user


@pytest.fixture
def other_tulo(other_clp):
    user = MembershipFactory(clp=other_clp, role=Role.TULO, user__email="tulo@other.example").user
    enable_totp(user)
    return user


@pytest.fixture
def outsider(db):
    return UserFactory(email="outsider@example.org")


@pytest.fixture
def site_admin(db):
    user = UserFactory(email="admin@example.org", is_staff=True, is_superuser=True)
    enable_totp(user)
    return user


@pytest.fixture
def eager():
    """Run enqueued tasks in the test's own process, as a worker would run them: with
    django_capture_on_commit_callbacks(execute=True), the outbox's email goes at commit."""
    from tuliaison.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def celery_worker_process(transactional_db, settings):
    """A real `celery worker` process on the test Redis and the test database."""
    import os
    import subprocess
    import sys
    import time
    from pathlib import Path

    from tuliaison.celery import app

    db = settings.DATABASES["default"]
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="tuliaison.settings.test",
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    )
    root = Path(__file__).resolve().parents[1]
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "tuliaison",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=root,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(timeout=0.5):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("The Celery worker did not start.")
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback that the app sends through with Django's SMTP backend,
    as production does; the site is at https://tuliaison.example.org."""
    from .mailbox import SMTPServer

    with SMTPServer() as server:
        settings.SITE_URL = "https://tuliaison.example.org"
        settings.MAILERS = {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": server.port, "timeout": 10},
            }
        }
        yield server

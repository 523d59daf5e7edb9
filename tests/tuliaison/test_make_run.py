"""The path a newcomer runs first: `make run`'s settings, SQLite, the filesystem broker and mail
written to files, with the same commands scripts/run.sh runs, in processes of their own. The rest
of the suite runs on PostgreSQL and Redis and never takes these code paths."""

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from ..mailbox import assert_list_headers, assert_well_formed, free_port, read_mail_dir

pytestmark = pytest.mark.worker

ROOT = Path(__file__).resolve().parents[2]
# What scripts/test.sh sets for the rest of the suite, which `make run` does not have.
NOT_IN_MAKE_RUN = ("DATABASE_URL", "REDIS_URL", "CACHE_URL", "MAIL_FILE_PATH", "FAKE_ESP_URL")

# Make hackney-north's weekly email due now, and put a member down for a picket line tomorrow.
PREPARE = """
import datetime
from django.utils import timezone
from clps.models import CLP, User
from newsletters.models import Digest, WeeklySchedule
from pickets.models import PicketLine
from pickets.services import signup_create
from strikes.models import ActionDay

clp = CLP.objects.get(slug="hackney-north")
now = timezone.localtime()
WeeklySchedule.objects.filter(clp=clp).update(weekday=now.weekday(), send_time=datetime.time(0))
Digest.objects.filter(clp=clp).delete()
line = PicketLine.objects.get(clp=clp, place="The yard gate on the high road")
tomorrow, _ = ActionDay.objects.get_or_create(
    dispute=line.dispute, date=now.date() + datetime.timedelta(days=1), kind="strike"
)
line.action_days.add(tomorrow)
signup_create(
    picket_line=line, action_day_id=tomorrow.pk, user=User.objects.get(email="member@example.org")
)
"""

ENQUEUE = """
from pickets.tasks import send_picket_reminders
from tuliaison.tasks import tick
tick.delay()
send_picket_reminders.delay()  # the tick enqueues these from 18:00 only
"""

COUNTS = """
from django.apps import apps
print(sorted((m._meta.label, m.objects.count()) for m in apps.get_models()))
"""


@pytest.fixture
def local(tmp_path):
    """The environment `make run` gives the app, with var/ in a folder of the test's own and the
    site on a port of its own."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in NOT_IN_MAKE_RUN}
    env.update(
        DJANGO_SETTINGS_MODULE="tuliaison.settings.local",
        VAR_DIR=str(tmp_path / "var"),
        SITE_URL=f"http://127.0.0.1:{port}",
    )
    return env, port, tmp_path / "var"


def manage(env: dict, *args: str) -> str:
    if args[0] == "shell":
        args = (*args, "--verbosity=0")
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def background(env: dict, log: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, *args], cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
    )


def wait_for_mail(folder: Path, want, timeout: float = 90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [r for r in read_mail_dir(folder) if want(r)]
        if found:
            return found
        time.sleep(0.5)
    pytest.fail(f"No such email in {folder} after {timeout} s")


def post_when_up(url: str, data: bytes, timeout: float = 60) -> int:
    """POST once the server answers; its status."""
    deadline = time.monotonic() + timeout
    while True:
        request = urllib.request.Request(url, data=data, method="POST")  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return response.status
        except urllib.error.URLError as exc:
            if not isinstance(exc.reason, ConnectionRefusedError):
                raise
            assert time.monotonic() < deadline, "the web server did not start"
            time.sleep(0.5)


def test_make_run_migrates_seeds_twice_sends_the_weekly_email_and_a_reminder(local):
    env, port, var = local
    manage(env, "migrate", "--noinput")
    assert "Demo data ready" in manage(env, "seed_demo")
    before = manage(env, "shell", "-c", COUNTS)
    assert "Demo data ready" in manage(env, "seed_demo")
    assert manage(env, "shell", "-c", COUNTS) == before  # seeding again adds nothing
    manage(env, "shell", "-c", PREPARE)

    worker = ["-m", "celery", "-A", "tuliaison", "worker", "--pool=solo", "--loglevel=INFO"]
    web = ["manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"]
    processes = [
        background(env, var / "worker.log", *worker),
        background(env, var / "web.log", *web),
    ]
    try:
        manage(env, "shell", "-c", ENQUEUE)
        weekly = wait_for_mail(var / "mail", lambda r: r.has_header("List-Unsubscribe"))
        reminder = wait_for_mail(var / "mail", lambda r: r.message["Subject"][:8] == "Tomorrow")

        copy = weekly[0]
        assert len(copy.to) == 1
        assert_well_formed(copy, domain="127.0.0.1")
        url = assert_list_headers(copy, list_id="hackney-north.weekly.127.0.0.1")
        assert url.startswith(f"http://127.0.0.1:{port}/subscriptions/")

        assert reminder[0].to == ["member@example.org"]
        assert_well_formed(reminder[0], domain="127.0.0.1")
        assert "The yard gate on the high road" in reminder[0].text

        # The mail program's one-click unsubscribe: a POST with no cookie, to the served site.
        assert post_when_up(url, b"List-Unsubscribe=One-Click") == 200
        status = manage(
            env,
            "shell",
            "-c",
            "from newsletters.models import Subscriber; "
            f"print(Subscriber.objects.get(email={copy.to[0]!r}).status)",
        )
        assert status.strip() == "unsubscribed"
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)

"""While the database cannot be reached, the app answers 503 with a page that says so and when
to try again, not a traceback or a bare 500."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import OperationalError
from django.test import RequestFactory
from django.urls import get_resolver

from tuliaison.middleware import server_error

from .production import production_environ

ROOT = Path(__file__).resolve().parents[2]
PAGE_TEXT = "TU Liaison is unavailable for a moment"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def app_without_database(tmp_path_factory):
    """gunicorn serving the app with production settings and a database address where nothing
    listens. Static files are named as in the source tree: production's hashed names need a
    collectstatic run, which has nothing to do with the database."""
    port = free_port()
    settings_dir = tmp_path_factory.mktemp("settings")
    (settings_dir / "production_unhashed_static.py").write_text(
        "from tuliaison.settings.production import *  # noqa: F403\n"
        "STORAGES = {**STORAGES, 'staticfiles': "
        "{'BACKEND': 'django.contrib.staticfiles.storage.StaticFilesStorage'}}\n"
    )
    environ = production_environ(
        DJANGO_SETTINGS_MODULE="production_unhashed_static",
        PYTHONPATH=os.pathsep.join([str(settings_dir), str(ROOT)]),
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=f"postgres://tuliaison:secret@127.0.0.1:{free_port()}/tuliaison",
    )
    log = tmp_path_factory.mktemp("gunicorn") / "stderr.log"
    with log.open("w") as stderr:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "tuliaison.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
            ],
            cwd=ROOT,
            env=environ,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"gunicorn did not start:\n{log.read_text()}")
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}", log
    finally:
        process.terminate()
        process.wait(timeout=20)


def get(base: str, path: str, **headers: str):
    request = urllib.request.Request(  # noqa: S310
        base + path, headers={"X-Forwarded-Proto": "https", **headers}
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/", {}),
        ("/c/hackney-north/dashboard/", {}),
        ("/c/hackney-north/calendar/", {}),
        # A signed-in browser: finding its session needs the database too.
        ("/", {"Cookie": "sessionid=abcdefghijklmnopqrstuvwxyz012345"}),
    ],
)
def test_pages_answer_503_with_our_page_while_the_database_is_down(
    app_without_database, path, headers
):
    base, log = app_without_database
    status, response_headers, body = get(base, path, **headers)
    assert status == 503
    assert PAGE_TEXT in body
    assert "Please try again in a minute or two." in body
    assert "Traceback" not in body
    assert "OperationalError" not in body
    assert response_headers["Retry-After"] == "30"
    assert response_headers["Content-Type"].startswith("text/html")
    # Still under production's policy and headers.
    assert "script-src 'self'" in response_headers["Content-Security-Policy"]
    assert "Strict-Transport-Security" in response_headers
    # And the people running the app are told.
    assert "Database unavailable" in log.read_text()


def test_a_database_error_outside_any_view_also_gets_the_503_page():
    """handler500 gives the same page when the error was raised in a middleware, where the
    middleware's process_exception does not see it."""
    assert get_resolver().resolve_error_handler(500) is server_error
    request = RequestFactory().get("/")
    try:
        raise OperationalError("connection refused")
    except OperationalError:
        response = server_error(request)
    assert response.status_code == 503
    assert PAGE_TEXT in response.content.decode()
    assert response["Retry-After"] == "30"

    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(request)
    assert response.status_code == 500

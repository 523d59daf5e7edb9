"""Django's deployment checklist passes with the production settings, warnings included, given
the environment production asks for (README: Production settings)."""

import subprocess
import sys
from pathlib import Path

from .production import production_environ

ROOT = Path(__file__).resolve().parents[2]


def deploy_check(**env: str) -> subprocess.CompletedProcess:
    environ = production_environ(
        CSRF_TRUSTED_ORIGINS="https://tuliaison.example.org",
        SITE_URL="https://tuliaison.example.org",
        # Nothing listens here: the checklist reads settings and needs no database or Redis.
        DATABASE_URL="postgres://tuliaison:secret@127.0.0.1:9/tuliaison",
        REDIS_URL="redis://127.0.0.1:9",
    )
    environ.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deployment_checklist():
    result = deploy_check()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_checklist_fails_a_weak_secret_key_or_debug():
    """The command above can fail: the same checklist refuses what production must not run."""
    weak = deploy_check(SECRET_KEY="change-me")
    assert weak.returncode != 0
    assert "security.W009" in weak.stderr
    debug = deploy_check(DEBUG="true")
    assert debug.returncode != 0
    assert "security.W018" in debug.stderr

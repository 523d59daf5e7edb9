"""The environment a subprocess needs to load the production settings: this process's own,
without the test run's Django, security and secret variables, plus what production requires."""

import os
import secrets


def production_environ(**extra: str) -> dict[str, str]:
    environ = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(
            ("DJANGO_", "SECURE_", "DEBUG", "SECRET_KEY", "SESSION_", "CSRF_", "DATABASE_URL")
        )
    }
    environ.update(
        DJANGO_SETTINGS_MODULE="tuliaison.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="tuliaison.example.org",
    )
    environ.update(extra)
    return environ

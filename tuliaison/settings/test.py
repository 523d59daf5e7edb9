"""`make test`: the real PostgreSQL and Redis that scripts/test.sh starts."""

from typing import Any

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = "test-only-not-secret"  # noqa: S105
DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/tuliaison")
}
# Tests open a fresh connection per request; the benchmarks keep them, as production does.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": f"{REDIS_URL}/1",
    }
}
CELERY_BROKER_URL = f"{REDIS_URL}/2"
CELERY_RESULT_BACKEND = f"{REDIS_URL}/3"

MAILERS: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
}
# A Celery worker started by a test writes its mail to files the test can read.
if env.str("MAIL_FILE_PATH", default=""):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": env.str("MAIL_FILE_PATH")},
        }
    }
# A Celery worker started by a test sends through anymail's Mailgun backend (or its Resend
# backend, with FAKE_ESP_API=resend) to the fake email service (tests/newsletters/fake_esp.py)
# at this URL.
if env.str("FAKE_ESP_URL", default=""):
    if env.str("FAKE_ESP_API", default="mailgun") == "resend":
        MAILERS = {"default": {"BACKEND": "anymail.backends.resend.EmailBackend"}}
        ANYMAIL = {
            "RESEND_API_KEY": "fake-esp-key",
            "RESEND_API_URL": env.str("FAKE_ESP_URL"),
            "REQUESTS_TIMEOUT": env.float("FAKE_ESP_TIMEOUT", default=10.0),
        }
    else:
        MAILERS = {"default": {"BACKEND": "anymail.backends.mailgun.EmailBackend"}}
        ANYMAIL = {
            "MAILGUN_API_KEY": "fake-esp-key",
            "MAILGUN_API_URL": env.str("FAKE_ESP_URL"),
            "REQUESTS_TIMEOUT": env.float("FAKE_ESP_TIMEOUT", default=10.0),
        }
STATIC_ROOT = None
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SEED_DEMO_ALLOWED = True

# The email service's tracking webhooks (/anymail/<esp>/tracking/) take this basic auth.
ANYMAIL = {**globals().get("ANYMAIL", {}), "WEBHOOK_SECRET": "anymail-test:not-secret"}

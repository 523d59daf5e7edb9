"""`make run`: everything on one machine with no servers to install.

SQLite, Celery over the filesystem broker, mail written to files under var/.
"""

from .base import *  # noqa: F403
from .base import VAR_DIR, env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="local-development-only-not-secret")  # noqa: S105
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http"

MAIL_DIR = VAR_DIR / "mail"
MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "OPTIONS": {"file_path": str(MAIL_DIR)},
    }
}
STATIC_ROOT = None

_broker = VAR_DIR / "broker"
CELERY_BROKER_URL = "filesystem://"
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "data_folder_in": str(_broker / "out"),
    "data_folder_out": str(_broker / "out"),
    "processed_folder": str(_broker / "processed"),
    "control_folder": str(_broker / "control"),
    "store_processed": False,
}
CELERY_RESULT_BACKEND = None

# Files, not memory: the web server and the Celery worker are separate processes, and a record
# the worker changes must put the web server's cached public pages out of date too.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "cache"),
        "OPTIONS": {"MAX_ENTRIES": 5000},
    }
}

# Everything this mode writes lives under var/, which git ignores.
for _folder in (VAR_DIR, MAIL_DIR, *(_broker / f for f in ("out", "processed", "control"))):
    _folder.mkdir(parents=True, exist_ok=True)
SEED_DEMO_ALLOWED = True
# The demo's TULO and executive accounts sign in with this two-factor code. allauth refuses it
# unless DEBUG is on, so it can never pass in production.
if DEBUG:
    MFA_TOTP_INSECURE_BYPASS_CODE = "000000"

# Production runs on PostgreSQL; these SQLite-only warnings do not apply there.
SILENCED_SYSTEM_CHECKS = ["models.W047", "models.W040"]

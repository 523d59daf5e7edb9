"""Settings shared by every environment; each environment module reads the rest from env vars."""

from pathlib import Path

import environ
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()

# What the app writes as it runs: SQLite, mail files, the filesystem broker, uploads (make run).
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # The Django admin, with its default site tuliaison.admin_access.SecureAdminSite.
    "tuliaison.apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "django_htmx",
    "anymail",
    "simple_history",
    "clps",
    "strikes",
    "pickets",
    "newsletters",
    "privacy",
    "tuliaison",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "tuliaison.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Public pages kept for anonymous visitors are served from here, as nearly as cheaply as
    # a static file; what comes after it runs when a page is made (clps.public_cache).
    "clps.public_cache.PublicPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, so that it sees a view's database error before any other middleware does.
    "tuliaison.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "tuliaison.urls"
WSGI_APPLICATION = "tuliaison.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tuliaison.context_processors.navigation",
                # After Django's own csrf processor: a public page rendered for the cache
                # holds a placeholder, not the visitor's token (clps.public_cache).
                "clps.public_cache.csrf_placeholder",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Keep connections between requests: opening one costs more than most of our pages' queries.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

AUTH_USER_MODEL = "clps.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# django-allauth: email is the login, and an address must be verified before it can sign in.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[TU Liaison] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = env.str("HTTP_PROTOCOL", default="https")
ACCOUNT_ADAPTER = "clps.adapter.AccountAdapter"
# Failed sign-ins, counted in the cache: ten a minute from one address (someone trying many
# accounts), five in five minutes for one account (someone guessing its password). Another
# attempt is refused before the password is checked, right or wrong.
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "TU Liaison"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT: Path | None = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")

DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="TU Liaison <noreply@tuliaison.localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# The weekly email: deliveries claimed and handed to the email service this many at a time
# (capped at the service's per-call limit). WEEKLY_BATCH_ESP names the anymail service whose
# batch sending to use ("resend" or "mailgun"), or "" for one message per recipient; unset, it
# is found from the mail backend.
WEEKLY_BATCH_SIZE = env.int("WEEKLY_BATCH_SIZE", default=500)
WEEKLY_BATCH_ESP = env.str("WEEKLY_BATCH_ESP", default=None)
# Seconds before the first retry of a weekly send the email service or database failed; each
# retry waits twice as long as the one before, up to an hour.
WEEKLY_RETRY_WAIT = env.int("WEEKLY_RETRY_WAIT", default=60)
# The tick sends the CLPs' weekly emails due together in tasks of this many CLPs each, prepared
# together (one set of queries for all their news).
WEEKLY_DIGESTS_PER_TASK = env.int("WEEKLY_DIGESTS_PER_TASK", default=20)

# Celery: one periodic tick enqueues whatever each CLP's own schedule says is due.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/0")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=None)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Europe/London"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery closes a worker's database connection around every task unless told to keep it: a
# new connection is a new PostgreSQL process, which costs more than a whole weekly digest's
# queries. Kept instead as a web request keeps it, for CONN_MAX_AGE and while its health check
# passes (tuliaison/celery.py), and at most for this many tasks.
CELERY_DB_REUSE_MAX = 200
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    "tick": {"task": "tuliaison.tasks.tick", "schedule": 60.0},
}

# Scripts and styles come only from our own static files: no inline script, no CDN.
SECURE_CSP: dict[str, list[str]] = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Sent by tuliaison.middleware.PermissionsPolicyMiddleware. Visit photos come through a file
# input, which needs no camera permission.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
SEED_DEMO_ALLOWED = False

# The public strike map's background tiles: a tile URL template such as
# "https://tile.openstreetmap.org/{z}/{x}/{y}.png", and the attribution its provider requires
# (HTML, e.g. '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>').
# Empty means no tiles: the map shows markers alone and the page lists the places. The map page
# adds the tile server's origin to its own Content-Security-Policy img-src.
MAP_TILE_URL = env.str("MAP_TILE_URL", default="")
MAP_TILE_ATTRIBUTION = env.str("MAP_TILE_ATTRIBUTION", default="")

"""Production: every secret comes from the environment, and nothing insecure is assumed."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. Production settings refuse to start without one: "
        'set SECRET_KEY to a long random value, e.g. python -c "import secrets; '
        'print(secrets.token_urlsafe(50))".'
    )
DEBUG = env.bool("DEBUG", default=False)

REDIS_URL = env.str("REDIS_URL", default="redis://redis:6379")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": f"{REDIS_URL}/1",
    }
}
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=f"{REDIS_URL}/0")

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# Off unless asked for: anyone may submit a domain whose HSTS header says "preload" to the
# browsers' preload list, which then forces HTTPS on every subdomain of the whole domain (a
# CLP's other sites included) and takes months to undo. Whoever owns the domain decides.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS = ["security.W021"]

# The number of reverse proxies in front of the app (a TLS terminator or load balancer): the
# client's address is read from X-Forwarded-For behind that many. Sign-in rate limits count per
# address; counted at the proxy's own address, every visitor would share one limit.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1)

# Any email service provider anymail supports: set MAIL_BACKEND to its backend, e.g.
# anymail.backends.postmark.EmailBackend, and its keys in ANYMAIL_* variables. SMTP (Mailpit
# in docker-compose) works through Django's own backend. With
# anymail.backends.resend.EmailBackend (ANYMAIL_RESEND_API_KEY) or
# anymail.backends.mailgun.EmailBackend (ANYMAIL_MAILGUN_API_KEY) the weekly email goes in
# batches of WEEKLY_BATCH_SIZE recipients per API call (at most 100 for Resend), each
# recipient's copy their own; other backends get one personalised message per recipient.
MAIL_BACKEND = env.str("MAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
MAILERS = {
    "default": {
        "BACKEND": MAIL_BACKEND,
        "OPTIONS": (
            {
                "host": env.str("SMTP_HOST", default="localhost"),
                "port": env.int("SMTP_PORT", default=25),
                "username": env.str("SMTP_USERNAME", default=""),
                "password": env.str("SMTP_PASSWORD", default=""),
                "use_tls": env.bool("SMTP_USE_TLS", default=False),
                # A hung server must fail the send well before the tick takes a send that has
                # been in flight for ten minutes as lost.
                "timeout": env.int("SMTP_TIMEOUT", default=60),
            }
            if MAIL_BACKEND.endswith("smtp.EmailBackend")
            else {}
        ),
    }
}
ANYMAIL = {
    key.removeprefix("ANYMAIL_"): value
    for key, value in env.ENVIRON.items()
    if key.startswith("ANYMAIL_")
}

"""A per-hour allowance for public forms that send email to an address someone typed, so that
nobody can mail-bomb a stranger through our confirmation emails."""

from allauth.account.adapter import get_adapter as get_account_adapter
from django.core.cache import cache
from django.http import HttpRequest

# Sign-ups from one IP address to one CLP in an hour: enough for a household or a meeting's
# shared wifi, too few to mail-bomb strangers.
SIGNUPS_PER_HOUR = 10
WINDOW_SECONDS = 60 * 60

OVER_LIMIT_MESSAGE = (
    "There have been too many sign-ups from your internet connection in the last hour. "
    "Please try again in an hour; nothing has been sent."
)


def over_signup_limit(request: HttpRequest, scope: str, clp_id: int) -> bool:
    """Count this sign-up against its IP, the form and the CLP; True once the hour's allowance
    is used. The IP is found as the sign-in rate limits find it, through the trusted proxies."""
    ip = get_account_adapter(request).get_client_ip(request)
    key = f"{scope}:signups:{clp_id}:{ip}"
    cache.add(key, 0, timeout=WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # the window ran out between add and incr
        cache.set(key, 1, timeout=WINDOW_SECONDS)
        count = 1
    return count > SIGNUPS_PER_HOUR

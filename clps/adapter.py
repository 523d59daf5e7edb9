from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """allauth as TU Liaison speaks: a refused sign-in says how long to wait and what else to do."""

    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "too_many_login_attempts": (
            "Too many failed sign-in attempts, so sign-in is paused for this account or "
            "connection. Wait five minutes, then try again, or reset your password if you "
            "have forgotten it."
        ),
    }

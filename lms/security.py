"""Hooks for django-axes, the brute-force protection on every login form."""


def login_identifier(request, credentials) -> str | None:
    """The email being tried, however the login form named it, in one casing.

    allauth authenticates with `email=`, Wagtail's and Django's own forms with
    `username=`; lower-casing stops "Ana@" and "ana@" counting separately.
    """
    credentials = credentials or {}
    value = credentials.get("email") or credentials.get("username") or credentials.get("login")
    if value is None and request is not None:
        data = getattr(request, "POST", {})
        value = data.get("login") or data.get("username") or data.get("email")
    return value.strip().lower() if value else None

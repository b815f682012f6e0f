"""Security events (等保: 安全审计 — logins, account administration, audit exports) written to core.SecurityEvent."""
from __future__ import annotations


def client_ip(request) -> str:
    return (request.META.get("REMOTE_ADDR", "") if request is not None else "")[:45]


def security_event(kind: str, *, request=None, user=None, username: str = "", target: str = "",
                   detail: str = "") -> None:
    """Record one event; `user` is the acting user (defaults to the request's signed-in user)."""
    from .models import SecurityEvent

    if user is None and request is not None and getattr(request, "user", None) is not None \
            and request.user.is_authenticated:
        user = request.user
    SecurityEvent.objects.create(kind=kind, user=user if user is not None and user.pk else None,
                                 username=(username or (user.get_username() if user is not None else ""))[:150],
                                 target=target[:200], detail=detail, ip=client_ip(request))


def account_label(account) -> str:
    return f"core.User:{account.pk} {account.get_username()}"


def on_logged_in(sender, request, user, **kwargs):
    security_event("login", request=request, user=user)


def on_logged_out(sender, request, user, **kwargs):
    if user is not None:
        security_event("logout", request=request, user=user)


def on_login_failed(sender, credentials, request=None, **kwargs):
    security_event("login_failed", request=request, username=str(credentials.get("username", ""))[:150])

"""Login throttling (django-axes): whose address a login comes from, and what a locked-out
person reads."""

import ipaddress

from django.conf import settings
from django.shortcuts import render


def client_address(request):
    """The address a login attempt is counted against.

    REMOTE_ADDR unless NEWSROOM_PROXY_COUNT says how many proxies we run in front of the
    server. X-Forwarded-For is written by whoever sends the request: trusted by default, one
    header would give an attacker a fresh address, so a fresh lockout counter, per attempt.
    Each proxy appends the address it received the request from, so with N proxies of ours the
    client is the N-th entry from the right; whatever the client wrote itself is further left.
    """
    remote = request.META.get("REMOTE_ADDR")
    count = settings.NEWSROOM_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(forwarded) < count:
        # Not every proxy of ours wrote its entry: the header cannot be trusted.
        return remote
    candidate = forwarded[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def lockout_response(request, original_response=None, credentials=None):
    """429 with our page in the admin's look: how long to wait, and who can unlock sooner."""
    minutes = settings.NEWSROOM_LOGIN_COOLOFF_MINUTES
    response = render(
        request,
        "registration/locked_out.html",
        {"cooloff_minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )
    response["Retry-After"] = str(minutes * 60)
    return response

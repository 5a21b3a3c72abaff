"""Login throttling (django-axes): whose address a login comes from, and what a locked-out
person reads; the Content-Security-Policy's report endpoint."""

import ipaddress
import json
import logging

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST


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


# A browser's report of what the Content-Security-Policy blocked (`report-uri`): a few hundred
# bytes; anything longer is cut, so a flood costs a log line each, never memory.
CSP_REPORT_MAX_BYTES = 8192
csp_logger = logging.getLogger("newsroom.csp")


@csrf_exempt
@require_POST
def csp_report(request):
    """Log what the browser says the policy blocked: a violation on our own pages is a bug (a
    script or style without the nonce) or an injection someone attempted."""
    raw = request.read(CSP_REPORT_MAX_BYTES)
    try:
        report = json.loads(raw)
    except ValueError:
        return HttpResponse(status=400)
    if isinstance(report, dict) and isinstance(report.get("csp-report"), dict):
        report = report["csp-report"]
    elif isinstance(report, list):  # the Reporting API's form: [{"type": ..., "body": {...}}]
        report = next((r.get("body") for r in report if isinstance(r, dict)), None)
    if not isinstance(report, dict):
        return HttpResponse(status=400)

    def field(*names):
        for name in names:
            value = report.get(name)
            if value:
                return str(value)[:300]
        return ""

    csp_logger.warning(
        "CSP violation: %s blocked %s on %s (%s:%s) %s",
        field("effective-directive", "effectiveDirective", "violated-directive"),
        field("blocked-uri", "blockedURL"),
        field("document-uri", "documentURL"),
        field("source-file", "sourceFile"),
        field("line-number", "lineNumber"),
        field("script-sample", "sample"),
    )
    return HttpResponse(status=204)

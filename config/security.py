"""Login hardening that the settings point at: the embedded install's own secret key, the
client address behind a reverse proxy, and the lockout page (django-axes).

Settings import this module, so only the standard library is imported at the top;
Django's forms and views are imported inside the functions that run on a request.
"""
import ipaddress
import math
import os
import secrets

# The key the embedded install used before it made its own; it is in the source, so it is
# only a last resort (see embedded_secret_key) and refused when HTTPS=1.
EMBEDDED_FIXED_KEY = "embedded-only-not-for-production-" + "x" * 20


def embedded_secret_key(path):
    """The office PC's own random key, made on first start and kept at `path` (var/,
    readable only by its owner).

    A key written in the source can be read by anyone, who could then forge whatever
    Django signs; this way each install has its own without anyone having to set one. If
    the folder cannot be written (a read-only copy), the fixed key keeps the office working.
    """
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written in full under a private name, then linked into place, which fails if the
        # file already exists: two processes starting at once (web server and deadline
        # sweep in bin/run) end up with the same key, and none reads a half-written one.
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(50))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
        return path.read_text().strip()
    except OSError:
        return EMBEDDED_FIXED_KEY


def client_ip(request):
    """The address the lockout counts failures for (AXES_CLIENT_IP_CALLABLE).

    Behind TRUSTED_PROXY_COUNT reverse proxies, each appends the address it was reached
    from to X-Forwarded-For, so the client is that many entries from the right; anything
    further left was written by the client and is ignored. With no proxy configured, or
    a request that did not pass through all of them, the connection's own address counts.
    """
    from django.conf import settings

    remote = request.META.get("REMOTE_ADDR")
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if count <= 0:
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if h.strip()]
    if len(hops) < count:
        return remote
    candidate = hops[-count]
    try:
        ipaddress.ip_address(candidate)
    except ValueError:
        return remote
    return candidate


def lockout_response(request, original_response=None, credentials=None):
    """The login page again, saying the account is locked and for how long (HTTP 429).

    Used for the site's login and the admin's (/quan-tri/login/) alike; after the admin's,
    logging in from this page leads back to the admin.
    """
    from axes.helpers import get_cool_off
    from django.contrib.auth.forms import AuthenticationForm
    from django.shortcuts import render
    from django.urls import reverse

    cool_off = get_cool_off(request)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    match = getattr(request, "resolver_match", None)
    if not next_url and match is not None and match.namespace == "admin":
        next_url = reverse("admin:index")
    context = {
        "form": AuthenticationForm(request),
        "locked_out": True,
        "cooloff_minutes": math.ceil(cool_off.total_seconds() / 60) if cool_off else None,
        "next": next_url,
    }
    return render(request, "registration/login.html", context, status=429)

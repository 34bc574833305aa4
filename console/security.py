"""The console's request security: cookie names, CSRF tokens, and the response headers."""

from __future__ import annotations

import hashlib
import hmac
import secrets

SESSION_COOKIE = "console_session"
PRESESSION_COOKIE = "console_pre"  # CSRF for the sign-in forms, before there is a session
CSRF_FIELD = "_csrf"
FORM_FIELD = "_form"  # a one-time form token (Enroll): the same form sent twice acts once
PRESESSION_MAX_AGE = 3600  # seconds a sign-in page may stay open before its form is stale

# No inline script or style anywhere; the one script and stylesheet come from /console/static.
# frame-ancestors lets Telegram Web show the Mini App in its frame and nobody else frame it.
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",  # the Devanagari font in /console/static/fonts
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'self' https://web.telegram.org",
))

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    # Sign-in links carry their token in the query: never send it on to another site.
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def new_presession() -> str:
    """A random value for the sign-in forms' CSRF cookie."""
    return secrets.token_urlsafe(24)


def csrf_for_session(session_token: str) -> str:
    """The CSRF token of a signed-in browser: derived from its session secret, so a page
    from another site (which cannot read our cookie) cannot compute it."""
    return hashlib.sha256(f"csrf|{session_token}".encode()).hexdigest()[:40]


def same(given: str | None, expected: str | None) -> bool:
    """Constant-time comparison; an empty value never matches."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))

"""Signing in to the staff console: one-time links from `/console`, Mini App initData,
browser sessions, sign-out. Every outcome is audited ("console.*"), with ids only.

Secrets (link tokens, session tokens) are 256-bit random, given out once and stored only as
their SHA-256 hash. Roles are never stored with a session: each request asks the staff
rules (settings admins, /staff add), so a removed staff member is out at their next click.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import quote

from core.invites import hash_code
from core.statuses import AuditOutcome
from core.throttle import Throttle
from services.console_config import ConsoleSettings
from services.console_webapp import InitDataError, verify_init_data
from services.context import AppContext
from services.staff_directory import display_names
from storage.repositories import Repositories, Store
from storage.repositories.console_tokens import LinkStatus, TokenKind

TOKEN_BYTES = 32
MAX_TOKEN_CHARS = 64  # token_urlsafe(32) is 43 characters; anything longer is not ours
PRUNE_AFTER = timedelta(days=1)  # ended or expired tokens older than this are deleted


@dataclass(frozen=True, kw_only=True)
class ConsoleUser:
    """A signed-in staff member and their role, as of this request."""

    user_id: int
    is_admin: bool
    name: str = ""  # how they are shown ("Anita (@anita_k)"), when the bot has seen them


@dataclass(frozen=True, kw_only=True)
class SignInLink:
    """What `/console` sends: the link (shown once) and until when it works."""

    url: str
    expires_at: datetime


@dataclass(frozen=True, kw_only=True)
class SignIn:
    """A sign-in attempt: a new session token (set as the cookie) or why not."""

    session_token: str | None = None
    user: ConsoleUser | None = None
    problem: str | None = None  # used | expired | unknown | not_staff | an InitDataError reason
    expires_at: datetime | None = None


def _not_counted(_reason: str) -> None:
    return None


@dataclass(kw_only=True)
class Refusals:
    """Refusals of someone not signed in (a form without its CSRF token, a bad sign-in link,
    initData that signs nobody in): each one counted (`count`: the console's metrics, by
    reason), but at most one audit row per client and reason a minute, which says how many
    more were refused since. Anyone can send these, as fast as they like: unsampled, they
    would fill the audit table."""

    count: Callable[[str], None] = _not_counted
    throttle: Throttle = field(default_factory=lambda: Throttle(timedelta(minutes=1)))

    def audit_detail(self, client: str, detail: str, now: datetime) -> str | None:
        """The audit detail to write for this refusal (`detail` and the count held back),
        or None: one was written for this client and reason within the minute."""
        self.count(_label(detail))
        allowed = self.throttle.allow((client, detail), now)
        if not allowed.ok:
            return None
        if allowed.held_back:
            return f"{detail} (+{allowed.held_back} more from this client)"
        return detail


def _label(detail: str) -> str:
    """A refusal's reason as a metrics label value ("link unknown" -> "link_unknown")."""
    return re.sub(r"[^a-z0-9]+", "_", detail.lower()).strip("_")[:40]


@dataclass(frozen=True, kw_only=True)
class Requester:
    """Who sent a request that is not signed in: their address (`client`), and the
    console's refusals (None: every refusal audited)."""

    client: str
    refusals: Refusals | None = None

    def detail(self, detail: str, now: datetime) -> str | None:
        if self.refusals is None:
            return detail
        return self.refusals.audit_detail(self.client, detail, now)


def _well_formed(token: str) -> bool:
    return 0 < len(token) <= MAX_TOKEN_CHARS and all(
        c.isascii() and (c.isalnum() or c in "-_") for c in token
    )


async def _audit(
    store: Repositories, *, actor_id: int | None, action: str, outcome: AuditOutcome,
    detail: str | None, now: datetime,
) -> None:
    await store.audit.record(
        actor_id=actor_id, action=action, outcome=outcome, target=None, detail=detail, now=now
    )


async def _role(ctx: AppContext, store: Repositories, user_id: int) -> ConsoleUser | None:
    admins = ctx.settings.staff.admin_ids
    if not await store.staff.is_staff(user_id, admins):
        return None
    names = await display_names(store, [user_id])
    return ConsoleUser(user_id=user_id, is_admin=await store.staff.is_admin(user_id, admins),
                       name=names.get(user_id, ""))


async def issue_link(
    ctx: AppContext, console: ConsoleSettings, *, user_id: int
) -> SignInLink | None:
    """A one-time sign-in link for a staff member (what `/console` replies with).

    None for someone who is not staff (refused and audited) or while the console is off.
    """
    now = ctx.clock.now()
    async with Store(ctx.sessions) as store:
        if not console.enabled or await _role(ctx, store, user_id) is None:
            await _audit(store, actor_id=user_id, action="console.link",
                         outcome=AuditOutcome.REFUSED,
                         detail="console off" if not console.enabled else "not staff", now=now)
            return None
        token = secrets.token_urlsafe(TOKEN_BYTES)
        expires_at = now + timedelta(minutes=console.link_minutes)
        await store.console_tokens.prune(now - PRUNE_AFTER)
        await store.console_tokens.create(kind=TokenKind.LINK, token_hash=hash_code(token),
                                          user_id=user_id, expires_at=expires_at, now=now)
        await _audit(store, actor_id=user_id, action="console.link", outcome=AuditOutcome.OK,
                     detail=None, now=now)
    return SignInLink(url=console.link(f"/signin?t={quote(token)}"), expires_at=expires_at)


async def _new_session(
    ctx: AppContext, store: Repositories, console: ConsoleSettings, user: ConsoleUser,
    via: str, now: datetime,
) -> SignIn:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    expires_at = now + timedelta(hours=console.session_hours)
    await store.console_tokens.create(kind=TokenKind.SESSION, token_hash=hash_code(token),
                                      user_id=user.user_id, expires_at=expires_at, now=now)
    await _audit(store, actor_id=user.user_id, action="console.signin",
                 outcome=AuditOutcome.OK, detail=via, now=now)
    return SignIn(session_token=token, user=user, expires_at=expires_at)


async def redeem_link(ctx: AppContext, console: ConsoleSettings, token: str, *,
                      requester: Requester | None = None) -> SignIn:
    """Use a sign-in link: once, before it expires, by someone who is still staff. A
    failure is audited, sampled per `requester` (Refusals)."""
    now = ctx.clock.now()
    async with Store(ctx.sessions) as store:
        if not _well_formed(token):
            redemption_status, user_id = LinkStatus.UNKNOWN, None
        else:
            redemption = await store.console_tokens.redeem_link(hash_code(token), now)
            redemption_status, user_id = redemption.status, redemption.user_id
        if redemption_status is not LinkStatus.OK or user_id is None:
            await _audit_failure(store, requester, actor_id=user_id,
                                 outcome=AuditOutcome.INVALID,
                                 detail=f"link {redemption_status}", now=now)
            return SignIn(problem=str(redemption_status))
        user = await _role(ctx, store, user_id)
        if user is None:
            await _audit_failure(store, requester, actor_id=user_id,
                                 outcome=AuditOutcome.REFUSED, detail="link not staff", now=now)
            return SignIn(problem="not_staff")
        return await _new_session(ctx, store, console, user, "link", now)


async def webapp_sign_in(
    ctx: AppContext, console: ConsoleSettings, init_data: str, *, bot_token: str,
    requester: Requester | None = None,
) -> SignIn:
    """Sign in with a Mini App's initData: genuine (signed with the bot token), fresh, staff.
    Anything else, malformed in any field included, signs nobody in and is audited (sampled
    per `requester`)."""
    now = ctx.clock.now()
    max_age = timedelta(seconds=console.webapp_max_age_seconds)
    async with Store(ctx.sessions) as store:
        try:
            opener = verify_init_data(init_data, bot_token, now=now, max_age=max_age)
        except InitDataError as error:
            await _audit_failure(store, requester, actor_id=None, outcome=AuditOutcome.INVALID,
                                 detail=f"webapp {error.reason}", now=now)
            return SignIn(problem=error.reason)
        if await store.staff.is_staff(opener.user_id, ctx.settings.staff.admin_ids):
            await store.telegram_users.seen(opener.user_id, opener.name, opener.username, now)
        user = await _role(ctx, store, opener.user_id)
        if user is None:
            await _audit_failure(store, requester, actor_id=opener.user_id,
                                 outcome=AuditOutcome.REFUSED, detail="webapp not staff",
                                 now=now)
            return SignIn(problem="not_staff")
        return await _new_session(ctx, store, console, user, "webapp", now)


async def session_user(ctx: AppContext, token: str) -> ConsoleUser | None:
    """The staff member a session cookie belongs to, with their role now; None if the session
    is unknown, ended or expired, or they are no longer staff."""
    if not _well_formed(token):
        return None
    now = ctx.clock.now()
    async with Store(ctx.sessions) as store:
        user_id = await store.console_tokens.session_user(hash_code(token), now)
        return None if user_id is None else await _role(ctx, store, user_id)


async def sign_out(ctx: AppContext, token: str) -> bool:
    """End the session (audited); False when it was not live."""
    if not _well_formed(token):
        return False
    now = ctx.clock.now()
    async with Store(ctx.sessions) as store:
        user_id = await store.console_tokens.end_session(hash_code(token), now)
        if user_id is None:
            return False
        await _audit(store, actor_id=user_id, action="console.signout",
                     outcome=AuditOutcome.OK, detail=None, now=now)
    return True


async def _audit_failure(
    store: Repositories, requester: Requester | None, *, actor_id: int | None,
    outcome: AuditOutcome, detail: str, now: datetime,
) -> None:
    """A failed sign-in: audited, sampled per requester (see Refusals)."""
    written = detail if requester is None else requester.detail(detail, now)
    if written is not None:
        await _audit(store, actor_id=actor_id, action="console.signin", outcome=outcome,
                     detail=written, now=now)


async def refuse(
    ctx: AppContext, *, actor_id: int | None, action: str, reason: str,
    outcome: AuditOutcome = AuditOutcome.REFUSED, requester: Requester | None = None,
) -> None:
    """Audit a console request that was refused (forged, no CSRF token, not admin); one
    from someone not signed in (`requester`) is sampled (see Refusals)."""
    now = ctx.clock.now()
    detail = reason[:100] if requester is None else requester.detail(reason[:100], now)
    if detail is None:
        return
    async with Store(ctx.sessions) as store:
        await _audit(store, actor_id=actor_id, action=action, outcome=outcome,
                     detail=detail, now=now)

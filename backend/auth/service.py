"""Users, sessions and tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.access import ROLES, SUPERVISOR, AuthUser
from backend.audit import record_audit
from backend.auth.passwords import hash_password, verify_password
from backend.clock import Clock, isoformat
from backend.db.models import AuditEvent, AuthSession, Department, Region, User
from backend.errors import DomainError
from backend.ids import uuid7
from backend.settings import Settings


class LoginRefused(DomainError):
    status = 401


class TooManyAttempts(DomainError):
    status = 429


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_user(
    session: AsyncSession,
    *,
    username: str,
    password: str,
    role: str,
    department_id: str,
    display_name: str | None = None,
    certificate_no: str | None = None,
    legal_qualified: bool = False,
    clock: Clock,
) -> User:
    """Create a user (the caller commits)."""
    if role not in ROLES:
        raise DomainError("unknown_role", f"未知角色 {role}，可选：{', '.join(ROLES)}")
    if len(password) < 10:
        raise DomainError("weak_password", "密码至少 10 位")
    if await session.get(Department, department_id) is None:
        raise DomainError("unknown_department", f"部门 {department_id} 不存在")
    if await session.scalar(select(User).where(col(User.username) == username)):
        raise DomainError("username_taken", f"用户名 {username} 已存在", status=409)
    user = User(
        id=str(uuid7()),
        username=username,
        display_name=display_name or username,
        password_hash=hash_password(password),
        role=role,
        department_id=department_id,
        certificate_no=certificate_no,
        legal_qualified=legal_qualified,
        created_at=isoformat(clock.now()),
    )
    session.add(user)
    await session.flush()
    return user


async def _failures(session: AsyncSession, settings: Settings, clock: Clock, **where: str) -> int:
    since = isoformat(clock.now() - timedelta(seconds=settings.login_window_seconds))
    query = (
        select(func.count())
        .select_from(AuditEvent)
        .where(
            col(AuditEvent.kind) == "login_failed",
            col(AuditEvent.at) >= since,
        )
    )
    for column, value in where.items():
        query = query.where(getattr(AuditEvent, column) == value)
    return int(await session.scalar(query) or 0)


async def login(
    session: AsyncSession,
    *,
    username: str,
    password: str,
    kind: str,
    client: str | None,
    settings: Settings,
    clock: Clock,
) -> tuple[User, str, AuthSession]:
    """Check the password (rate-limited per username and per client) and open a session or token."""
    limit = settings.login_max_failures
    if await _failures(session, settings, clock, username=username) >= limit or (
        client and await _failures(session, settings, clock, client=client) >= limit * 4
    ):
        await record_audit(session, kind="login_throttled", username=username, client=client, clock=clock)
        await session.commit()
        raise TooManyAttempts(
            "too_many_attempts",
            "登录失败次数过多，请稍后再试",
            retry_after=settings.login_window_seconds,
        )
    user = await session.scalar(select(User).where(col(User.username) == username))
    if not verify_password(user.password_hash if user else None, password) or user is None or not user.active:
        await record_audit(session, kind="login_failed", username=username, client=client, clock=clock)
        await session.commit()
        raise LoginRefused("bad_credentials", "用户名或密码错误")
    secret = secrets.token_urlsafe(32)
    now = clock.now()
    auth = AuthSession(
        token_hash=token_digest(secret),
        user_id=user.id,
        kind=kind,
        csrf_token=secrets.token_urlsafe(24) if kind == "cookie" else None,
        created_at=isoformat(now),
        expires_at=isoformat(now + timedelta(seconds=settings.session_ttl_seconds)),
    )
    session.add(auth)
    await record_audit(
        session,
        kind="login",
        user_id=user.id,
        username=username,
        client=client,
        detail={"kind": kind},
        clock=clock,
    )
    await session.commit()
    return user, secret, auth


async def logout(session: AsyncSession, *, token: str) -> None:
    await session.execute(delete(AuthSession).where(col(AuthSession.token_hash) == token_digest(token)))
    await session.commit()


async def region_subtree(session: AsyncSession, region_id: str) -> set[str]:
    """The region and all regions below it."""
    regions = list(await session.scalars(select(Region)))
    children: dict[str | None, list[str]] = {}
    for region in regions:
        children.setdefault(region.parent_id, []).append(region.id)
    out, todo = set(), [region_id]
    while todo:
        current = todo.pop()
        out.add(current)
        todo.extend(children.get(current, []))
    return out


async def auth_user_for(session: AsyncSession, user: User, department: Department | None = None) -> AuthUser:
    """Build the request user, with the departments it may read."""
    department = department or await session.get(Department, user.department_id)
    assert department is not None
    visible = {department.id}
    if user.role == SUPERVISOR:
        regions = await region_subtree(session, department.region_id)
        visible = set(
            await session.scalars(select(col(Department.id)).where(col(Department.region_id).in_(regions)))
        )
    return AuthUser(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        department_id=department.id,
        department_name=department.name,
        region_id=department.region_id,
        certificate_no=user.certificate_no,
        legal_qualified=user.legal_qualified,
        restrict_to_assigned=department.restrict_to_assigned,
        visible_departments=frozenset(visible),
    )


async def resolve_token(
    session: AsyncSession, *, token: str, kind: str, clock: Clock
) -> tuple[AuthUser, AuthSession] | None:
    """The user behind a live session or bearer token (one query: this runs on every request)."""
    row = (
        await session.execute(
            select(AuthSession, User, Department)
            .join(User, col(User.id) == col(AuthSession.user_id))
            .join(Department, col(Department.id) == col(User.department_id))
            .where(col(AuthSession.token_hash) == token_digest(token))
        )
    ).first()
    if row is None:
        return None
    auth, user, department = row._tuple()
    if auth.kind != kind or auth.expires_at <= isoformat(clock.now()) or not user.active:
        return None
    return await auth_user_for(session, user, department), auth


def csrf_ok(auth: AuthSession, presented: str | None) -> bool:
    return bool(presented and auth.csrf_token and hmac.compare_digest(presented, auth.csrf_token))

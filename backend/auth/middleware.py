"""Resolve the caller from the session cookie or a bearer token; enforce CSRF on cookie writes."""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from backend.auth.service import csrf_ok, resolve_token

SESSION_COOKIE = "liuhen_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class AuthMiddleware(AbstractAuthenticationMiddleware):
    """Every /api route but health and login needs a live session or token."""

    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:  # type: ignore[type-arg]
        state = connection.app.state
        header = connection.headers.get("authorization", "")
        async with state.db.session() as session:
            if header.lower().startswith("bearer "):
                found = await resolve_token(
                    session, token=header[7:].strip(), kind="bearer", clock=state.clock
                )
                if found is None:
                    raise NotAuthorizedException("登录已过期或令牌无效，请重新登录")
                return AuthenticationResult(user=found[0], auth=found[1])
            cookie = connection.cookies.get(SESSION_COOKIE)
            if not cookie:
                raise NotAuthorizedException("请先登录")
            found = await resolve_token(session, token=cookie, kind="cookie", clock=state.clock)
        if found is None:
            raise NotAuthorizedException("登录已过期，请重新登录")
        user, auth = found
        if connection.scope.get("method", "GET") not in SAFE_METHODS and not csrf_ok(
            auth, connection.headers.get(CSRF_HEADER)
        ):
            connection.scope["user"] = user  # so the audited denial names who it was
            raise PermissionDeniedException("缺少或错误的 CSRF 令牌（X-CSRF-Token）")
        return AuthenticationResult(user=user, auth=auth)

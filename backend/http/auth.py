"""Login, tokens, logout and the current user."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.params import JSONBody

from backend.access import AuthUser
from backend.auth import service
from backend.auth.middleware import SESSION_COOKIE
from backend.cases.schemas import LoginRequest
from backend.db.models import AuthSession
from backend.http.deps import clock_of, db_of, settings_of, user_of


def me_view(request: Request[Any, Any, Any]) -> dict[str, Any]:
    user = user_of(request)
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "department_id": user.department_id,
        "department_name": user.department_name,
        "region_id": user.region_id,
        "certificate_no": user.certificate_no,
        "legal_qualified": user.legal_qualified,
    }


def _client(request: Request[Any, Any, Any]) -> str | None:
    return request.client.host if request.client else None


async def _sign_in(
    request: Request[Any, Any, Any], data: LoginRequest, kind: str
) -> tuple[AuthUser, str, AuthSession]:
    """Check the password (throttled, audited) and open a cookie session or a bearer token."""
    async with db_of(request).session() as session:
        user, secret, auth = await service.login(
            session,
            username=data.username,
            password=data.password,
            kind=kind,
            client=_client(request),
            settings=settings_of(request),
            clock=clock_of(request),
        )
        return await service.auth_user_for(session, user), secret, auth


@post("/api/auth/login", operation_id="login", exclude_from_auth=True, tags=["auth"])
async def login(request: Request[Any, Any, Any], data: JSONBody[LoginRequest]) -> Response[dict[str, Any]]:
    """PWA login: sets the session cookie and returns the CSRF token for writes."""
    settings = settings_of(request)
    auth_user, secret, auth = await _sign_in(request, data, "cookie")
    request.scope["user"] = auth_user
    cookie = Cookie(
        key=SESSION_COOKIE,
        value=secret,
        httponly=True,
        samesite="strict",
        secure=settings.cookie_secure,
        max_age=settings.session_ttl_seconds,
        path="/",
    )
    return Response({"user": me_view(request), "csrf_token": auth.csrf_token}, cookies=[cookie])


@post("/api/auth/token", operation_id="issueToken", exclude_from_auth=True, tags=["auth"])
async def token(request: Request[Any, Any, Any], data: JSONBody[LoginRequest]) -> dict[str, Any]:
    """API clients: a bearer token (no CSRF needed)."""
    settings = settings_of(request)
    _user, secret, _auth = await _sign_in(request, data, "bearer")
    return {"access_token": secret, "token_type": "bearer", "expires_in": settings.session_ttl_seconds}


@post("/api/auth/logout", operation_id="logout", status_code=204, tags=["auth"])
async def logout(request: Request[Any, Any, Any]) -> Response[None]:
    """End this session or revoke this token."""
    header = request.headers.get("authorization", "")
    secret = (
        header[7:].strip() if header.lower().startswith("bearer ") else request.cookies.get(SESSION_COOKIE)
    )
    if secret:
        async with db_of(request).session() as session:
            await service.logout(session, token=secret)
    response: Response[None] = Response(None, status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@get("/api/me", operation_id="getMe", tags=["auth"])
async def me(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """The signed-in user."""
    return me_view(request)


ROUTES = [login, token, logout, me]

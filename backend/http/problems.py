"""RFC 9457 problem details for every error."""

from __future__ import annotations

import logging
from typing import Any

from litestar import MediaType, Request, Response
from litestar.background_tasks import BackgroundTask
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from backend.errors import DomainError

log = logging.getLogger("liuhen.http")
PROBLEM = "application/problem+json"

TITLES = {
    400: "请求有误",
    401: "未登录",
    403: "无权操作",
    404: "不存在",
    405: "不支持的方法",
    409: "状态冲突",
    413: "内容过大",
    415: "不支持的类型",
    422: "不符合规则",
    429: "请求过多",
    500: "服务器内部错误",
}


def problem(status: int, code: str, detail: str, **extra: Any) -> Response[dict[str, Any]]:
    body = {
        "type": f"https://liuhen.invalid/problems/{code}",
        "title": TITLES.get(status, "错误"),
        "status": status,
        "detail": detail,
        "code": code,
        **extra,
    }
    headers = {}
    if status == 429 and "retry_after" in extra:
        headers["Retry-After"] = str(extra["retry_after"])
    return Response(body, status_code=status, media_type=PROBLEM, headers=headers)


async def _audit_denial(db: Any, user: Any, method: str, path: str, code: str, detail: str) -> None:
    from backend.audit import record_audit

    async with db.session() as session:
        await record_audit(
            session,
            kind="permission_denied",
            user_id=getattr(user, "id", None),
            username=getattr(user, "username", None),
            detail={"method": method, "path": path, "code": code, "detail": detail},
        )
        await session.commit()


def audit_if_denied(request: Request[Any, Any, Any], response: Response[Any], code: str, detail: str) -> None:
    """Permission denials go to the structured audit (DESIGN §7), after the response is sent."""
    if response.status_code == 403:
        response.background = BackgroundTask(
            _audit_denial,
            request.app.state.db,
            request.scope.get("user"),
            request.method,
            request.url.path,
            code,
            detail,
        )


def domain_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    assert isinstance(exc, DomainError)
    response = problem(exc.status, exc.code, exc.detail, **exc.extra)
    audit_if_denied(request, response, exc.code, exc.detail)
    return response


def http_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    assert isinstance(exc, HTTPException)
    extra: dict[str, Any] = {}
    code = {
        400: "bad_request",
        401: "not_authenticated",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        413: "body_too_large",
        415: "unsupported_media_type",
        429: "too_many_requests",
    }.get(exc.status_code, "http_error")
    detail = exc.detail
    if isinstance(exc, ValidationException):
        code = "invalid_request"
        extra["errors"] = exc.extra if isinstance(exc.extra, list) else []
        detail = (
            "请求内容格式有误："
            + "; ".join(
                f"{e.get('key') or ''} {e.get('message', '')}".strip()
                for e in extra["errors"]
                if isinstance(e, dict)
            )
            if extra["errors"]
            else "请求内容格式有误"
        )
    if exc.status_code == 413:
        detail = "请求内容超过大小限制"
    response = problem(exc.status_code, code, detail, **extra)
    for key, value in (exc.headers or {}).items():
        response.headers[key] = value
    audit_if_denied(request, response, code, str(detail))
    return response


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(
        HTTP_500_INTERNAL_SERVER_ERROR, "internal_error", "服务器内部错误，已记录；已提交的数据不会丢失"
    )


EXCEPTION_HANDLERS = {
    DomainError: domain_error_handler,
    HTTPException: http_error_handler,
    Exception: internal_error_handler,
}
_ = MediaType

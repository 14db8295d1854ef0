"""HTTP endpoints of the media capability: the tus 1.0 endpoint and evidence downloads (thin handlers)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

from litestar import Request, Response, Router, delete, get, head, patch, post, route
from litestar.enums import HttpMethod
from litestar.params import FromPath, FromQuery
from litestar.response import Stream

from backend import media_access as access_svc
from backend import media_service as svc
from backend.errors import DomainError
from backend.http.deps import clock_of, db_of, settings_of, user_of
from backend.http.problems import audit_if_denied, problem
from media.store import derivative_key, original_key
from media.tus import (
    CHECKSUM_ALGORITHMS,
    OFFSET_CONTENT_TYPE,
    TUS_EXTENSIONS,
    TUS_VERSION,
    TusError,
    check_upload_id,
    check_version,
    http_date,
    parse_checksum,
    parse_creation,
    parse_non_negative_int,
)

UPLOADS = "/api/uploads"
INLINE_SAFE = re.compile(
    r"^(image/(jpeg|png|gif|webp|heic|heif)|video/[a-z0-9.+-]+|audio/[a-z0-9.+-]+|application/pdf)$"
)
Req = Request[Any, Any, Any]


def _tus(extra: dict[str, str] | None = None) -> dict[str, str]:
    return {"Tus-Resumable": TUS_VERSION, "Cache-Control": "no-store", **(extra or {})}


def _runtime(request: Req) -> svc.MediaRuntime:
    # Created on first use; backend.app closes it (jobs, store connections) on shutdown.
    return svc.media_runtime(request.app.state, settings_of(request))


def _tus_error(_: Req, exc: Exception) -> Response[dict[str, Any]]:
    assert isinstance(exc, TusError)
    response = problem(exc.status, exc.code, exc.detail)
    response.headers.update(_tus())
    return response


def _domain_error(request: Req, exc: Exception) -> Response[dict[str, Any]]:
    assert isinstance(exc, DomainError)
    response = problem(exc.status, exc.code, exc.detail, **exc.extra)
    response.headers.update(_tus())
    audit_if_denied(request, response, exc.code, exc.detail)
    return response


@route(f"{UPLOADS}/", http_method=[HttpMethod.OPTIONS], operation_id="tusOptions", tags=["media"])
async def tus_options(request: Req) -> Response[None]:
    """tus discovery: version, extensions, size limit, checksum algorithms."""
    rt = _runtime(request)
    return Response(
        None,
        status_code=204,
        headers={
            "Tus-Resumable": TUS_VERSION,
            "Tus-Version": TUS_VERSION,
            "Tus-Extension": TUS_EXTENSIONS,
            "Tus-Max-Size": str(rt.settings.max_upload_bytes),
            "Tus-Checksum-Algorithm": CHECKSUM_ALGORITHMS,
        },
    )


@post(f"{UPLOADS}/", operation_id="tusCreateUpload", tags=["media"], status_code=201)
async def tus_create(request: Req) -> Response[None]:
    """tus creation: ``Upload-Length`` and ``Upload-Metadata`` (sha256, filename, content_type, case_id)."""
    check_version(request.headers.get("tus-resumable"))
    rt = _runtime(request)
    metadata = request.headers.get("upload-metadata") or ""
    req = parse_creation(
        upload_length=request.headers.get("upload-length"),
        defer_length=request.headers.get("upload-defer-length"),
        metadata=metadata,
        max_size=rt.settings.max_upload_bytes,
    )
    if int(request.headers.get("content-length") or 0) > 0:
        raise TusError(400, "creation_with_upload_unsupported", "send the bytes with PATCH")
    upload = await svc.create_upload(
        db_of(request), rt, user=user_of(request), req=req, metadata_header=metadata, clock=clock_of(request)
    )
    return Response(
        None,
        status_code=201,
        headers=_tus(
            {
                "Location": f"{UPLOADS}/{upload.id}",
                "Upload-Offset": "0",
                "Upload-Expires": http_date(svc.upload_expires(upload)),
            }
        ),
    )


@head(f"{UPLOADS}/{{upload_id:str}}", operation_id="tusUploadOffset", tags=["media"])
async def tus_head(request: Req, upload_id: FromPath[str]) -> Response[None]:
    """tus core: where to resume (``Upload-Offset``)."""
    check_version(request.headers.get("tus-resumable"))
    upload = await svc.get_upload(
        db_of(request),
        _runtime(request),
        user=user_of(request),
        upload_id=check_upload_id(upload_id),
        clock=clock_of(request),
    )
    headers = {
        "Upload-Offset": str(upload.offset),
        "Upload-Length": str(upload.length),
        "Upload-Expires": http_date(svc.upload_expires(upload)),
    }
    if upload.metadata_header:
        headers["Upload-Metadata"] = upload.metadata_header
    return Response(None, status_code=200, headers=_tus(headers))


@patch(f"{UPLOADS}/{{upload_id:str}}", operation_id="tusAppend", tags=["media"], request_max_body_size=None)
async def tus_patch(request: Req, upload_id: FromPath[str]) -> Response[None]:
    """tus core + checksum: append bytes at ``Upload-Offset``; the last byte verifies and stores the blob."""
    check_version(request.headers.get("tus-resumable"))
    if (request.headers.get("content-type") or "").split(";")[0].strip().lower() != OFFSET_CONTENT_TYPE:
        raise TusError(415, "content_type", f"PATCH needs Content-Type: {OFFSET_CONTENT_TYPE}")
    offset = parse_non_negative_int(request.headers.get("upload-offset"), "Upload-Offset")
    checksum = parse_checksum(request.headers.get("upload-checksum"))
    raw_length = request.headers.get("content-length")
    content_length = parse_non_negative_int(raw_length, "Content-Length") if raw_length is not None else None
    stream: AsyncIterator[bytes] = request.stream()
    outcome = await svc.patch_upload(
        db_of(request),
        _runtime(request),
        user=user_of(request),
        upload_id=check_upload_id(upload_id),
        offset=offset,
        content_length=content_length,
        checksum=checksum,
        chunks=stream,
        clock=clock_of(request),
    )
    headers = {"Upload-Offset": str(outcome.upload.offset)}
    if not outcome.completed:
        headers["Upload-Expires"] = http_date(svc.upload_expires(outcome.upload))
    return Response(None, status_code=204, headers=_tus(headers))


@delete(f"{UPLOADS}/{{upload_id:str}}", operation_id="tusTerminate", tags=["media"], status_code=204)
async def tus_delete(request: Req, upload_id: FromPath[str]) -> Response[None]:
    """tus termination: drop an unfinished upload."""
    check_version(request.headers.get("tus-resumable"))
    await svc.delete_upload(
        db_of(request),
        _runtime(request),
        user=user_of(request),
        upload_id=check_upload_id(upload_id),
        clock=clock_of(request),
    )
    return Response(None, status_code=204, headers=_tus())


def _ascii_fallback(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    plain = re.sub(r"[^A-Za-z0-9._ -]", "_", plain).strip(" .") or "evidence"
    return plain[:150]


def content_disposition(filename: str, *, inline: bool) -> str:
    """A header that no filename can break out of (RFC 6266 / RFC 8187)."""
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{_ascii_fallback(filename)}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _security_headers() -> dict[str, str]:
    return {
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cross-Origin-Resource-Policy": "same-origin",
        "Cache-Control": "private, no-store",
    }


@get("/api/media/{sha256:str}", operation_id="getMedia", tags=["media"])
async def get_media(
    request: Req,
    sha256: FromPath[str],
    case_id: FromQuery[str | None] = None,
    download: FromQuery[bool] = False,
) -> Response[Any]:
    """The original bytes (Range supported); every read is a ``media_view`` entry on the trail."""
    rt = _runtime(request)
    try:
        access = await access_svc.open_media(
            db_of(request),
            user=user_of(request),
            sha256=sha256,
            case_id=case_id,
            range_header=request.headers.get("range"),
            variant="original",
            clock=clock_of(request),
        )
    except access_svc.RangeNotSatisfiable as exc:
        response = problem(416, "range_not_satisfiable", "请求的字节范围无效")
        response.headers.update({"Content-Range": f"bytes */{exc.size}", **_security_headers()})
        return response
    blob = access.blob
    safe = bool(INLINE_SAFE.match(blob.content_type))
    headers = {
        **_security_headers(),
        "Accept-Ranges": "bytes",
        "Content-Length": str(access.stop - access.start),
        "Content-Disposition": content_disposition(blob.filename, inline=safe and not download),
        "ETag": f'"{blob.sha256}"',
    }
    if access.partial:
        headers["Content-Range"] = f"bytes {access.start}-{access.stop - 1}/{blob.size}"
    return Stream(
        rt.store.read(original_key(blob.sha256), access.start, access.stop),
        status_code=206 if access.partial else 200,
        media_type=blob.content_type if safe else "application/octet-stream",
        headers=headers,
    )


@get("/api/media/{sha256:str}/thumb", operation_id="getMediaThumb", tags=["media"])
async def get_media_thumb(
    request: Req, sha256: FromPath[str], case_id: FromQuery[str | None] = None
) -> Response[Any]:
    """A derived JPEG thumbnail (orientation applied, EXIF stripped); the view is logged too."""
    rt = _runtime(request)
    access = await access_svc.open_media(
        db_of(request),
        user=user_of(request),
        sha256=sha256,
        case_id=case_id,
        range_header=None,
        variant="thumb",
        clock=clock_of(request),
    )
    key = derivative_key(access.blob.sha256, "thumb")
    size = await rt.store.stat(key)
    if size is None:
        return problem(404, "thumbnail_not_ready", "缩略图尚未生成或该文件无缩略图")
    return Stream(
        rt.store.read(key),
        status_code=200,
        media_type="image/jpeg",
        headers={
            **_security_headers(),
            "Content-Length": str(size),
            "Content-Disposition": content_disposition("thumb.jpg", inline=True),
        },
    )


ROUTES: list[Any] = [
    Router(
        path="/",
        route_handlers=[tus_options, tus_create, tus_head, tus_patch, tus_delete, get_media, get_media_thumb],
        exception_handlers={TusError: _tus_error, DomainError: _domain_error},
    )
]

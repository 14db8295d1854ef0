"""Serve the built PWA (pwa/dist) at ``/`` with an app-shell fallback."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any

from litestar import Request, Response, get
from litestar.response import File

from backend.errors import NotFound

DIST = Path(__file__).resolve().parents[2] / "pwa" / "dist"
NO_CACHE = {"sw.js", "index.html", "manifest.webmanifest", "registerSW.js"}
mimetypes.add_type("application/manifest+json", ".webmanifest")
mimetypes.add_type("text/javascript", ".js")


def _file(path: Path) -> File:
    name = path.name
    if name in NO_CACHE:
        cache = "no-cache"
    elif "/assets/" in path.as_posix():
        cache = "public, max-age=31536000, immutable"
    else:
        cache = "public, max-age=3600"
    media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return File(
        path=path,
        media_type=media_type,
        content_disposition_type="inline",
        headers={"Cache-Control": cache, "X-Content-Type-Options": "nosniff"},
    )


@get(["/", "/{path:path}"], exclude_from_auth=True, include_in_schema=False)
async def pwa(request: Request[Any, Any, Any], path: str = "/") -> File | Response[str]:
    rel = path.lstrip("/")
    if rel.startswith(("api/", "schema/")) or rel in {"api", "schema"}:
        raise NotFound("not_found", "接口不存在")
    if not DIST.is_dir():
        return Response(
            "<h1>留痕</h1><p>前端尚未构建：请运行 README 中的启动命令（会执行 npm run build）。</p>",
            media_type="text/html",
            status_code=503,
        )
    target = (DIST / rel).resolve() if rel else DIST / "index.html"
    if DIST.resolve() in target.parents and target.is_file():
        return _file(target)
    if "." in rel.rsplit("/", 1)[-1]:
        raise NotFound("not_found", "文件不存在")
    return _file(DIST / "index.html")


ROUTES = [pwa]

"""Application factory: wiring only."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Litestar
from litestar.datastructures import State
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme

from backend import media_service
from backend.auth.middleware import AuthMiddleware
from backend.clock import Clock, SystemClock
from backend.db.engine import Database
from backend.http import auth, cases, media, static, sync
from backend.http.problems import EXCEPTION_HANDLERS
from backend.settings import Settings, get_settings

AUTH_EXCLUDE = [r"^/schema"]  # handlers that need no login say so with exclude_from_auth=True


def create_app(
    settings: Settings | None = None, *, clock: Clock | None = None, database: Database | None = None
) -> Litestar:
    """Build the Litestar app; the schema must already be migrated (``liuhen serve`` does that)."""
    settings = settings or get_settings()
    db = database or Database(settings.database_url)

    async def _dispose(app: Litestar) -> None:
        await media_service.shutdown(app.state)  # background thumbnail jobs, store connections
        if database is None:
            await db.dispose()

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    return Litestar(
        route_handlers=[*auth.ROUTES, *cases.ROUTES, *sync.ROUTES, *media.ROUTES, *static.ROUTES],
        middleware=[DefineMiddleware(AuthMiddleware, exclude=AUTH_EXCLUDE)],
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        state=State({"settings": settings, "db": db, "clock": clock or SystemClock()}),
        request_max_body_size=settings.max_body_bytes,
        on_shutdown=[_dispose],
        openapi_config=OpenAPIConfig(
            title="Liuhen 留痕 API",
            version="0.1.0",
            path="/schema",
            components=Components(
                security_schemes={
                    "session": SecurityScheme(
                        type="apiKey", name="liuhen_session", security_scheme_in="cookie"
                    ),
                    "bearer": SecurityScheme(type="http", scheme="bearer"),
                }
            ),
            security=[{"session": []}, {"bearer": []}],
        ),
        debug=False,
    )


def app_from_env() -> Any:
    """Entry for ASGI servers: ``uvicorn --factory backend.app:app_from_env``."""
    return create_app()

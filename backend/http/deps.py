"""Small accessors for what handlers need from the app state."""

from __future__ import annotations

from typing import Any

from litestar import Request

from backend.access import AuthUser
from backend.clock import Clock
from backend.db.engine import Database
from backend.settings import Settings


def db_of(request: Request[Any, Any, Any]) -> Database:
    db: Database = request.app.state.db
    return db


def clock_of(request: Request[Any, Any, Any]) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


def settings_of(request: Request[Any, Any, Any]) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def user_of(request: Request[Any, Any, Any]) -> AuthUser:
    user = request.user
    assert isinstance(user, AuthUser)
    return user

"""The async engine, read sessions and serialised write transactions."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

# Key of the PostgreSQL advisory lock that serialises trail-writing transactions (ASCII "LIUHEN").
TRAIL_LOCK_KEY = 0x4C495548454E
# Marks a session opened by Database.write(): only those may append to a trail.
WRITE_LOCKED = "liuhen_write_locked"


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """Create the engine; SQLite gets WAL, foreign keys and a busy timeout on every connection."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    kwargs.setdefault("pool_size", 20)
    kwargs.setdefault("max_overflow", 20)
    # No pre-ping: it costs a round trip per checkout (twice per request). A connection broken by a database
    # restart fails one request and is invalidated; recycling bounds how long idle connections live.
    kwargs.setdefault("pool_recycle", 1800)
    return create_async_engine(url, **kwargs)


class Database:
    """Sessions for one database.

    Every transaction that appends to a trail goes through :meth:`write`, which serialises them:
    a transaction-level advisory lock on PostgreSQL (across processes), one writer at a time on SQLite.
    Serialising makes the global sequence equal commit order, so a pull cursor can never skip an entry
    that commits late, and per-case chains never fork.
    """

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.is_sqlite = url.startswith("sqlite")
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False, class_=AsyncSession)
        self._sqlite_writer = asyncio.Lock()

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session for reads (and writes that touch no trail)."""
        async with self._sessions() as session:
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A serialised transaction that commits on success and rolls back on error."""
        async with contextlib.AsyncExitStack() as stack:
            if self.is_sqlite:
                await stack.enter_async_context(self._sqlite_writer)
            session = await stack.enter_async_context(self._sessions())
            session.info[WRITE_LOCKED] = True
            if self.is_sqlite:
                await session.execute(text("SELECT 1"))
            else:
                await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": TRAIL_LOCK_KEY})
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    async def ping(self) -> bool:
        """True when the database answers."""
        try:
            async with self._sessions() as session:
                await session.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    async def dispose(self) -> None:
        await self.engine.dispose()

"""Shared fixtures: a migrated database with demo data on SQLite and PostgreSQL, the app, clients.

Every test that takes ``db`` runs once per backend. Each test gets its own copy of a migrated demo
database (a copied SQLite file, or ``CREATE DATABASE … TEMPLATE`` on PostgreSQL), so tests never
share state and the append-only trail never needs cleaning.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.app import create_app
from backend.clock import SystemClock
from backend.db.engine import Database
from backend.db.migrate import upgrade
from backend.demo import DEMO_PASSWORD, create_demo
from backend.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT.parent / "shared" / "fixtures"
PG_ADMIN_DSN = os.environ.get("LIUHEN_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
PG_ASYNC_BASE = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
BACKENDS = [b for b in os.environ.get("LIUHEN_TEST_BACKENDS", "sqlite,postgres").split(",") if b]


def _pg_exec(sql: str) -> None:
    async def run() -> None:
        import asyncpg

        conn = await asyncpg.connect(PG_ADMIN_DSN)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    _run(run)


def _run(factory: Any) -> None:
    """Run a coroutine factory to completion, also when this thread already runs a loop
    (session fixtures can be set up from inside an async test, or after Playwright's sync API)."""
    if _loop_running():
        _in_thread(factory)
    else:
        asyncio.run(factory())


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _in_thread(factory: Any) -> None:
    import threading

    errors: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(factory())
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


def pg_create(name: str, template: str | None = None) -> str:
    _pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _pg_exec(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return f"{PG_ASYNC_BASE}/{name}"


def pg_drop(name: str) -> None:
    _pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _seed(url: str) -> None:
    upgrade(url)

    async def run() -> None:
        db = Database(url)
        try:
            await create_demo(db, SystemClock())
        finally:
            await db.dispose()

    _run(run)


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """One migrated demo database per backend, copied for each test."""
    out: dict[str, str] = {}
    base = tmp_path_factory.mktemp("template")
    if "sqlite" in BACKENDS:
        path = base / "liuhen.sqlite3"
        _seed(f"sqlite+aiosqlite:///{path}")
        out["sqlite"] = str(path)
    pg_template = f"liuhen_tpl_{os.getpid()}"
    if "postgres" in BACKENDS:
        url = pg_create(pg_template)
        _seed(url)
        out["postgres"] = pg_template
    yield out
    if "postgres" in BACKENDS:
        pg_drop(pg_template)


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, templates: dict[str, str], tmp_path: Path) -> Iterator[str]:
    """URL of a fresh demo database on each backend."""
    if request.param == "sqlite":
        target = tmp_path / "data" / "liuhen.sqlite3"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(templates["sqlite"], target)
        yield f"sqlite+aiosqlite:///{target}"
        return
    name = f"liuhen_t_{uuid.uuid4().hex[:12]}"
    url = pg_create(name, template=templates["postgres"])
    yield url
    pg_drop(name)


@pytest.fixture
def pg_url(templates: dict[str, str]) -> Iterator[str]:
    """A fresh demo database on PostgreSQL only (for multi-process scale-out tests)."""
    if "postgres" not in BACKENDS:
        pytest.skip("PostgreSQL not selected in LIUHEN_TEST_BACKENDS")
    name = f"liuhen_p_{uuid.uuid4().hex[:12]}"
    url = pg_create(name, template=templates["postgres"])
    yield url
    pg_drop(name)


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    data_dir = tmp_path / "data"
    data_dir.mkdir(exist_ok=True)
    base = load_settings()
    return replace(
        base,
        data_dir=data_dir,
        database_url=db_url,
        media_url=(data_dir / "media").as_uri(),
        cookie_secure=True,
    )


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    database = Database(settings.database_url)
    yield database
    await database.dispose()


@pytest.fixture
def app(settings: Settings) -> Litestar:
    # The app owns its engine: the test client runs the app on its own event loop, and pooled
    # connections must not cross loops. Tests that touch the database directly use ``db``.
    return create_app(settings)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=app, base_url="https://testserver.local") as c:
        yield c


async def bearer(client: AsyncTestClient[Litestar], username: str) -> dict[str, str]:
    """Authorization header for a demo user."""
    response = await client.post("/api/auth/token", json={"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 201 or response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
def run_cli(settings: Settings) -> Any:
    """Run the real ``liuhen`` command against this test's database."""

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        env = {
            **os.environ,
            "LIUHEN_DATA_DIR": str(settings.data_dir),
            "LIUHEN_DATABASE_URL": settings.database_url,
        }
        return subprocess.run(
            [
                str(ROOT / ".venv" / "bin" / "liuhen")
                if (ROOT / ".venv" / "bin" / "liuhen").exists()
                else "liuhen",
                *args,
            ],
            input=stdin,
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )

    return run

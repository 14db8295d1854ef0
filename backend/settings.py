"""One settings object, read from ``LIUHEN_*`` environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path


def _env(name: str, default: str) -> str:
    return os.environ.get(f"LIUHEN_{name}", default)


def _env_bool(name: str, default: bool) -> bool:
    return _env(name, "true" if default else "false").strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    """Runtime configuration of one Liuhen process."""

    data_dir: Path
    """Directory holding the SQLite database, media, keys and upload state (embedded default)."""
    database_url: str
    """SQLAlchemy async URL; SQLite in ``data_dir`` unless ``LIUHEN_DATABASE_URL`` says otherwise."""
    media_url: str
    """Blob store: ``file://…`` (default, under ``data_dir/media``) or ``s3://bucket/prefix``."""
    cookie_secure: bool = True
    """Mark the session cookie ``Secure``; switch off only for plain-HTTP development."""
    session_ttl_seconds: int = 12 * 3600
    """Lifetime of a browser session and of a bearer token."""
    login_max_failures: int = 5
    """Failed logins per username (and per client address) within the window before 429."""
    login_window_seconds: int = 300
    """Window for counting failed logins."""
    max_body_bytes: int = 2 * 1024 * 1024
    """Largest JSON request body accepted (uploads have their own limit)."""
    max_upload_bytes: int = 4 * 1024 * 1024 * 1024
    """Largest single media upload."""
    clock_drift_seconds: int = 300
    """Device clock differing from server time by more than this is flagged on the entry."""
    extra: dict[str, str] = field(default_factory=dict)
    """Unparsed ``LIUHEN_*`` variables, for capabilities with settings of their own."""

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings() -> Settings:
    """Read settings from the environment (no caching; tests call this directly)."""
    data_dir = Path(_env("DATA_DIR", str(Path.cwd() / ".liuhen-data"))).resolve()
    database_url = _env("DATABASE_URL", f"sqlite+aiosqlite:///{data_dir / 'liuhen.sqlite3'}")
    media_url = _env("MEDIA_URL", (data_dir / "media").as_uri())
    extra = {k[len("LIUHEN_") :]: v for k, v in os.environ.items() if k.startswith("LIUHEN_")}
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        media_url=media_url,
        cookie_secure=_env_bool("COOKIE_SECURE", True),
        session_ttl_seconds=int(_env("SESSION_TTL_SECONDS", str(12 * 3600))),
        login_max_failures=int(_env("LOGIN_MAX_FAILURES", "5")),
        login_window_seconds=int(_env("LOGIN_WINDOW_SECONDS", "300")),
        max_body_bytes=int(_env("MAX_BODY_BYTES", str(2 * 1024 * 1024))),
        max_upload_bytes=int(_env("MAX_UPLOAD_BYTES", str(4 * 1024 * 1024 * 1024))),
        clock_drift_seconds=int(_env("CLOCK_DRIFT_SECONDS", "300")),
        extra=extra,
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, loaded once."""
    return load_settings()

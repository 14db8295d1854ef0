"""The one error shape: domain errors that become RFC 9457 problem details at the edge."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A refused command: ``code`` is stable for machines, ``detail`` is for people."""

    status = 422

    def __init__(self, code: str, detail: str, *, status: int | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        if status is not None:
            self.status = status
        self.extra = extra


class NotFound(DomainError):
    """The thing does not exist, or the caller may not know that it does."""

    status = 404


class Forbidden(DomainError):
    """The caller is known but not allowed."""

    status = 403


class Conflict(DomainError):
    """The request conflicts with the current state."""

    status = 409

"""HTTP endpoints of the sync capability (DESIGN §4): thin, the rules are in ``sync/`` and the service."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import Request, Response, get, post
from litestar.params import JSONBody, Parameter
from pydantic import BaseModel, ConfigDict, Field

from backend import sync_service
from backend.errors import DomainError
from backend.http.deps import clock_of, db_of, settings_of, user_of
from sync.op import (
    HLC_RE,
    KIND_RE,
    MAX_MEDIA,
    MAX_SAFE_INT,
    RFC3339_RE,
    SHA256_RE,
    SIGNATURE_RE,
    UUID7_RE,
    UUID_RE,
)


class DeviceRegistration(BaseModel):
    """Register the device's ECDSA P-256 public key (SPKI DER, base64) for the signed-in user."""

    model_config = ConfigDict(extra="forbid")

    device_id: str = Field(pattern=UUID_RE)
    public_key: str = Field(min_length=40, max_length=400, description="base64 of the SPKI DER public key")
    label: str | None = Field(default=None, max_length=200)


class SyncLocation(BaseModel):
    """Where the device was when the op was made."""

    model_config = ConfigDict(extra="allow")

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    accuracy: float | None = Field(default=None, ge=0)
    source: str | None = Field(default=None, max_length=40)


class SyncOp(BaseModel):
    """One signed op (the same shape as ``sync/op.schema.json``)."""

    model_config = ConfigDict(extra="forbid", title="SyncOp")

    op_id: str = Field(pattern=UUID7_RE, description="UUIDv7, lowercase")
    device_id: str = Field(pattern=UUID_RE)
    device_seq: int = Field(ge=1, le=MAX_SAFE_INT)
    case_id: str = Field(pattern=UUID_RE)
    kind: str = Field(pattern=KIND_RE)
    base_seq: int = Field(ge=0, le=MAX_SAFE_INT, description="last case_seq the device had seen")
    payload: dict[str, Any]
    media: list[str] = Field(max_length=MAX_MEDIA, json_schema_extra={"items": {"pattern": SHA256_RE}})
    device_time: str = Field(pattern=RFC3339_RE)
    hlc: str = Field(pattern=HLC_RE, description="'{physical_ms:015d}:{counter:05d}:{node}'")
    location: SyncLocation | None
    signature: str = Field(
        pattern=SIGNATURE_RE,
        description="base64url (no padding) of the raw r||s P-256 signature over RFC 8785 of the op "
        "without `signature`",
    )


class PushRequest(BaseModel):
    """A batch of ops from one device, in device_seq order."""

    model_config = ConfigDict(extra="forbid")

    device_id: str = Field(pattern=UUID_RE)
    ops: list[SyncOp] = Field(max_length=sync_service.MAX_BATCH)
    device_now: str | None = Field(
        default=None, pattern=RFC3339_RE, description="the device clock at sending, to measure drift"
    )


class OpAnswer(BaseModel):
    """What became of one op."""

    op_id: str
    device_seq: int
    status: Literal["applied", "merged", "conflict", "rejected", "duplicate"]
    seq: int
    case_seq: int
    hash: str
    reason: str | None = None
    code: str | None = None
    original_status: Literal["applied", "merged", "conflict", "rejected"] | None = None


class PushResponse(BaseModel):
    results: list[OpAnswer]
    last_acked_seq: int


@post("/api/devices", operation_id="registerDevice", tags=["sync"], status_code=201)
async def register_device(
    request: Request[Any, Any, Any], data: JSONBody[DeviceRegistration]
) -> dict[str, Any]:
    """Register (or re-register) this device's public key for the signed-in user."""
    return await sync_service.register_device(
        db_of(request),
        user=user_of(request),
        device_id=data.device_id,
        public_key=data.public_key,
        label=data.label,
        clock=clock_of(request),
    )


@post("/api/sync/push", operation_id="syncPush", tags=["sync"], status_code=200)
async def push(request: Request[Any, Any, Any], data: JSONBody[PushRequest]) -> Response[PushResponse]:
    """Answer each op once: applied, merged, conflict, rejected, or duplicate (a retry)."""
    raw_ops = [op.model_dump(mode="json", exclude_unset=False) for op in data.ops]
    for raw, op in zip(raw_ops, data.ops, strict=True):
        # The signature covers exactly what the device sent: keep location members as sent.
        raw["location"] = (
            None if op.location is None else op.location.model_dump(mode="json", exclude_unset=True)
        )
    outcome = await sync_service.push(
        db_of(request),
        user=user_of(request),
        device_id=data.device_id,
        raw_ops=raw_ops,
        clock=clock_of(request),
        settings=settings_of(request),
        device_now=data.device_now,
    )
    results = [OpAnswer.model_validate(r.to_json()) for r in outcome.results]
    if outcome.expected_seq is not None:
        raise DomainError(
            "device_seq_gap",
            f"设备操作序号不连续：应从 {outcome.expected_seq} 开始",
            status=409,
            expected_seq=outcome.expected_seq,
            last_acked_seq=outcome.last_acked_seq,
            results=[r.model_dump(mode="json", exclude_none=True) for r in results],
        )
    return Response(PushResponse(results=results, last_acked_seq=outcome.last_acked_seq))


@get("/api/sync/pull", operation_id="syncPull", tags=["sync"])
async def pull(
    request: Request[Any, Any, Any],
    cursor: Annotated[int, Parameter(ge=0)] = 0,
    limit: Annotated[int, Parameter(ge=1, le=1000)] = 500,
    device_id: Annotated[str | None, Parameter(pattern=UUID_RE)] = None,
) -> dict[str, Any]:
    """Entries after the cursor that the caller may see; ``more`` says another page is waiting."""
    return await sync_service.pull(
        db_of(request), user=user_of(request), cursor=cursor, limit=limit, device_id=device_id
    )


ROUTES: list[Any] = [register_device, push, pull]

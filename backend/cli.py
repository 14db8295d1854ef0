"""The ``liuhen`` command (DESIGN §9): serve, demo, user create, verify, migrate."""

from __future__ import annotations

import argparse
import asyncio
import sys

from backend.clock import SystemClock
from backend.db.engine import Database
from backend.db.migrate import upgrade
from backend.settings import Settings, get_settings


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from backend.app import create_app

    upgrade(settings.database_url)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    print(
        f"留痕 Liuhen listening on http://{args.host}:{args.port}/  (data: {settings.data_dir})", flush=True
    )
    if args.workers > 1:
        if settings.is_sqlite:
            print("error: --workers > 1 needs PostgreSQL (LIUHEN_DATABASE_URL)", file=sys.stderr)
            return 2
        # Several processes on one port: the scale-out shape, each worker reading the same settings.
        uvicorn.run(
            "backend.app:app_from_env",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            log_level="warning",
            timeout_graceful_shutdown=5,
        )
        return 0
    uvicorn.run(
        create_app(settings), host=args.host, port=args.port, log_level="warning", timeout_graceful_shutdown=5
    )
    return 0


async def _demo(settings: Settings) -> int:
    from backend.demo import DEMO_PASSWORD, create_demo

    upgrade(settings.database_url)
    db = Database(settings.database_url)
    try:
        logins = await create_demo(db, SystemClock())
    finally:
        await db.dispose()
    print(f"演示数据已就绪 / demo data ready. Logins (password for all: {DEMO_PASSWORD}):")
    for username, role, department in logins:
        print(f"  {username:<12} {role:<15} {department}")
    return 0


async def _user_create(settings: Settings, args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from backend.auth.service import create_user
    from backend.db.models import Department, Region
    from backend.errors import DomainError
    from backend.procedures.service import ensure_system_templates

    password = sys.stdin.readline().rstrip("\n")
    upgrade(settings.database_url)
    db = Database(settings.database_url)
    try:
        async with db.write() as session:
            department = await session.get(Department, args.department) or await session.scalar(
                select(Department).where(Department.name == args.department)
            )
            if department is None:
                if await session.scalar(select(Department)) is not None:
                    print(f"error: no department {args.department!r}", file=sys.stderr)
                    return 2
                # First start: bootstrap the department (and a region) so the first admin can sign in.
                from backend.ids import uuid7

                region = Region(id=str(uuid7()), name=args.region)
                session.add(region)
                await session.flush()
                department = Department(
                    id=str(uuid7()),
                    name=args.department,
                    case_prefix=args.case_prefix,
                    system=args.system,
                    region_id=region.id,
                )
                session.add(department)
                await session.flush()
                await ensure_system_templates(session, department.system)
            try:
                user = await create_user(
                    session,
                    username=args.username,
                    password=password,
                    role=args.role,
                    department_id=department.id,
                    display_name=args.display_name,
                    certificate_no=args.certificate_no,
                    legal_qualified=args.legal_qualified,
                    clock=SystemClock(),
                )
            except DomainError as exc:
                print(f"error: {exc.detail}", file=sys.stderr)
                return 2
        print(f"created user {user.username} ({user.role}) in {department.name}: {user.id}")
    finally:
        await db.dispose()
    return 0


async def _verify(settings: Settings) -> int:
    from backend.trail.verify import verify_all

    db = Database(settings.database_url)
    try:
        async with db.session() as session:
            cases, entries, findings = await verify_all(session)
    finally:
        await db.dispose()
    for finding in findings:
        print(f"TAMPERED {finding}")
    status = "FAILED" if findings else "OK"
    print(f"verify {status}: {cases} cases, {entries} entries, {len(findings)} findings")
    return 1 if findings else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="liuhen", description="留痕 Liuhen — case trails for law enforcement"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the server (migrates the database first)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--workers", type=int, default=1, help="worker processes (more than 1 needs PostgreSQL)"
    )
    sub.add_parser("demo", help="create demo departments, users and cases; print the logins")
    sub.add_parser("migrate", help="apply pending database migrations")
    sub.add_parser("verify", help="verify every case chain; non-zero exit on any finding")
    user = sub.add_parser("user", help="manage users")
    user_sub = user.add_subparsers(dest="user_command", required=True)
    create = user_sub.add_parser("create", help="create a user (password on stdin)")
    create.add_argument("--username", required=True)
    create.add_argument("--role", required=True)
    create.add_argument("--department", required=True, help="department id or name")
    create.add_argument("--display-name")
    create.add_argument("--certificate-no")
    create.add_argument("--legal-qualified", action="store_true")
    create.add_argument("--region", default="嘉兴市", help="region of a bootstrapped first department")
    create.add_argument("--system", default="market", help="system of a bootstrapped first department")
    create.add_argument(
        "--case-prefix", default="嘉市监罚", help="case-number prefix of a bootstrapped department"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = get_settings()
    if args.command == "serve":
        return _serve(settings, args)
    if args.command == "demo":
        return asyncio.run(_demo(settings))
    if args.command == "migrate":
        upgrade(settings.database_url)
        return 0
    if args.command == "verify":
        return asyncio.run(_verify(settings))
    return asyncio.run(_user_create(settings, args))


if __name__ == "__main__":
    sys.exit(main())

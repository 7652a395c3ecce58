"""What the operator commands share: finding chand's socket and asking it one thing."""
from __future__ import annotations

import argparse
import asyncio
import os
import sys
from typing import Any


def add_config_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", default=os.environ.get("TELEPHONIST_CONFIG", "/etc/telephonist/telephonist.toml"))
    p.add_argument("--socket", default=None, help="chand's control socket (default: from the configuration)")


def socket_path(args: argparse.Namespace) -> str:
    if args.socket:
        return args.socket
    from telephonist.config import load_config
    return load_config(args.config).control.socket


async def ask(args: argparse.Namespace, cmd: str, role: str = "monitor", **params: Any) -> dict[str, Any]:
    from telephonist.client import Client
    c = await Client.connect_unix(socket_path(args), app="cli", role=role)
    try:
        return await c.call(cmd, **params)
    finally:
        await c.close()


def run_request(args: argparse.Namespace, cmd: str, role: str = "monitor", **params: Any) -> dict[str, Any] | None:
    from telephonist.client import ApiCallError
    try:
        return asyncio.run(ask(args, cmd, role, **params))
    except (FileNotFoundError, ConnectionRefusedError):
        print("telephonist: chand is not running (no control socket)", file=sys.stderr)
    except ApiCallError as exc:
        print(f"telephonist: {exc}", file=sys.stderr)
    return None

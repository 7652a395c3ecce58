"""Accept control-API connections and turn each JSON line into a command.

Malformed JSON, unknown commands and refused commands get an error reply;
the connection and the daemon go on. The Unix socket is the trusted path
(its file mode and group gate who may connect); TCP needs a token.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import ssl
from typing import TYPE_CHECKING, Any, Callable, ContextManager

from telephonist.chand.api.errors import ApiError
from telephonist.chand.api.session import Session

if TYPE_CHECKING:
    from telephonist.chand.switchboard import Switchboard

log = logging.getLogger(__name__)
MAX_LINE = 1 << 20


class ApiServer:
    def __init__(self, board: "Switchboard", hold_clock: Callable[[], ContextManager] | None = None) -> None:
        self.board = board
        self.hold_clock = hold_clock or contextlib.nullcontext   # lockstep: a command happens at one engine time
        self.servers: list[asyncio.AbstractServer] = []
        self.sessions: set[Session] = set()

    async def listen_unix(self, path: str, mode: int = 0o660, group: str | None = None) -> None:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        if os.path.exists(path):
            os.unlink(path)
        server = await asyncio.start_unix_server(lambda r, w: self._serve(r, w, trusted=True), path=path,
                                                 limit=MAX_LINE)
        os.chmod(path, mode)
        if group:
            import grp
            os.chown(path, -1, grp.getgrnam(group).gr_gid)
        self.servers.append(server)
        log.info("event=api_listening socket=%s", path)

    async def listen_tcp(self, host: str, port: int, tls: ssl.SSLContext | None = None) -> int:
        server = await asyncio.start_server(lambda r, w: self._serve(r, w, trusted=False), host=host, port=port,
                                            ssl=tls, limit=MAX_LINE)
        self.servers.append(server)
        bound = server.sockets[0].getsockname()[1]
        log.info("event=api_listening tcp=%s:%s tls=%s", host, bound, bool(tls))
        return bound

    async def close(self) -> None:
        for s in self.servers:
            s.close()
        for sess in list(self.sessions):
            sess.closed = True
            sess.writer.close()
        for s in self.servers:
            await s.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, trusted: bool) -> None:
        peer = str(writer.get_extra_info("peername") or "unix")
        sess = Session(writer, peer, trusted)
        self.sessions.add(sess)
        log.info("event=api_connect session=%s peer=%s", sess.id, peer)
        try:
            while not sess.closed:
                try:
                    raw = await reader.readline()
                except (ValueError, asyncio.LimitOverrunError):
                    sess.send({"reply": None, "ok": False,
                               "error": {"code": "bad_request", "message": "line longer than 1 MiB"}})
                    break
                except (ConnectionError, asyncio.CancelledError):
                    break
                if not raw:
                    break
                if raw.strip():
                    self._handle_line(sess, raw)
                    await writer.drain()
        finally:
            sess.closed = True
            self.sessions.discard(sess)
            log.info("event=api_disconnect session=%s app=%s", sess.id, sess.app)
            self.board.session_gone(sess, "disconnected")
            try:
                writer.close()
            except Exception:  # the peer may already be gone
                pass

    def _handle_line(self, sess: Session, raw: bytes) -> None:
        try:
            msg = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            sess.send({"reply": None, "ok": False, "error": {"code": "bad_json", "message": f"malformed JSON: {exc}"}})
            return
        if not isinstance(msg, dict):
            sess.send({"reply": None, "ok": False,
                       "error": {"code": "bad_request", "message": "a message is a JSON object"}})
            return
        if "ack" in msg and "cmd" not in msg:
            if isinstance(msg["ack"], int):
                sess.ack(msg["ack"])
                self.board.acked(sess)
            return
        req_id = msg.get("id")
        try:
            with self.hold_clock():
                result = self.board.command(sess, msg)
        except ApiError as exc:
            sess.send({"reply": req_id, "ok": False, "error": {"code": exc.code, "message": exc.message}})
        except Exception as exc:  # a bug must not take the connection or the daemon down
            log.exception("event=api_command_failed session=%s cmd=%s", sess.id, msg.get("cmd"))
            sess.send({"reply": req_id, "ok": False, "error": {"code": "internal", "message": str(exc)}})
        else:
            reply: dict[str, Any] = {"reply": req_id, "ok": True}
            if result:
                reply.update(result)
            sess.send(reply)

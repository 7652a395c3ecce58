"""Accept control-API connections and turn each JSON line into a command.

Malformed JSON, unknown commands and refused commands get an error reply;
the connection and the daemon go on. The Unix socket is the trusted path
(its file mode and group gate who may connect); TCP needs a token. Until a
connection has said hello it may send only short lines and has a few
seconds to do so; connections beyond the cap are turned away at once.
"""
from __future__ import annotations

import asyncio
import contextlib
import inspect
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
MAX_LINE = 1 << 20              # a command line after hello
HELLO_LINE = 4096               # before it
READ_CHUNK = 65536


class LineTooLong(Exception):
    pass


class ApiServer:
    def __init__(self, board: "Switchboard", hold_clock: Callable[[], ContextManager] | None = None,
                 max_connections: int = 256, hello_timeout_s: float = 5.0) -> None:
        self.board = board
        self.hold_clock = hold_clock or contextlib.nullcontext   # lockstep: a command happens at one engine time
        self.max_connections = max_connections
        self.hello_timeout_s = hello_timeout_s
        self.servers: list[asyncio.AbstractServer] = []
        self.sessions: set[Session] = set()
        self._serving: set[asyncio.Task] = set()     # one per connection, until its session is wound up

    async def listen_unix(self, path: str, mode: int = 0o660, group: str | None = None) -> None:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        if os.path.exists(path):
            os.unlink(path)
        server = await asyncio.start_unix_server(lambda r, w: self._serve(r, w, trusted=True), path=path,
                                                 limit=READ_CHUNK)
        os.chmod(path, mode)
        if group:
            import grp
            os.chown(path, -1, grp.getgrnam(group).gr_gid)
        self.servers.append(server)
        log.info("event=api_listening socket=%s", path)

    async def listen_tcp(self, host: str, port: int, tls: ssl.SSLContext | None = None) -> int:
        server = await asyncio.start_server(lambda r, w: self._serve(r, w, trusted=False), host=host, port=port,
                                            ssl=tls, limit=READ_CHUNK)
        self.servers.append(server)
        bound = server.sockets[0].getsockname()[1]
        log.info("event=api_listening tcp=%s:%s tls=%s", host, bound, bool(tls))
        return bound

    async def close(self) -> None:
        """Stop listening, close every connection and wait until each session is wound up (its calls
        given the fallback), so that nothing acts on the engine after this returns."""
        for s in self.servers:
            s.close()
        for sess in list(self.sessions):
            sess.closed = True
            sess.writer.close()
        if self._serving:
            await asyncio.wait(list(self._serving), timeout=10)
        for s in self.servers:
            await s.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, trusted: bool) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._serving.add(task)
            task.add_done_callback(self._serving.discard)
        peer = str(writer.get_extra_info("peername") or "unix")
        sess = Session(writer, peer, trusted)
        if len(self.sessions) >= self.max_connections:
            log.warning("event=api_refused peer=%s why=too_many_connections limit=%d", peer, self.max_connections)
            sess.send(_error(None, "unavailable", f"too many connections (limit {self.max_connections})"))
            sess.flush()
            writer.close()
            return
        self.sessions.add(sess)
        log.info("event=api_connect session=%s peer=%s", sess.id, peer)
        why = "disconnected"
        try:
            lines = self._lines(reader, sess)
            while not sess.closed:
                try:
                    if sess.role is None:
                        raw = await asyncio.wait_for(anext(lines), self._hello_left(sess))
                    else:
                        raw = await anext(lines)
                except StopAsyncIteration:
                    break
                except (TimeoutError, asyncio.TimeoutError):
                    why = "no hello"
                    log.warning("event=api_refused session=%s peer=%s why=no_hello_in_time", sess.id, peer)
                    sess.send(_error(None, "forbidden", f"say hello within {self.hello_timeout_s:g} s"))
                    break
                except LineTooLong as exc:
                    why = "line too long"
                    log.warning("event=api_refused session=%s peer=%s why=line_too_long", sess.id, peer)
                    sess.send(_error(None, "bad_request", str(exc)))
                    break
                except (ConnectionError, ssl.SSLError, asyncio.CancelledError):
                    break
                if raw.strip():
                    await self._handle_line(sess, raw)
                    await writer.drain()
        except ConnectionError:
            pass
        finally:
            for task in list(sess.tasks):
                task.cancel()
            sess.flush()
            sess.closed = True
            self.sessions.discard(sess)
            log.info("event=api_disconnect session=%s app=%s why=%s", sess.id, sess.app, why.replace(" ", "_"))
            self.board.session_gone(sess, why)
            try:
                writer.close()
            except Exception:  # the peer may already be gone
                pass

    def _hello_left(self, sess: Session) -> float:
        return max(0.0, self.hello_timeout_s - (asyncio.get_running_loop().time() - sess.connected_at))

    @staticmethod
    async def _lines(reader: asyncio.StreamReader, sess: Session):
        """The connection's lines, each at most HELLO_LINE bytes before hello and MAX_LINE after it."""
        buf = bytearray()
        while True:
            limit = MAX_LINE if sess.role is not None else HELLO_LINE
            nl = buf.find(b"\n")
            if nl < 0:
                if len(buf) > limit:
                    raise LineTooLong(f"line longer than {limit} bytes" + ("" if sess.role else " before hello"))
                chunk = await reader.read(READ_CHUNK)
                if not chunk:
                    return
                buf += chunk
                continue
            if nl > limit:
                raise LineTooLong(f"line longer than {limit} bytes" + ("" if sess.role else " before hello"))
            line = bytes(buf[:nl + 1])
            del buf[:nl + 1]
            yield line

    async def _handle_line(self, sess: Session, raw: bytes) -> None:
        try:
            msg = json.loads(raw)
        except (ValueError, RecursionError) as exc:      # JSONDecodeError, bad UTF-8, absurd numbers, deep nesting
            text = "too deeply nested" if isinstance(exc, RecursionError) else str(exc)[:200]
            sess.send(_error(None, "bad_json", f"malformed JSON: {text}"))
            return
        if not isinstance(msg, dict):
            sess.send(_error(None, "bad_request", "a message is a JSON object"))
            return
        if "ack" in msg and "cmd" not in msg:
            if isinstance(msg["ack"], int) and not isinstance(msg["ack"], bool):
                sess.ack(msg["ack"])
                self.board.acked(sess)
            return
        req_id = msg.get("id")
        if not (req_id is None or isinstance(req_id, (int, str)) and not isinstance(req_id, bool)
                and len(str(req_id)) <= 64):
            sess.send(_error(None, "bad_request", "'id' must be a number or a short string"))
            return
        try:
            with self.hold_clock():
                result = self.board.command(sess, msg)
        except Exception as exc:
            self._refused(sess, req_id, msg, exc)
            return
        if inspect.isawaitable(result):
            # an answer another application gives: the reply comes when it does, and the connection
            # (and the clock) go on meanwhile
            task = asyncio.get_running_loop().create_task(self._reply_later(sess, req_id, msg, result))
            sess.tasks.add(task)
            task.add_done_callback(sess.tasks.discard)
            return
        self._reply(sess, req_id, result)

    async def _reply_later(self, sess: Session, req_id: Any, msg: dict[str, Any], pending) -> None:
        try:
            result = await pending
        except Exception as exc:
            self._refused(sess, req_id, msg, exc)
        else:
            self._reply(sess, req_id, result)

    @staticmethod
    def _reply(sess: Session, req_id: Any, result: dict[str, Any] | None) -> None:
        reply: dict[str, Any] = {"reply": req_id, "ok": True}
        if result:
            reply.update(result)
        sess.send(reply)

    @staticmethod
    def _refused(sess: Session, req_id: Any, msg: dict[str, Any], exc: Exception) -> None:
        if isinstance(exc, ApiError):
            sess.send(_error(req_id, exc.code, exc.message))
            return
        # a bug must not take the connection or the daemon down
        log.error("event=api_command_failed session=%s cmd=%s", sess.id, str(msg.get("cmd"))[:64], exc_info=exc)
        sess.send(_error(req_id, "internal", str(exc)[:500]))


def _error(req_id: Any, code: str, message: str) -> dict[str, Any]:
    return {"reply": req_id, "ok": False, "error": {"code": code, "message": message}}

"""The login agent: a small process that keeps a signed-in user's keys in memory between commands.

`vigil login` starts it (``python -m vigil.cli.agent``) and hands it, through a pipe, the user's
name, private key, passphrase-derived key and the database key. It listens on a Unix socket in
the instance folder (owner-only), answers only processes of the same OS user (SO_PEERCRED), and
exits — removing the socket — on `vigil logout` or after the idle timeout. It writes nothing to
disk but the socket, refuses core dumps and debuggers of the same user where the system allows.

The protocol is one JSON line each way per connection: ``{"op": "keys"}`` returns the held keys
(hex) and restarts the idle clock; ``{"op": "stop"}`` answers and exits.
"""

import contextlib
import ctypes
import json
import os
import resource
import signal
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from vigil.bootstrap import HeldKeys

SOCKET_NAME = "agent.sock"
_REPLY_LIMIT = 64 * 1024
_PR_SET_DUMPABLE = 4


class AgentFailed(Exception):
    """The login agent could not be started or answered nonsense."""


def _harden() -> None:
    """No core dump, no ptrace or /proc/PID/mem reading by other processes of the same user."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)


def _peer_uid(connection: socket.socket) -> int:
    raw = connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", raw)
    return int(uid)


def _read_line(connection: socket.socket) -> bytes:
    data = b""
    while not data.endswith(b"\n") and len(data) < _REPLY_LIMIT:
        chunk = connection.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def _serve(listener: socket.socket, held: dict[str, Any], idle_seconds: float) -> None:
    deadline = time.monotonic() + idle_seconds
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return
        listener.settimeout(remaining)
        try:
            connection, _ = listener.accept()
        except TimeoutError:
            return
        with connection:
            connection.settimeout(5)
            try:
                if _peer_uid(connection) != os.getuid():
                    continue
                request = json.loads(_read_line(connection) or b"{}")
                operation = request.get("op") if isinstance(request, dict) else None
                if operation == "keys":
                    deadline = time.monotonic() + idle_seconds
                    connection.sendall(json.dumps(held).encode() + b"\n")
                elif operation == "stop":
                    connection.sendall(b'{"stopped": true}\n')
                    return
                else:
                    connection.sendall(b'{"error": "unknown request"}\n')
            except (OSError, ValueError):
                continue


def agent_main() -> None:
    """Run the agent: read keys from stdin, bind the socket, detach, serve until stopped."""
    _harden()
    request = json.loads(sys.stdin.readline())
    home = Path(request.pop("home"))
    idle_seconds = float(request.pop("idle_seconds"))
    os.umask(0o077)
    os.chdir(home)
    Path(SOCKET_NAME).unlink(missing_ok=True)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(SOCKET_NAME)
    os.chmod(SOCKET_NAME, 0o600)
    identity = os.stat(SOCKET_NAME).st_ino
    listener.listen(8)
    if os.fork() > 0:
        sys.stdout.write("ready\n")
        sys.stdout.flush()
        os._exit(0)
    os.setsid()
    devnull = os.open(os.devnull, os.O_RDWR)
    for descriptor in (0, 1, 2):
        os.dup2(devnull, descriptor)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        _serve(listener, request, idle_seconds)
    finally:
        listener.close()
        with contextlib.suppress(OSError):
            if os.stat(SOCKET_NAME).st_ino == identity:
                os.unlink(SOCKET_NAME)
        request.clear()
    os._exit(0)


def socket_path(home: Path) -> Path:
    return home / SOCKET_NAME


def _ask(home: Path, operation: str) -> dict[str, Any] | None:
    """Send one request; None when no agent listens (no socket, or a stale one)."""
    path = socket_path(home)
    if not path.exists():
        return None
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    folder = None
    try:
        client.settimeout(5)
        target = str(path)
        if len(target.encode()) > 100:
            folder = os.open(home, os.O_RDONLY)
            target = f"/proc/self/fd/{folder}/{SOCKET_NAME}"
        try:
            client.connect(target)
        except (ConnectionRefusedError, FileNotFoundError):
            return None
        if _peer_uid(client) != os.getuid():
            raise AgentFailed("the login agent's socket belongs to another user; not used")
        client.sendall(json.dumps({"op": operation}).encode() + b"\n")
        reply = json.loads(_read_line(client) or b"null")
    except (OSError, ValueError):
        raise AgentFailed("the login agent did not answer; run `vigil logout`") from None
    finally:
        client.close()
        if folder is not None:
            os.close(folder)
    return reply if isinstance(reply, dict) else None


def fetch(home: Path) -> HeldKeys | None:
    """Return the keys the agent holds, or None when no login session is running."""
    reply = _ask(home, "keys")
    if reply is None:
        return None
    try:
        key = reply.get("database_key")
        return HeldKeys(
            user=str(reply["user"]),
            private_key=bytes.fromhex(reply["private_key"]),
            kek=bytes.fromhex(reply["kek"]),
            database_key=bytes.fromhex(key) if key else None,
        )
    except (KeyError, ValueError, TypeError):
        raise AgentFailed("the login agent answered nonsense; run `vigil logout`") from None


def stop(home: Path) -> bool:
    """Ask the agent to exit; tell whether one was running. Returns once its socket is gone
    (or after two seconds), so that the next command finds no session."""
    if _ask(home, "stop") is None:
        return False
    path, waited = socket_path(home), 0.0
    while path.exists() and waited < 2.0:
        time.sleep(0.02)
        waited += 0.02
    return True


def start(home: Path, held: HeldKeys, idle_minutes: float) -> None:
    """Start an agent holding these keys; return once its socket listens."""
    request = {
        "home": str(home),
        "idle_seconds": idle_minutes * 60,
        "user": held.user,
        "private_key": held.private_key.hex(),
        "kek": held.kek.hex(),
        "database_key": held.database_key.hex() if held.database_key else None,
    }
    with subprocess.Popen(
        [sys.executable, "-m", "vigil.cli.agent"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        close_fds=True,
    ) as process:
        assert process.stdin is not None and process.stdout is not None  # noqa: S101
        try:
            process.stdin.write(json.dumps(request).encode() + b"\n")
            process.stdin.close()
        except OSError:
            pass
        ready = process.stdout.readline()
        process.wait(timeout=30)
    if ready.strip() != b"ready":
        raise AgentFailed("the login agent did not start; nothing was kept")


if __name__ == "__main__":
    agent_main()

"""A TCP forwarder a test controls, to make a real server (PostgreSQL, Redis, …) go away and come back.

    with TcpProxy("127.0.0.1", 5432) as proxy:
        url = f"postgresql://postgres@127.0.0.1:{proxy.port}/db"
        proxy.pause()           # existing connections are reset, new ones are reset as soon as accepted
        proxy.pause(hang=True)  # or a silent network: nothing gets through, nothing is closed
        proxy.resume()
        proxy.latency = 0.2     # seconds added before each forwarded chunk

The proxy listens on its port for its whole life, so nothing else can take the port during an outage
(a paused proxy therefore accepts and at once resets, rather than refusing at the TCP level).
"""

from __future__ import annotations

import select
import socket
import struct
import threading
import time
from contextlib import suppress
from types import TracebackType

_CHUNK = 65536


class TcpProxy:
    def __init__(self, target_host: str, target_port: int, *, port: int = 0, latency: float = 0.0) -> None:
        self.target = (target_host, target_port)
        self.latency = latency
        self._listener = socket.create_server(("127.0.0.1", port), backlog=128)
        self.port: int = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._pairs: set[tuple[socket.socket, socket.socket]] = set()
        self._held: set[socket.socket] = set()
        self._mode = "open"  # open | closed | hang
        self._stopping = threading.Event()
        self._accepter = threading.Thread(
            target=self._accept_loop, name=f"tcp-proxy-{self.port}", daemon=True
        )
        self._accepter.start()
        self.accepted = 0  # connections accepted in all, for tests that check reconnects

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def paused(self) -> bool:
        return self._mode != "open"

    def pause(self, *, hang: bool = False) -> None:
        """Reset every connection and each new one; with `hang`, hold all traffic instead.

        During a hang, open connections stay open and their data waits; new connections are accepted
        and held. `resume()` delivers what waited, like a network that heals.
        """
        with self._lock:
            self._mode = "hang" if hang else "closed"
            if hang:
                return
            pairs, self._pairs = self._pairs, set()
            held, self._held = self._held, set()
        for sock in [*held, *(sock for pair in pairs for sock in pair)]:
            _close(sock, reset=True)

    def resume(self) -> None:
        """Forward again (new connections, and those held during a hang)."""
        with self._lock:
            self._mode = "open"
            held, self._held = self._held, set()
        for client in held:
            threading.Thread(target=self._connect, args=(client,), daemon=True).start()

    def close(self) -> None:
        self._stopping.set()
        self.pause()
        _close(self._listener)
        self._accepter.join(timeout=5)

    def __enter__(self) -> TcpProxy:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                ready, _, _ = select.select([self._listener], [], [], 0.2)
                if not ready:
                    continue
                client, _ = self._listener.accept()
            except (OSError, ValueError):
                return
            self.accepted += 1
            with self._lock:
                mode = self._mode
                if mode == "hang":
                    self._held.add(client)
            if mode == "closed":
                _close(client, reset=True)
            elif mode == "open":
                threading.Thread(target=self._connect, args=(client,), daemon=True).start()

    def _connect(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(self.target, timeout=5)
            upstream.settimeout(None)
        except OSError:
            _close(client, reset=True)
            return
        pair = (client, upstream)
        with self._lock:
            if self._mode != "open":
                _close(client, reset=True)
                _close(upstream)
                return
            self._pairs.add(pair)
        for source, sink in ((client, upstream), (upstream, client)):
            threading.Thread(target=self._pump, args=(pair, source, sink), daemon=True).start()

    def _pump(
        self, pair: tuple[socket.socket, socket.socket], source: socket.socket, sink: socket.socket
    ) -> None:
        try:
            while True:
                data = source.recv(_CHUNK)
                if not data:
                    break
                while self._mode == "hang":
                    time.sleep(0.02)
                if self._mode == "closed" or pair not in self._pairs:
                    break
                if self.latency:
                    time.sleep(self.latency)
                sink.sendall(data)
        except OSError:
            pass
        with self._lock:
            self._pairs.discard(pair)
        for sock in pair:
            _close(sock)


def _close(sock: socket.socket, *, reset: bool = False) -> None:
    """Wake any thread blocked on the socket and close it; with `reset` the peer sees a reset."""
    with suppress(OSError):
        if reset:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.shutdown(socket.SHUT_RD)
        else:
            sock.shutdown(socket.SHUT_RDWR)
    with suppress(OSError):
        sock.close()

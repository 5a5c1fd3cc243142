"""The outage proxy the reliability tests rely on: it forwards, cuts, holds and delays."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import suppress

import pytest

from tests.tcp_proxy import TcpProxy


@pytest.fixture
def echo_port() -> Iterator[int]:
    server = socket.create_server(("127.0.0.1", 0))
    stopping = threading.Event()

    def serve(conn: socket.socket) -> None:
        with conn, suppress(OSError):  # the proxy resets connections on purpose
            while data := conn.recv(1024):
                conn.sendall(data)

    def accept() -> None:
        server.settimeout(0.2)
        while not stopping.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    yield server.getsockname()[1]
    stopping.set()
    server.close()


@pytest.fixture
def proxy(echo_port: int) -> Iterator[TcpProxy]:
    with TcpProxy("127.0.0.1", echo_port) as running:
        yield running


def exchange(sock: socket.socket, data: bytes = b"ping") -> bytes:
    sock.sendall(data)
    return sock.recv(1024)


def connect(proxy: TcpProxy, timeout: float = 2) -> socket.socket:
    return socket.create_connection(("127.0.0.1", proxy.port), timeout=timeout)


def reaches(proxy: TcpProxy) -> bool:
    """A fresh connection gets its echo (False: refused, reset or closed on the way)."""
    try:
        with connect(proxy) as sock:
            return exchange(sock) == b"ping"
    except OSError:
        return False


def test_it_forwards_both_ways(proxy: TcpProxy) -> None:
    with connect(proxy) as sock:
        assert exchange(sock) == b"ping"


def test_pause_cuts_open_connections_and_new_ones_until_resume(proxy: TcpProxy) -> None:
    sock = connect(proxy)
    assert exchange(sock) == b"ping"
    proxy.pause()
    with pytest.raises(OSError):  # reset: either the send or the receive fails
        assert exchange(sock) == b""
        exchange(sock)
    sock.close()
    assert not reaches(proxy)
    proxy.resume()
    with connect(proxy) as again:
        assert exchange(again) == b"ping"


def test_a_hang_holds_traffic_until_resume(proxy: TcpProxy) -> None:
    sock = connect(proxy, timeout=0.5)
    assert exchange(sock) == b"ping"
    proxy.pause(hang=True)
    sock.sendall(b"held")
    with pytest.raises(socket.timeout):
        sock.recv(1024)
    proxy.resume()
    sock.settimeout(2)
    assert sock.recv(1024) == b"held"
    sock.close()


def test_latency_is_added_to_each_chunk(proxy: TcpProxy) -> None:
    proxy.latency = 0.3
    with connect(proxy) as sock:
        started = time.monotonic()
        assert exchange(sock) == b"ping"
        assert time.monotonic() - started >= 0.6  # there and back

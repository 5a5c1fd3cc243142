"""Attacks on the staff login, the staff session and the body size, against the real running bot.web."""

from __future__ import annotations

import re
import select
import socket
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import Stack

pytestmark = pytest.mark.e2e
PASSWORD = "a long staff password"
HUGE = 400 * 1024 * 1024


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def staff_client(stack: Stack, address: str) -> httpx.Client:
    """A browser at `address` behind the proxy (the stack trusts 127.0.0.1's X-Forwarded-For)."""
    return httpx.Client(base_url=stack.web_url, headers={"X-Forwarded-For": address}, timeout=30)


def log_in(client: httpx.Client, username: str, password: str) -> httpx.Response:
    form = client.get("/staff/login")
    return client.post(
        "/staff/login", data={"username": username, "password": password, "csrf": csrf_of(form.text)}
    )


@pytest.fixture(scope="module")
def staff(stack: Stack) -> str:
    stack.add_staff_user("nightdesk", PASSWORD)
    return "nightdesk"


def test_a_cookie_saved_before_logout_opens_nothing_after_it(stack: Stack, staff: str) -> None:
    with staff_client(stack, "198.51.100.20") as browser:
        assert log_in(browser, staff, PASSWORD).status_code == 303
        saved = browser.cookies.get("prl_staff", path="/staff")
        page = browser.get("/staff")
        assert page.status_code == 200
        assert browser.post("/staff/logout", data={"csrf": csrf_of(page.text)}).status_code == 303
    with staff_client(stack, "203.0.113.20") as thief:
        thief.cookies.set("prl_staff", saved, path="/staff")
        for path in ("/staff", "/staff/requests/PRL-7KQ3MX", "/staff/export.csv"):
            refused = thief.get(path)
            assert refused.status_code == 303 and refused.headers["location"] == "/staff/login", path


def test_an_odd_cookie_is_sent_to_the_login(stack: Stack) -> None:
    with staff_client(stack, "198.51.100.21") as browser:
        response = browser.get("/staff", headers={"Cookie": "prl_staff=1:0:1:1:caf\u00e9".encode()})
        assert response.status_code == 303 and response.headers["location"] == "/staff/login"
    assert "Traceback" not in stack.log.read_text(errors="replace")


def test_made_up_logins_behind_the_proxy_do_not_lock_staff_out(stack: Stack, staff: str) -> None:
    """The issue's attack: everyone behind the practice's proxy arrives as one client."""
    with staff_client(stack, "198.51.100.30") as office:
        for i in range(5):
            assert log_in(office, "made-up-user", f"guess {i}").status_code == 401
        assert log_in(office, "made-up-user", "guess 5").status_code == 429
        assert log_in(office, staff, PASSWORD).status_code == 303


def test_wrong_passwords_from_one_client_do_not_block_the_account_from_another(
    stack: Stack, staff: str
) -> None:
    with staff_client(stack, "2001:db8:66:1::1") as attacker:
        for i in range(5):
            assert log_in(attacker, staff, f"guess {i}").status_code == 401
        assert log_in(attacker, staff, PASSWORD).status_code == 429  # locked for this client only
    with staff_client(stack, "2001:db8:66:1:ffff::2") as same_64:  # the same subscriber's /64
        assert log_in(same_64, staff, PASSWORD).status_code == 429
    with staff_client(stack, "198.51.100.31") as at_work:
        assert log_in(at_work, staff, PASSWORD).status_code == 303


def web_pid(stack: Stack) -> int:
    """The bot.web process the launcher started."""
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
            command = (status.parent / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(stack.process.pid) and b"bot.web" in command:
            return int(status.parent.name)
    raise AssertionError("no bot.web process under the launcher")


def rss_kib(pid: int) -> int:
    line = next(x for x in Path(f"/proc/{pid}/status").read_text().splitlines() if x.startswith("VmRSS:"))
    return int(line.split()[1])


def _pending(connection: socket.socket) -> bytes:
    """What the server sent before it hung up, if the kernel still holds it."""
    connection.settimeout(2)
    try:
        return connection.recv(65536)
    except OSError:
        return b""


def post_huge(port: int, path: str, chunked: bool) -> tuple[bytes, int]:
    """POST a 400 MB body (chunked, or with its Content-Length) until the server answers or hangs up;
    returns the answer's head and how many body bytes the server let through."""
    connection = socket.create_connection(("127.0.0.1", port))
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {HUGE}"
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n{framing}\r\n\r\n"
    connection.sendall(head.encode())
    piece = b"a" * 65536
    frame = b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece
    connection.setblocking(False)
    sent, answer = 0, b""
    try:
        while sent < HUGE and b"\r\n\r\n" not in answer:
            readable, writable, _ = select.select([connection], [connection], [], 30)
            if not readable and not writable:
                break
            if readable:
                data = connection.recv(65536)
                if not data:
                    break
                answer += data
            elif writable:
                try:
                    sent += connection.send(frame)
                except (BrokenPipeError, ConnectionResetError):
                    answer += _pending(connection)  # the refusal may have arrived as the send failed
                    break
    finally:
        connection.close()
    return answer.split(b"\r\n\r\n")[0], sent


@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "content-length"])
@pytest.mark.parametrize("path", ["/chat", "/webhooks/telegram/webhook"])
def test_a_400_mb_body_is_refused_before_it_is_read(stack: Stack, path: str, chunked: bool) -> None:
    pid = web_pid(stack)
    before = rss_kib(pid)
    head, sent = post_huge(stack.web_port, path, chunked)
    assert head.startswith(b"HTTP/1.1 413"), head
    assert sent < 64 * 1024 * 1024  # what the kernel's buffers held, not the 400 MB
    time.sleep(0.5)  # let the process settle before its memory is read (not a timing assertion)
    assert rss_kib(pid) - before < 40 * 1024, "the web process grew by the body"

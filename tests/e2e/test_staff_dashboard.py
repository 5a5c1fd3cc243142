"""Staff review in Chromium against the real stack: a request booked through the widget, end to end."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Stack
from tests.e2e.test_widget import book_through_the_widget

pytestmark = pytest.mark.e2e
XSS_NAME = "<img src=x onerror=alert(document.domain)>"
PASSWORD = "a long staff password"


def test_a_booked_request_is_reviewed_in_the_dashboard(page: Page, stack: Stack) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    code = book_through_the_widget(page, stack, XSS_NAME, "617 253 1000", "Morning", "Whiplash")

    stack.add_staff_user("frontdesk", PASSWORD)

    page.goto(stack.web_url + "/staff")
    page.get_by_label("Username").fill("frontdesk")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    row = page.get_by_role("row").filter(has_text=code)
    expect(row).to_contain_text("new")
    row.get_by_role("link", name=code).click()

    expect(page.get_by_role("heading", level=1)).to_contain_text(code)
    expect(page.locator("dd").first).to_be_visible()
    title_name = XSS_NAME.title()
    expect(page.get_by_text(title_name).first).to_be_visible()  # shown as text, not as an image
    expect(page.locator("main img")).to_have_count(0)
    expect(page.locator(".transcript")).to_contain_text("I'd like to book an appointment")

    page.get_by_label("Note").fill("Left a voicemail")
    page.get_by_role("button", name="Mark contacted").click()
    expect(page.get_by_role("status")).to_contain_text("Saved")
    expect(page.locator("h1 .status")).to_have_text("contacted")
    expect(page.locator("table")).to_contain_text("Left a voicemail")

    # Other tests share this stack's store: the filter and the search pick this request alone.
    page.goto(stack.web_url + f"/staff?status=contacted&q={code}")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()
    exported = list(csv.DictReader(io.StringIO(Path(download_info.value.path()).read_text(encoding="utf-8"))))
    assert [row["reference"] for row in exported] == [code]
    assert exported[0]["full_name"] == title_name  # starts with "<": not a formula, kept as it is
    assert dialogs == []
    assert re.fullmatch(r"PRL-[A-Z0-9]{6}", code)

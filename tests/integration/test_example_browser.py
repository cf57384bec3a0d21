"""The example app end to end in a real browser: Debian's chromium driven by Playwright.

The real server (``python -m zzz.server example_app.app:app``) runs in a subprocess on
an ephemeral port with a temporary SQLite database. The tests check that htmx
interactions happen *without a page reload*: a marker is put on ``window`` after the
first load and must still be there at the end.

Chromium comes from the system (``apt-get install chromium``), not from
``playwright install``: the tests skip when it is missing, and fail under ``CI=true``.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("ZZZ_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
SERVER_START_TIMEOUT = 20.0
TIMEOUT_MS = 10_000
PAGE_SIZE = 5


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: browser tests must run)")
    pytest.skip(reason=reason)


def _require_browser() -> None:
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        _unavailable(f"chromium not found at {CHROMIUM}: apt-get install -y chromium")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        _unavailable(f"playwright is not installed ({exc}): uv sync the dev group")


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Serve the example app with the real server on an ephemeral port."""
    _require_browser()
    workdir = tmp_path_factory.mktemp("example_server")
    log_path = workdir / "server.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZZZ_")}
    env.update(
        ZZZ_ENV="dev",
        ZZZ_DATABASE_URL=f"sqlite:///{workdir / 'example.db'}",
        ZZZ_API_TOKEN="browser-test-token",
        ZZZ_PAGE_SIZE=str(PAGE_SIZE),
    )
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "zzz.server",
                "example_app.app:app",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
            ],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        url = _wait_for_server(process, log_path)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def _wait_for_server(process: subprocess.Popen[bytes], log_path: Path) -> str:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        output = log_path.read_text(errors="replace")
        found = re.search(r"serving on (http://[\d.]+:\d+)", output)
        if found:
            return found.group(1)
        if process.poll() is not None:
            pytest.fail(f"the example server exited with {process.returncode}:\n{output}")
        time.sleep(0.05)
    process.kill()
    pytest.fail(f"the example server did not start in {SERVER_START_TIMEOUT}s:\n{output}")


@pytest.fixture(scope="module")
def browser(server_url: str) -> Iterator[object]:
    """One headless chromium for the module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def page(browser, server_url: str) -> Iterator[object]:
    """A fresh browser context (own cookies) and page; fails the test on page errors."""
    context = browser.new_context(base_url=server_url)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: _console_error(msg, errors))
    yield page
    context.close()
    assert errors == [], f"errors in the page: {errors}"


def _console_error(message, errors: list[str]) -> None:
    """Collect console errors, except the browser's note about the expected 422s."""
    if message.type == "error" and "status of 422" not in message.text:
        errors.append(message.text)


def _open_users(page) -> None:
    page.goto("/users")
    page.wait_for_function("() => window.htmx !== undefined")
    page.evaluate("() => { window.__zzzMarker = 'no reload' }")


def _not_reloaded(page) -> bool:
    return bool(page.evaluate("() => window.__zzzMarker") == "no reload")


def test_live_search_filters_rows_without_a_reload(page):
    from playwright.sync_api import expect

    _open_users(page)
    rows = page.locator("#user-rows tr.user-row")
    expect(rows).to_have_count(PAGE_SIZE)
    page.locator("#search").press_sequentially("grace", delay=20)
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Grace Hopper")
    page.locator("#search").fill("")
    page.locator("#search").press("Backspace")
    expect(rows).to_have_count(PAGE_SIZE)
    page.locator("#search").press_sequentially("zzzz-nobody")
    expect(page.locator("#user-rows tr.empty")).to_contain_text("No users match")
    assert _not_reloaded(page)
    assert page.url.endswith("/users")


def test_load_more_appends_the_next_page(page):
    from playwright.sync_api import expect

    _open_users(page)
    rows = page.locator("#user-rows tr.user-row")
    expect(rows).to_have_count(PAGE_SIZE)
    page.get_by_role("button", name="Load more").click()
    expect(rows).to_have_count(2 * PAGE_SIZE)
    assert _not_reloaded(page)


def test_create_a_user_through_the_form(page):
    from playwright.sync_api import expect

    _open_users(page)
    page.get_by_role("navigation").get_by_role("link", name="New user").click()
    expect(page.locator("h1")).to_have_text("New user")
    page.locator("#user_name").fill("Frances Allen")
    page.locator("#user_email").fill("not-an-email")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#user-form [role=alert]")).to_have_text("Please fix the errors below.")
    expect(page.locator("#user-form").get_by_text("E-mail has invalid format")).to_be_visible()
    expect(page.locator("#user_name")).to_have_value("Frances Allen")
    page.locator("#user_email").fill("frances@example.com")
    page.locator("#user_bio").fill("Optimising compilers.")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".card h2")).to_have_text("Frances Allen")
    expect(page.locator(".flash.info")).to_have_text("User created.")
    expect(page).to_have_url(re.compile(r"/users/\d+$"))
    assert _not_reloaded(page)


def test_inline_edit_of_a_row(page):
    from playwright.sync_api import expect

    _open_users(page)
    row = page.locator("#user-rows tr.user-row", has_text="alan@example.com")
    row.get_by_role("button", name="Edit").click()
    name = page.locator("tr.editing input[name='user[name]']")
    expect(name).to_have_value("Alan Turing")
    name.fill("Alan M. Turing")
    page.locator("tr.editing input[name='user[email]']").fill("alan")
    page.locator("tr.editing").get_by_role("button", name="Save").click()
    expect(page.locator("tr.editing .error")).to_have_text("has invalid format")
    page.locator("tr.editing input[name='user[email]']").fill("alan@example.com")
    page.locator("tr.editing").get_by_role("button", name="Save").click()
    expect(page.locator("tr.editing")).to_have_count(0)
    expect(row.locator("td").first).to_have_text("Alan M. Turing")
    assert _not_reloaded(page)


def test_delete_a_row_after_confirming(page):
    from playwright.sync_api import expect

    _open_users(page)
    page.once("dialog", lambda dialog: dialog.accept())
    row = page.locator("#user-rows tr.user-row", has_text="barbara@example.com")
    row.get_by_role("button", name="Delete").click()
    expect(row).to_have_count(0)
    assert _not_reloaded(page)
    page.reload()
    expect(page.locator("#user-rows")).not_to_contain_text("Barbara Liskov")


def test_add_a_post_on_a_users_page(page):
    from playwright.sync_api import expect

    _open_users(page)
    page.get_by_role("link", name="Ada Lovelace").click()
    expect(page.locator(".card h2")).to_have_text("Ada Lovelace")
    expect(page.locator("#no-posts")).to_be_hidden()
    page.locator("#post_title").fill("Sketch of the engine")
    page.locator("#post_body").fill("Translated from Menabrea.")
    page.get_by_role("button", name="Add post").click()
    expect(page.locator("#posts article").first).to_contain_text("Sketch of the engine")
    expect(page.locator("#post_title")).to_have_value("")
    assert _not_reloaded(page)


def test_delete_from_the_users_page_shows_the_list(page):
    from playwright.sync_api import expect

    _open_users(page)
    page.get_by_role("link", name="Donald Knuth").click()
    expect(page.locator(".card h2")).to_have_text("Donald Knuth")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(".card-footer").get_by_role("button", name="Delete").click()
    expect(page.locator(".flash.info")).to_have_text("Deleted Donald Knuth.")
    expect(page).to_have_url(re.compile(r"/users$"))
    expect(page.locator("#user-rows")).not_to_contain_text("Donald Knuth")
    assert _not_reloaded(page)

"""The built site in a real browser: every page's math typeset, nothing fetched from afar.

Needs the site in build/html (``nox -s docs``) and a Chromium: Debian's ``chromium``
on PATH, or the path in ``FLOWDOCS_CHROMIUM``. Playwright drives that browser; it never
downloads one.
"""

import functools
import http.server
import os
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

SITE = Path(__file__).resolve().parent.parent / "build" / "html"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def find_chromium():
    """The browser to drive, or a failure that says how to install one (never a skip)."""
    candidates = [os.environ.get("FLOWDOCS_CHROMIUM")]
    candidates += [shutil.which(name) for name in ("chromium", "chromium-browser")]
    for path in candidates:
        if path and Path(path).is_file():
            return path
    pytest.fail(
        "No Chromium found for the browser tests. Install Debian's package "
        "(`sudo apt-get install chromium`) or set FLOWDOCS_CHROMIUM to a Chromium binary."
    )


def site_pages():
    if not (SITE / "index.html").is_file():
        pytest.fail(f"No built site in {SITE}: run `nox -s docs` first.")
    return sorted(p.relative_to(SITE).as_posix() for p in SITE.rglob("*.html"))


@pytest.fixture(scope="module")
def server():
    """Serve build/html on 127.0.0.1 at a free port for the duration of the module."""
    handler = functools.partial(QuietHandler, directory=str(SITE))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # the test reports what matters
        pass


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    executable = find_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def visit(browser, url):
    """Open ``url``; return the page and the hosts of every request it made."""
    page = browser.new_page()
    hosts = []
    page.on("request", lambda request: hosts.append(urlparse(request.url).hostname))
    page.goto(url, wait_until="load")
    return page, hosts


TYPESET_STATE = """async () => {
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
        await MathJax.startup.promise;
    }
    const math = Array.from(document.querySelectorAll('.math'));
    return {
        total: math.length,
        untypeset: math.filter(el => !el.querySelector('mjx-container')).map(el => el.textContent),
        errors: document.querySelectorAll('mjx-merror').length,
        text: document.body.innerText,
    };
}"""


@pytest.mark.parametrize("path", site_pages())
def test_page_math_is_typeset_offline(browser, server, path):
    page, hosts = visit(browser, f"{server}/{path}")
    state = page.evaluate(TYPESET_STATE)
    page.close()
    assert not state["untypeset"], f"{path}: math left as raw TeX: {state['untypeset'][:3]}"
    assert state["errors"] == 0, f"{path}: MathJax reported {state['errors']} TeX errors"
    for raw in ("$$", "\\frac", "\\begin{"):
        assert raw not in state["text"], f"{path}: raw TeX {raw!r} visible in the page"
    remote = sorted({host for host in hosts if host not in ("127.0.0.1", None)})
    assert not remote, f"{path}: requests left 127.0.0.1 for {remote}"


def test_home_page_references_an_equation_by_number(browser, server):
    page, _ = visit(browser, f"{server}/index.html")
    page.evaluate(TYPESET_STATE)
    links = page.locator("a[href*='#equation-']").all_inner_texts()
    page.close()
    assert any(re.fullmatch(r"\(\d+\)", text.strip()) for text in links), links

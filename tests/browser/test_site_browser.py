"""The built site as readers meet it, in a real browser, offline.

Serves build/html under /flowdocs/ on 127.0.0.1 (as GitHub Pages does) and visits every
page once in Chromium, recording what the page requested, logged and rendered; the
tests below then judge each page on that record. Needs the site (``nox -s docs``) and a
Chromium: the one ``FLOWDOCS_CHROMIUM`` names, else one installed (``chromium.py`` beside
this file says where it looks); ``nox -s tests`` obtains one where none is installed.
Playwright drives that browser; it never downloads one.
"""

import functools
import http.server
import importlib.util
import io
import re
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest
from PIL import Image

SITE = Path(__file__).resolve().parents[2] / "build" / "html"
PREFIX = "/flowdocs/"
SCREENSHOTS = SITE.parent / "screenshots"


_spec = importlib.util.spec_from_file_location(
    "flowdocs_tests_chromium", Path(__file__).with_name("chromium.py")
)
CHROMIUM = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(CHROMIUM)


def find_chromium():
    """The browser to drive, or a failure that says how to get one (never a skip)."""
    try:
        path = CHROMIUM.find_chromium()
    except CHROMIUM.BrowserError as error:
        pytest.fail(str(error))
    if path is None:
        machine = CHROMIUM.Machine.current()
        pytest.fail(
            CHROMIUM.no_browser_message(machine, "none is installed")
            + " `nox -s tests` obtains one itself."
        )
    return path


def site_pages():
    if not (SITE / "index.html").is_file():
        pytest.fail(f"No built site in {SITE}: run `nox -s docs` first.")
    pages = (p.relative_to(SITE).as_posix() for p in SITE.rglob("*.html"))
    return sorted(p for p in pages if not p.startswith("_"))  # _static holds templates


PAGES = site_pages()


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Serve build/html under PREFIX; anything missing gets 404.html, as on GitHub Pages."""

    def translate_path(self, path):
        path = urlparse(path).path
        if not path.startswith(PREFIX):
            return str(SITE / "does-not-exist")
        return super().translate_path("/" + path[len(PREFIX) :])

    def send_error(self, code, message=None, explain=None):
        if code != 404:
            return super().send_error(code, message, explain)
        body = (SITE / "404.html").read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        return None

    def log_message(self, format, *args):  # the tests report what matters
        pass


@pytest.fixture(scope="module")
def server():
    handler = functools.partial(SiteHandler, directory=str(SITE))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}{PREFIX}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    executable = find_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=list(CHROMIUM.LAUNCH_FLAGS)
        )
        yield browser
        browser.close()


PAGE_STATE = """async () => {
    const images = Array.from(document.images);
    await Promise.all(images.map(img => {
        img.loading = 'eager';
        return img.decode().catch(() => null);
    }));
    // Text a reader sees outside code and typeset math: raw TeX left there is a bug.
    const prose = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, {
        acceptNode: node => node.parentElement.closest('pre, code, script, style, .katex')
            ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT,
    });
    while (walker.nextNode()) prose.push(walker.currentNode.textContent);
    const math = Array.from(document.querySelectorAll('.math'));
    return {
        // KaTeX typesets at build time: every .math holds KaTeX's drawing and its MathML.
        untypeset: math.filter(el => !el.querySelector('.katex-html'))
            .map(el => el.textContent),
        withoutMathML: math.filter(el => !el.querySelector('.katex-mathml math'))
            .map(el => el.textContent),
        texErrors: Array.from(document.querySelectorAll('.katex-error'))
            .map(el => el.getAttribute('title')),
        mathScripts: Array.from(document.scripts).map(s => s.src)
            .filter(src => /mathjax|katex|tex-(chtml|svg|mml)/i.test(src)),
        mathFontsMissing: document.fonts ? Array.from(document.fonts)
            .filter(f => f.family.startsWith('KaTeX') && f.status === 'error')
            .map(f => f.family) : [],
        text: document.body.innerText,
        prose: prose.join(' '),
        images: images.map(img => ({
            src: img.getAttribute('src'), width: img.naturalWidth, alt: img.getAttribute('alt'),
        })),
    };
}"""


class PageReport:
    """What one visit to a page requested, logged and rendered."""

    def __init__(self, browser, url):
        from axe_playwright_python.sync_playwright import Axe

        page = browser.new_page()  # a context of its own: a cold cache
        self.hosts, self.failures, self.console_errors = set(), [], []
        self.bytes = {}  # url -> bytes of the body, uncompressed, as the page uses them
        page.on("response", lambda response: self.bytes.setdefault(response.url, _size(response)))
        page.on("request", lambda request: self.hosts.add(urlparse(request.url).hostname))
        page.on("requestfailed", lambda request: self.failures.append(f"{request.url} (failed)"))
        page.on(
            "response",
            lambda response: (
                response.status >= 400
                and self.failures.append(f"{response.url} ({response.status})")
            ),
        )
        page.on(
            "console",
            lambda message: message.type == "error" and self.console_errors.append(message.text),
        )
        page.on("pageerror", lambda error: self.console_errors.append(str(error)))
        page.goto(url, wait_until="load")
        self.state = page.evaluate(PAGE_STATE)
        # axe re-fetches @import-ed stylesheets itself (resolving them against the page,
        # not the sheet) when it preloads the CSSOM; that traffic is axe's, not the site's.
        options = {"resultTypes": ["violations"], "preload": False}
        violations = Axe().run(page, options=options).response["violations"]
        self.accessibility = [
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in violations
            if v["impact"] in ("serious", "critical")
        ]
        page.close()


def _size(response):
    try:
        return len(response.body())
    except Exception:  # a redirect or an aborted request has no body
        return 0


@pytest.fixture(scope="module")
def report(browser, server):
    """``report(path)``: the (cached) record of one visit to a built page."""
    cache = {}

    def visit(path):
        if path not in cache:
            cache[path] = PageReport(browser, server + path)
        return cache[path]

    return visit


@pytest.mark.parametrize("path", PAGES)
def test_page_requests_nothing_from_elsewhere(report, path):
    remote = sorted(host for host in report(path).hosts if host not in ("127.0.0.1", None))
    assert not remote, f"{path}: requests left 127.0.0.1 for {remote}"


@pytest.mark.parametrize("path", PAGES)
def test_page_has_no_console_error_or_failed_request(report, path):
    page = report(path)
    assert not page.failures, f"{path}: failed requests {page.failures}"
    assert not page.console_errors, f"{path}: console errors {page.console_errors}"


@pytest.mark.parametrize("path", PAGES)
def test_page_images_load_and_have_alt_text(report, path):
    images = report(path).state["images"]
    broken = [image["src"] for image in images if image["width"] == 0]
    unlabelled = [image["src"] for image in images if not (image["alt"] or "").strip()]
    assert not broken, f"{path}: images that did not load: {broken}"
    assert not unlabelled, f"{path}: images without alt text: {unlabelled}"


@pytest.mark.parametrize("path", PAGES)
def test_page_math_is_typeset(report, path):
    """Every equation arrives typeset by KaTeX at build time, with MathML for screen
    readers; no page loads a math script; no raw TeX shows in the text."""
    state = report(path).state
    assert not state["mathScripts"], f"{path}: loads a math script {state['mathScripts']}"
    assert not state["untypeset"], f"{path}: math left as raw TeX: {state['untypeset'][:3]}"
    assert not state["withoutMathML"], f"{path}: math without MathML: {state['withoutMathML'][:3]}"
    assert not state["texErrors"], f"{path}: KaTeX could not typeset {state['texErrors'][:3]}"
    assert not state["mathFontsMissing"], f"{path}: KaTeX fonts failed {state['mathFontsMissing']}"
    for raw in ("$$", "\\frac", "\\begin{"):
        assert raw not in state["text"], f"{path}: raw TeX {raw!r} visible in the page"
    raw_math = RAW_MATH.findall(state["prose"])
    assert not raw_math, f"{path}: TeX left untypeset in the text: {raw_math[:3]}"


RAW_MATH = re.compile(r"\$[^$\s][^$]*\$|\\(?:frac|mathcal|partial|log|sum|det|sigma)\b")
"""Dollar-delimited math or a TeX command in prose (outside code and typeset math)."""


PAGE_BUDGET = 1_000_000
"""Bytes a page may transfer, uncompressed: HTML, CSS, scripts, fonts and images (issue 17)."""


@pytest.mark.parametrize("path", PAGES)
def test_page_weighs_at_most_1_mb(report, path):
    """Counted after every image has loaded (lazy ones made eager) and with the fonts
    the page's text and math asked for; uncompressed, as the browser uses them."""
    sizes = report(path).bytes
    total = sum(sizes.values())
    heaviest = sorted(sizes.items(), key=lambda item: item[1], reverse=True)[:3]
    heaviest = [
        f"{urlparse(url).path.rsplit('/', 1)[-1]} {size / 1e3:.0f} kB" for url, size in heaviest
    ]
    assert total <= PAGE_BUDGET, f"{path}: {total / 1e6:.2f} MB > 1 MB; heaviest {heaviest}"


@pytest.mark.parametrize("path", PAGES)
def test_page_has_no_serious_accessibility_violation(report, path):
    assert not report(path).accessibility, "\n".join([path, *report(path).accessibility])


def test_home_page_references_an_equation_by_number(browser, server):
    page = browser.new_page()
    page.goto(server + "index.html")
    links = page.locator("a[href*='#equation-']").all_inner_texts()
    page.close()
    assert any(re.fullmatch(r"\(\d+\)", text.strip()) for text in links), links


def test_search_finds_jacobian(browser, server):
    page = browser.new_page()
    page.goto(server + "search.html?q=Jacobian")
    results = page.locator("ul.search li")
    results.first.wait_for(timeout=15_000)
    count = results.count()
    page.close()
    assert count > 0


def test_missing_page_gets_the_styled_404_page(browser, server):
    page = browser.new_page()
    failures = []
    page.on("response", lambda r: r.status >= 400 and failures.append(r.url))
    response = page.goto(server + "no/such/page.html")
    stylesheets = page.evaluate("document.styleSheets.length")
    text = page.locator("body").inner_text()
    page.close()
    assert response.status == 404
    assert failures == [response.url], f"the 404 page's own assets failed: {failures[1:]}"
    assert stylesheets > 0
    assert "not found" in text.lower()


def test_the_animation_steps_through_its_frame_files(browser, server):
    """The flow in motion's player shows its frames from files (flowdocs_weight.py)."""
    page = browser.new_page()
    page.goto(server + "auto_examples/staged_flow/plot_04_flow_in_motion.html")
    player = page.locator("img[id^='_anim_img']")
    page.get_by_role("button", name="Pause").click()
    page.get_by_role("button", name="First frame").click()
    shown = []
    for _ in range(3):
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=player.element_handle()
        )
        shown.append(player.evaluate("img => [img.getAttribute('src'), img.naturalWidth]"))
        page.get_by_role("button", name="Next frame").click()
    page.close()
    sources = [src for src, _ in shown]
    assert all(src.endswith(f"_frame_{n:03d}.jpg") for n, src in enumerate(sources)), sources
    assert all(width > 0 for _, width in shown), shown


def gallery_example_pages():
    pages = [p for p in PAGES if re.search(r"auto_examples/.+/plot_[^/]+\.html$", p)]
    assert pages, "no gallery example pages in the build"
    return pages


@pytest.mark.parametrize("path", gallery_example_pages())
def test_gallery_downloads_are_served(browser, server, path):
    page = browser.new_page()
    page.goto(server + path)
    links = page.eval_on_selector_all("a[href*='_downloads/']", "links => links.map(a => a.href)")
    kinds = {Path(urlparse(link).path).suffix for link in links}
    sizes = {link: len(page.request.get(link).body()) for link in links}
    page.close()
    assert {".py", ".ipynb", ".zip"} <= kinds, f"{path}: download links {links}"
    assert all(size > 0 for size in sizes.values()), sizes


@pytest.mark.parametrize("path", ["index.html", *gallery_example_pages()[:1]])
def test_dark_mode_renders_dark_with_opaque_figures(browser, server, path):
    """Screenshots land in build/screenshots/ for a person to look at."""
    context = browser.new_context(color_scheme="dark", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(server + path)
    page.evaluate(PAGE_STATE)
    theme = page.evaluate("document.documentElement.dataset.theme")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"dark-{Path(path).stem}.png", full_page=True)
    figures = page.eval_on_selector_all("img[src*='_images/']", "imgs => imgs.map(img => img.src)")
    bodies = [page.request.get(src).body() for src in figures]
    context.close()
    assert theme == "dark"
    red, green, blue = (int(c) for c in re.findall(r"\d+", background)[:3])
    assert red + green + blue < 3 * 80, f"{path}: dark mode background is {background}"
    for src, body in zip(figures, bodies, strict=True):
        alpha = Image.open(io.BytesIO(body)).convert("RGBA").getchannel("A")
        assert alpha.getextrema()[0] == 255, f"{src} has transparent pixels: unreadable on dark"


DOCS_HOSTS = {
    "docs.python.org": "/3/",
    "numpy.org": "/doc/stable/",
    "matplotlib.org": "/stable/",
    "www.tensorflow.org": "/",
}
"""Where code links may point off the site (conf/conf.py's intersphinx_mapping)."""
CODE_LINKS = "div[class^='highlight-'] pre a[href]"


def code_links(browser, server, path):
    """The hrefs of the links in the code boxes of a page, and the hosts it requested."""
    page = browser.new_page()
    hosts = set()
    page.on("request", lambda request: hosts.add(urlparse(request.url).hostname))
    page.goto(server + path, wait_until="load")
    links = page.eval_on_selector_all(CODE_LINKS, "links => links.map(a => a.href)")
    page.close()
    return links, hosts


def link_problem(server, link):
    """Why a code link does not resolve offline (None when it does): a link into the site
    must name a built page and an anchor on it; any other must be an https link into
    the published docs of Python, NumPy, matplotlib or TensorFlow (never fetched)."""
    url = urlparse(link)
    if link.startswith(server):
        target = SITE / url.path[len(PREFIX) :]
        if not target.is_file():
            return "no such page"
        if url.fragment and f'id="{url.fragment}"' not in target.read_text(encoding="utf-8"):
            return "no such anchor"
        return None
    root = DOCS_HOSTS.get(url.hostname)
    if url.scheme != "https" or root is None or not url.path.startswith(root):
        return "not a page of the linked projects' docs"
    return None


def test_gallery_code_links_resolve_offline(browser, server, record_figure):
    """Names in gallery code boxes link to their documentation, as in scikit-learn's
    gallery: the API pages here, or the published docs of the libraries they come from."""
    counts, problems = {}, []
    for path in gallery_example_pages():
        links, hosts = code_links(browser, server, path)
        remote = sorted(host for host in hosts if host not in ("127.0.0.1", None))
        assert not remote, f"{path}: requests left 127.0.0.1 for {remote}"
        for link in links:
            problem = link_problem(server, link)
            if problem:
                problems.append(f"{path}: {link} ({problem})")
            host = "site" if link.startswith(server) else urlparse(link).hostname
            counts[host] = counts.get(host, 0) + 1
    assert not problems, "\n".join(problems[:20])
    for host, count in sorted(counts.items()):
        record_figure(f"code links to {host}", count)
    record_figure("code links in the gallery", sum(counts.values()))
    assert set(counts) == {"site", *DOCS_HOSTS}, f"code links by host: {counts}"

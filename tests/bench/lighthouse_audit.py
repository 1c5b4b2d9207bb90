"""Lighthouse's mobile audit of the built site, served gzipped from 127.0.0.1.

Part of ``nox -s bench`` (``--only lighthouse``): the session installs the npm package
``lighthouse`` into ``.nox/lighthouse/`` and passes its command in ``FLOWDOCS_LIGHTHOUSE``;
Lighthouse drives the same Chromium the browser tests use. The scores depend on timing
(Lighthouse simulates a mid-range phone on a slow 4G link from the trace it records), so
they are printed and tabulated here, never asserted in pytest.

The pages: the landing page, every theory page, the gallery page of the most HTML and
every one with an animation player, the explorer, and the API's contents page with its
heaviest page. The site is served under ``/flowdocs/`` as GitHub Pages serves it,
with text gzipped as GitHub Pages and Read the Docs gzip it. Each page's full report (the
median run's) is kept in ``build/lighthouse/`` for its opportunities and diagnostics.
"""

import contextlib
import functools
import gzip
import http.server
import importlib.util
import json
import os
import shlex
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path
from urllib.parse import urlparse

PREFIX = "/flowdocs/"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
METRICS = {  # Lighthouse audit id -> column title
    "first-contentful-paint": "FCP",
    "largest-contentful-paint": "LCP",
    "total-blocking-time": "TBT",
    "cumulative-layout-shift": "CLS",
}
_spec = importlib.util.spec_from_file_location(
    "flowdocs_lighthouse_chromium", Path(__file__).parents[1] / "browser" / "chromium.py"
)
_chromium = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_chromium)
CHROME_FLAGS = ("--headless=new", *_chromium.LAUNCH_FLAGS)
GZIPPED = {".html", ".css", ".js", ".svg", ".json", ".txt", ".inv", ".xml"}


def audited_pages(site):
    """The pages the issue names, as paths under the site: the landing page, every theory
    page, the gallery example page of the most HTML and every one with an animation
    player, the explorer (when built), and the API's contents page with its heaviest page."""
    theory = sorted(p.relative_to(site).as_posix() for p in (site / "theory").glob("*.html"))
    examples = list((site / "auto_examples").rglob("plot_*.html"))
    if not theory or not examples:
        raise SystemExit(f"No theory or gallery pages in {site}: run `nox -s docs` first.")
    heaviest = max(examples, key=lambda p: p.stat().st_size)
    players = [p for p in examples if "_anim_img" in p.read_text(encoding="utf-8")]
    gallery = [p.relative_to(site).as_posix() for p in sorted({heaviest, *players})]
    api = max((site / "api").glob("*.html"), key=lambda p: p.stat().st_size, default=None)
    api = [] if api is None else [api.relative_to(site).as_posix()]
    pages = ["index.html", *theory, *gallery, "explorer.html", "api/index.html", *api]
    return [page for page in pages if (site / page).is_file()]


class GzipHandler(http.server.SimpleHTTPRequestHandler):
    """Serve the site under PREFIX; text goes out gzipped to clients that accept it."""

    def translate_path(self, path):
        path = urlparse(path).path
        if not path.startswith(PREFIX):
            return os.path.join(self.directory, "does-not-exist")
        return super().translate_path("/" + path[len(PREFIX) :])

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        wants_gzip = "gzip" in self.headers.get("Accept-Encoding", "")
        if not path.is_file() or path.suffix not in GZIPPED or not wants_gzip:
            return super().send_head()
        body = gzip.compress(path.read_bytes())
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return _Body(body)

    def log_message(self, format, *args):
        pass


class _Body:
    """What ``send_head`` returns: something ``copyfile`` can read, then close."""

    def __init__(self, data):
        self.data = data

    def read(self, size=-1):
        data, self.data = self.data, b""
        return data

    def close(self):
        pass


@contextlib.contextmanager
def serve(site):
    handler = functools.partial(GzipHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{PREFIX}"
    finally:
        server.shutdown()
        server.server_close()


def lighthouse_command():
    """The command that runs Lighthouse (``FLOWDOCS_LIGHTHOUSE``, set by nox)."""
    command = os.environ.get("FLOWDOCS_LIGHTHOUSE")
    if not command:
        raise SystemExit("FLOWDOCS_LIGHTHOUSE is not set: run `nox -s bench -- --only lighthouse`.")
    return shlex.split(command)


def audit(url, chromium, out):
    """One Lighthouse run on ``url`` (mobile preset, default throttling), its JSON report
    written to ``out``: scores and metrics."""
    command = [
        *lighthouse_command(),
        url,
        f"--chrome-flags={' '.join(CHROME_FLAGS)}",
        f"--only-categories={','.join(CATEGORIES)}",
        "--output=json",
        f"--output-path={out}",
        "--quiet",
    ]
    # Lighthouse's launcher takes the browser from CHROME_PATH (it has no flag for it), and
    # without it finds only a browser installed system-wide.
    env = {**os.environ, "CHROME_PATH": str(chromium)}
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=300, check=False, env=env
    )
    if done.returncode or not out.is_file():
        raise RuntimeError(f"lighthouse failed on {url}:\n{done.stderr[-3000:]}")
    report = json.loads(out.read_text(encoding="utf-8"))
    if report.get("runtimeError"):
        raise RuntimeError(f"lighthouse on {url}: {report['runtimeError']}")
    row = {name: round(100 * report["categories"][name]["score"]) for name in CATEGORIES}
    for audit_id, title in METRICS.items():
        row[title] = report["audits"][audit_id]["numericValue"]
    refs = [ref for name in CATEGORIES[1:] for ref in report["categories"][name]["auditRefs"]]
    row["failed audits"] = sorted(
        {
            ref["id"]
            for ref in refs
            if ref["weight"] and (report["audits"][ref["id"]]["score"] or 0) < 1
        }
    )
    return row


def lighthouse(site, chromium, runs=1, only=()):
    """The median scores of ``runs`` Lighthouse runs on each audited page (those named in
    ``only``, when given); the median run's report is kept in ``build/lighthouse/``."""
    if chromium is None or shutil.which(chromium) is None:
        raise SystemExit(f"No Chromium at {chromium!r}: set FLOWDOCS_CHROMIUM.")
    pages = audited_pages(site)
    unknown = set(only) - set(pages)
    if unknown:
        raise SystemExit(f"Not audited pages: {sorted(unknown)}; the audited ones: {pages}")
    reports = site.parent / "lighthouse"
    reports.mkdir(exist_ok=True)
    rows = []
    with serve(site) as base, tempfile.TemporaryDirectory(prefix="flowdocs-lh-") as tmp:
        for page in [page for page in pages if page in only] if only else pages:
            outs = [Path(tmp) / f"run{index}.json" for index in range(runs)]
            results = [(audit(base + page, chromium, out), out) for out in outs]
            results.sort(key=lambda result: result[0]["performance"])
            median, out = results[len(results) // 2]
            shutil.copyfile(
                out, reports / (page.removesuffix(".html").replace("/", "--") + ".json")
            )
            row = {"page": page, **median}
            print(
                f"  {page}: performance {row['performance']}, accessibility "
                f"{row['accessibility']}, best practices {row['best-practices']}, "
                f"SEO {row['seo']} (FCP {row['FCP'] / 1e3:.1f} s, TBT {row['TBT']:.0f} ms)",
                flush=True,
            )
            rows.append(row)
    return rows

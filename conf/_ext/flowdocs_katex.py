"""Math typeset when the site is built, by KaTeX: pages load no math script.

``sphinxcontrib-katex`` renders every equation (MyST ``$...$`` and ``$$...$$``, the
``{math}`` role, ``:math:`` in gallery scripts and docstrings) with the KaTeX it bundles,
run once per build process in Node (``katex_prerender``). Each equation arrives as
KaTeX's HTML, drawn with KaTeX's fonts, beside the same formula as MathML, which screen
readers read (the HTML is ``aria-hidden``). Sphinx still numbers the equations and
resolves ``{eq}`` references; sphinxcontrib-katex writes the numbers as Sphinx does.

What this extension adds:

- KaTeX's style sheet and fonts served from ``_static/katex/``, taken from the npm
  package ``katex`` of the same version (``nox -s docs`` installs it into
  ``.nox/katex/`` and names its ``dist`` folder in ``FLOWDOCS_KATEX``), with only the
  WOFF2 fonts: every browser the site supports reads them, so the WOFF and TTF copies
  would be dead weight on disk;
- the two fonts nearly every formula is drawn in (KaTeX's roman and math italic) asked
  for in the head of each page with math (``<link rel="preload">``), so they arrive with
  the style sheets: a font that arrives after the first layout changes the width of
  the formulas and so where the lines break, and the text below jumps (layout shift);
- a build warning (an error under ``-W``) for every formula KaTeX cannot typeset, which
  sphinxcontrib-katex would otherwise write as red error text;
- two repairs to sphinxcontrib-katex 0.9's render server under ``sphinx-build -j``: it
  connects once the server's socket file exists, which on a busy machine can be before
  the server listens (``ConnectionRefusedError``), so the connection is retried until
  the start-up timeout; and a process forked by Sphinx's parallel writer would share its
  parent's server connection, so each child starts its own, and stops it when it exits
  (a forked worker exits through ``multiprocessing``, which runs its finalizers but not
  the ``atexit`` hook that stops the server otherwise: every build left one Node
  process per worker running, holding the build's output pipe open).
"""

import html
import json
import multiprocessing.util
import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

from sphinx.errors import ConfigError
from sphinx.util import logging

logger = logging.getLogger(__name__)

TARGET = Path("_static") / "katex"
# url(fonts/X.woff) format("woff") and url(fonts/X.ttf) format("truetype"): dropped.
OTHER_FONTS = re.compile(r',url\(fonts/[^)]+\.(?:woff|ttf)\) format\("(?:woff|truetype)"\)')
ERROR = re.compile(r'<span class="katex-error" title="([^"]*)"[^>]*>(.*?)</span>', re.DOTALL)


def katex_dist():
    """KaTeX's ``dist`` folder (from ``FLOWDOCS_KATEX``), checked against the version
    sphinxcontrib-katex renders with: a style sheet of another release misplaces glyphs."""
    from sphinxcontrib import katex

    folder = os.environ.get("FLOWDOCS_KATEX")
    if not folder:
        raise ConfigError(
            "FLOWDOCS_KATEX is not set: build with `nox -s docs`, which installs the npm "
            f"package katex@{katex.katex_version} into .nox/katex/ and sets it."
        )
    dist = Path(folder)
    manifest = dist.parent / "package.json"
    if not (dist / "katex.min.css").is_file() or not manifest.is_file():
        raise ConfigError(f"FLOWDOCS_KATEX={folder} is not the dist folder of npm's katex.")
    version = json.loads(manifest.read_text(encoding="utf-8"))["version"]
    if version != katex.katex_version:
        raise ConfigError(
            f"KaTeX's style sheet in {folder} is version {version}; sphinxcontrib-katex "
            f"renders with {katex.katex_version}: install katex@{katex.katex_version}."
        )
    return dist


def configure(app, config):
    config.html_math_renderer = "katex"
    config.katex_prerender = True
    config.katex_css_path = (TARGET / "katex.min.css").relative_to("_static").as_posix()
    app.flowdocs_katex_dist = katex_dist()


def copy_katex(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    dist, target = app.flowdocs_katex_dist, Path(app.outdir) / TARGET
    shutil.rmtree(target, ignore_errors=True)
    (target / "fonts").mkdir(parents=True)
    css = (dist / "katex.min.css").read_text(encoding="utf-8")
    (target / "katex.min.css").write_text(OTHER_FONTS.sub("", css), encoding="utf-8")
    for font in (dist / "fonts").glob("*.woff2"):
        shutil.copy2(font, target / "fonts" / font.name)


PRELOADED_FONTS = ("KaTeX_Main-Regular.woff2", "KaTeX_Math-Italic.woff2")


def preload_fonts(app, pagename, templatename, context, doctree):
    """Ask for the main KaTeX fonts in the head of every page that shows math."""
    if 'class="katex"' not in context.get("body", ""):
        return
    links = "".join(
        f'<link rel="preload" href="{context["pathto"](f"{TARGET.as_posix()}/fonts/{font}", 1)}" '
        'as="font" type="font/woff2" crossorigin>\n'
        for font in PRELOADED_FONTS
    )
    context["metatags"] = context.get("metatags", "") + links


def report_errors(app, pagename, templatename, context, doctree):
    """Warn, naming the page and the formula, for each equation KaTeX rendered as an error."""
    for message, source in ERROR.findall(context.get("body", "")):
        logger.warning(
            "KaTeX cannot typeset %r: %s",
            html.unescape(source),
            html.unescape(message),
            location=pagename,
        )


def start_server_process(cls, rundir, timeout):
    """sphinxcontrib-katex's ``KaTeXServer.start_server_process``, connecting until the
    server listens (or ``timeout`` seconds pass) rather than once its socket file exists."""
    from sphinxcontrib.katex import KaTeXError

    path = rundir / "katex.sock"
    command = cls.build_command(socket=path)
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=rundir)
    multiprocessing.util.Finalize(process, stop_server, args=(process, rundir), exitpriority=0)
    deadline = time.monotonic() + timeout
    while True:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(str(path))
            return process, sock
        except (FileNotFoundError, ConnectionRefusedError):
            sock.close()
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise KaTeXError(f"KaTeX's render server ({command}) did not start") from None
            time.sleep(0.005)


def stop_server(process, rundir):
    """Stop a render server and remove its folder (at the exit of the process that
    started it, the main one or a forked worker)."""
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
    shutil.rmtree(rundir, ignore_errors=True)


def _forget_server_in_child():
    from sphinxcontrib.katex import KaTeXServer

    KaTeXServer.katex_server = None


def setup(app):
    from sphinxcontrib.katex import KaTeXServer

    KaTeXServer.start_server_process = classmethod(start_server_process)
    os.register_at_fork(after_in_child=_forget_server_in_child)
    app.setup_extension("sphinxcontrib.katex")
    app.connect("config-inited", configure)
    app.connect("html-page-context", report_errors)
    app.connect("html-page-context", preload_fonts)
    app.connect("build-finished", copy_katex)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

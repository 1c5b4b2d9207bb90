"""MathJax served by this site, and only the parts of it that pages load.

``sphinx-mathjax-offline`` ships MathJax 3.2 inside its wheel, but copies the whole
distribution (24 MB: every combined bundle, SVG fonts, speech rules) and points pages at
``tex-chtml.js``, a bundle that carries the 426 kB contextual menu on every page with
math. This extension takes its files from that wheel instead, points pages at MathJax's
``startup.js`` and lets MathJax's own loader fetch the components ``MATHJAX_LOAD``
names (TeX in, CommonHTML out, hidden MathML for screen readers), and copies just those
components, the TeX extensions the ``autoload`` package may request, and the fonts.

Nothing leaves the site: the loader resolves every component against ``startup.js``.
"""

import importlib.util
import shutil
from pathlib import Path

# What each page with math loads: input/tex brings ams, newcommand, require, autoload,
# configmacros and noundefined; a11y/assistive-mml adds the MathML screen readers read.
MATHJAX_LOAD = ["input/tex", "output/chtml", "a11y/assistive-mml"]
# The files those need on disk, relative to MathJax's folder (folders copied whole).
MATHJAX_FILES = [
    "startup.js",
    "core.js",
    "input/tex.js",
    "input/tex/extensions",  # loaded on demand by autoload and \require
    "output/chtml.js",
    "output/chtml/fonts",  # the font metrics (tex.js) and the woff files
    "a11y/assistive-mml.js",
]


def mathjax_source():
    """MathJax's folder inside the installed sphinx-mathjax-offline distribution."""
    spec = importlib.util.find_spec("sphinx-mathjax-offline")
    if spec is None or spec.origin is None:
        raise RuntimeError("flowdocs_mathjax needs sphinx-mathjax-offline installed")
    return Path(spec.origin).parent / "static" / "mathjax"


def configure(app, config):
    config.mathjax_path = "mathjax/startup.js"
    mathjax = dict(config.mathjax3_config or {})
    mathjax["loader"] = {**mathjax.get("loader", {}), "load": MATHJAX_LOAD}
    config.mathjax3_config = mathjax


def copy_mathjax(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    source = mathjax_source()
    target = Path(app.outdir) / "_static" / "mathjax"
    shutil.rmtree(target, ignore_errors=True)  # no stale copy of the whole distribution
    for name in MATHJAX_FILES:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        if (source / name).is_dir():
            shutil.copytree(source / name, target / name, dirs_exist_ok=True)
        else:
            shutil.copy2(source / name, target / name)


def setup(app):
    mathjax_source()  # fail at startup, not after the build, when MathJax is missing
    app.setup_extension("sphinx.ext.mathjax")
    app.connect("config-inited", configure)
    app.connect("build-finished", copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

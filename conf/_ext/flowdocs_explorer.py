"""The explorer page: the five-stage flow under the reader's hands, computed in the browser.

- ``{flowdocs-explorer}`` (a directive) writes the explorer's controls and canvas; the
  page that holds it, and only that page, loads ``explorer.js``, ``explorer.css`` and
  ``explorer-data.js``.
- ``explorer-data.js`` is written from the library at build time: the seed-0 parameters
  (:func:`flowdocs.draw_parameters`), the gallery's base points
  (``staged_samples(n, seed=0)[0]``, as float32 bytes), the gallery's colours and the
  stage names. Importing flowdocs imports TensorFlow, so the data is made in a
  subprocess and only when flowdocs or this file changed (a hash keys the cache).
- ``{explorer-value}`` (a role) quotes a number of that data in the prose, so that no
  number on the page is typed by hand.

The maps themselves are written in ``explorer.js``; ``tests/browser/test_explorer.py``
compares them with the library.
"""

import base64
import hashlib
import importlib.util
import json
import math
import os
import subprocess
import sys
from pathlib import Path

from docutils import nodes
from sphinx.errors import ExtensionError
from sphinx.util.docutils import SphinxDirective, SphinxRole

POINTS = 2000
"""Base points drawn by the explorer: the gallery's seed, so the gallery's points lead."""
RESOLUTION = 128
"""Cells along each side of the density grid."""
SEED = 0

# key, label (HTML), min, max, keyboard step; the defaults come from the library.
SLIDERS = [
    ("c0", "c<sub>0</sub>: shift of z<sub>a</sub> in f<sub>1</sub>", -3.0, 3.0, 0.05),
    ("c1", "c<sub>1</sub>: shift of z<sub>b</sub> in f<sub>1</sub>", -3.0, 3.0, 0.05),
    ("d0", "d<sub>0</sub>: scale of z<sub>a</sub> in f<sub>2</sub>", 0.2, 3.0, 0.05),
    ("d1", "d<sub>1</sub>: scale of z<sub>b</sub> in f<sub>2</sub>", 0.2, 3.0, 0.05),
    ("e", "e: strength of the shear f<sub>3</sub>", -6.0, 6.0, 0.05),
    ("theta", "θ: angle of the rotation f<sub>4</sub>", 0.0, 2 * math.pi, math.pi / 36),
]
DATA_FILE = "explorer-data.js"
ASSETS = ("explorer.css", DATA_FILE, "explorer.js")


# -- The data, made from the library in a subprocess ---------------------------------


def make_data():
    """Everything the page takes from flowdocs (runs in the subprocess: imports TensorFlow)."""
    import inspect

    import numpy as np
    from matplotlib import colors

    import flowdocs
    from flowdocs.plotting import DENSITY_CMAP, DENSITY_DECADES, MAX_ASPECT_RATIO, QUADRANT_COLORS

    strength, angle = flowdocs.draw_parameters(SEED)
    signature = inspect.signature(flowdocs.five_stage_flow).parameters
    shift, scale = signature["shift"].default, signature["scale"].default
    flow = flowdocs.five_stage_flow(seed=SEED)  # float32, as the gallery draws it
    base = np.asarray(flow.staged_samples(POINTS, seed=SEED)[0], "<f4")
    return {
        "seed": SEED,
        "defaults": {
            "c0": float(shift[0]),
            "c1": float(shift[1]),
            "d0": float(scale[0]),
            "d1": float(scale[1]),
            "e": strength,
            "theta": angle,
        },
        "stages": [{"name": stage.name, "symbol": stage.symbol} for stage in flow.stages],
        "base": {
            "loc": np.asarray(flow.base.mean(), float).tolist(),
            "scale": np.asarray(flow.base.stddev(), float).tolist(),
        },
        "count": POINTS,
        "points": base64.b64encode(base.tobytes()).decode("ascii"),
        "resolution": RESOLUTION,
        "decades": DENSITY_DECADES,
        "maxAspect": MAX_ASPECT_RATIO,
        "quadrantColors": list(QUADRANT_COLORS),
        "cmap": [colors.to_hex(DENSITY_CMAP(x)) for x in np.linspace(0.0, 1.0, 48)],
    }


def source_key():
    """A hash of what the data depends on: this file and every module of flowdocs."""
    spec = importlib.util.find_spec("flowdocs")  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise ExtensionError("flowdocs_explorer needs the flowdocs package installed")
    digest = hashlib.sha256(Path(__file__).read_bytes())
    for folder in spec.submodule_search_locations:
        for path in sorted(Path(folder).rglob("*.py")):
            digest.update(path.relative_to(folder).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def data_path(env):
    return Path(env.doctreedir) / "flowdocs_explorer" / "explorer-data.json"


def load_data(env):
    return json.loads(data_path(env).read_text(encoding="utf-8"))


def ensure_data(app):
    """Make the data unless the cache holds it for the current sources."""
    path, key = data_path(app.env), source_key()
    if path.is_file() and json.loads(path.read_text(encoding="utf-8")).get("key") == key:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    run = subprocess.run(
        [sys.executable, __file__, str(path), key], env=env, capture_output=True, text=True
    )
    if run.returncode:
        raise ExtensionError(f"flowdocs_explorer could not make its data:\n{run.stderr}")
    check_ranges(json.loads(path.read_text(encoding="utf-8")))


def check_ranges(data):
    for key, _, low, high, _ in SLIDERS:
        if not low <= data["defaults"][key] <= high:
            raise ExtensionError(
                f"flowdocs_explorer: the default {key} = {data['defaults'][key]} lies outside "
                f"its slider's range [{low}, {high}]; widen the range in SLIDERS."
            )


def write_script(app):
    """``_static/explorer-data.js``, written before the pages so that they link it by hash."""
    ensure_data(app)
    if app.builder.format != "html":
        return
    data = load_data(app.env)
    data.pop("key")
    target = Path(app.outdir) / "_static" / DATA_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, separators=(",", ":"))
    target.write_text(f"window.flowdocsExplorerData={text};\n", encoding="utf-8")


# -- The widget ----------------------------------------------------------------------


class explorer(nodes.General, nodes.Element):  # lower case, as docutils names its nodes
    """The explorer's HTML, written as it is."""


def visit_explorer(self, node):
    self.body.append(node["html"])
    raise nodes.SkipNode


def skip(self, node):
    raise nodes.SkipNode


def pretty(value):
    """A number as a reader would write it: ``3.1257``, ``-2``, ``1.5``."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def stage_title(stage):
    symbol = stage["symbol"].replace("_", "<sub>") + "</sub>"
    return f"{symbol} {stage['name'].replace('_', ' ')}"


def widget_html(data):
    d = data["defaults"]
    sliders = "".join(
        f'<div class="fx-slider"><label for="fx-{key}">{label}</label>'
        f'<output id="fx-{key}-value" for="fx-{key}">{pretty(d[key])}</output>'
        f'<input type="range" id="fx-{key}" name="{key}" min="{low!r}" max="{high!r}" '
        f'step="any" data-step="{step!r}" value="{d[key]!r}"></div>'
        for key, label, low, high, step in SLIDERS
    )
    stages = data["stages"]
    radios = "".join(
        f'<label><input type="radio" name="fx-stage" value="{k}"{" checked" * (k == len(stages))}>'
        f"<span>{k}: {'base' if k == 0 else 'after ' + stage_title(stages[k - 1])}</span></label>"
        for k in range(len(stages) + 1)
    )
    order = "".join(
        f'<li data-name="{s["name"]}"><span>{stage_title(s)}</span></li>' for s in stages
    )
    quadrants = "".join(
        f'<span class="fx-key"><span class="fx-dot" style="background:{color}"></span>{name}</span>'
        for color, name in zip(data["quadrantColors"], ("I", "II", "III", "IV"), strict=True)
    )
    gradient = ", ".join(data["cmap"][::4] + data["cmap"][-1:])
    checkbox = '<label><input type="checkbox" name="{0}"{2}> {1}</label>'
    layers = "".join(
        checkbox.format(name, text, " checked" * on)
        for name, text, on in [
            ("samples", "samples", True),
            ("grid", "grid lines of the base plane", True),
            ("density", "density", True),
            ("hold", "hold the view", False),
        ]
    )
    return f"""
<div class="fx" data-flowdocs-explorer>
<div class="fx-figure">
<canvas class="fx-canvas" role="img"
 aria-label="The explorer's drawing: samples, grid and density of the chosen stage"></canvas>
<div class="fx-legend"><span>quadrant of the base point:</span>{quadrants}</div>
<div class="fx-legend"><span>density (log scale, {data["decades"]} decades)</span>
<span class="fx-bar" style="background:linear-gradient(to right, {gradient})"></span>
<span>top <span data-fx="top">…</span></span></div>
<p class="fx-readout" role="status">mass on the drawing grid: <strong data-fx="mass">…</strong></p>
<p class="fx-readout">log density at the pointer:
 <strong data-fx="pointer">point at the drawing</strong></p>
<noscript><p>The explorer computes everything in the browser: it needs JavaScript.</p></noscript>
</div>
<div class="fx-controls">
<fieldset class="fx-stages"><legend>Stage shown</legend>{radios}</fieldset>
<fieldset><legend>Parameters</legend>{sliders}
<button type="button" data-fx-action="parameters">Parameters of the seed-{data["seed"]} flow
</button></fieldset>
<fieldset><legend>Order of the maps, first applied at the top</legend>
<ol class="fx-order">{order}</ol>
<button type="button" data-fx-action="order">Original order</button>
<p class="fx-sr" role="status" data-fx="order-status"></p></fieldset>
<fieldset><legend>Try</legend><div class="fx-try">
<button type="button" data-fx-action="no-shear">No shear: e = 0</button>
<button type="button" data-fx-action="sigmoid-first">Sigmoid first</button>
<button type="button" data-fx-action="reset">Start again</button></div></fieldset>
<fieldset class="fx-layers"><legend>Draw</legend>{layers}</fieldset>
</div>
</div>
"""


class ExplorerDirective(SphinxDirective):
    has_content = False

    def run(self):
        self.env.note_dependency(str(data_path(self.env)))
        return [explorer(html=widget_html(load_data(self.env)))]


class ExplorerValue(SphinxRole):
    """``{explorer-value}`e``: a number of the explorer's data, formatted for prose."""

    def run(self):
        data = load_data(self.env)
        d = data["defaults"]
        values = {
            "count": f"{data['count']:,}",
            "resolution": f"{data['resolution']} × {data['resolution']}",
            "decades": str(data["decades"]),
            "seed": str(data["seed"]),
            "orderings": f"{math.factorial(len(data['stages'])):,}",
            "shift": f"({pretty(d['c0'])}, {pretty(d['c1'])})",
            "scale": f"({pretty(d['d0'])}, {pretty(d['d1'])})",
            "theta-degrees": f"{math.degrees(d['theta']):.1f}°",
            **{key: pretty(value) for key, value in d.items()},
        }
        values.update(
            {f"{key}-range": f"{pretty(low)} to {pretty(high)}" for key, _, low, high, _ in SLIDERS}
        )
        if self.text not in values:
            message = f"explorer-value: unknown {self.text!r}; known: {sorted(values)}"
            return [], [self.inliner.reporter.error(message, line=self.lineno)]
        return [nodes.Text(values[self.text].replace("-", "\u2212"))], []


def add_assets(app, pagename, templatename, context, doctree):
    if doctree is not None and next(doctree.findall(explorer), None) is not None:
        for name in ASSETS:
            if name.endswith(".css"):
                app.add_css_file(name)
            else:
                app.add_js_file(name, loading_method="defer")


def leaf_page(app, config):
    """The explorer needs the page's width: no empty section-navigation column beside it."""
    config.html_sidebars.setdefault("explorer", [])


def setup(app):
    app.add_node(explorer, html=(visit_explorer, None), text=(skip, None), latex=(skip, None))
    app.add_directive("flowdocs-explorer", ExplorerDirective)
    app.add_role("explorer-value", ExplorerValue())
    app.connect("config-inited", leaf_page)
    app.connect("builder-inited", write_script)
    app.connect("html-page-context", add_assets)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


if __name__ == "__main__":  # the subprocess of ensure_data: python flowdocs_explorer.py OUT KEY
    out, key = Path(sys.argv[1]), sys.argv[2]
    out.write_text(json.dumps({**make_data(), "key": key}), encoding="utf-8")

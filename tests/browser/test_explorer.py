"""The explorer page (docs/explorer.md) in Chromium: its maps against the library, its
readouts, its speed, and how it reads with a keyboard, on a phone and in dark mode.

The server and browser fixtures are test_site_browser.py's, loaded by path (the suite
runs with ``--import-mode=importlib``, so test modules cannot import each other).
"""

import base64
import importlib.util
import inspect
import math
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

import flowdocs


def _load_site_browser():
    path = Path(__file__).with_name("test_site_browser.py")
    spec = importlib.util.spec_from_file_location("flowdocs_tests_site_browser", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SITE_BROWSER = _load_site_browser()
server, browser = SITE_BROWSER.server, SITE_BROWSER.browser  # the fixtures, shared
SITE, SCREENSHOTS = SITE_BROWSER.SITE, SITE_BROWSER.SCREENSHOTS

PAGE = "explorer.html"
NAMES = ["shift", "scale", "shift_and_cube", "rotation", "sigmoid"]
SLIDERS = ["c0", "c1", "d0", "d1", "e", "theta"]
OWN_FILES = ["explorer.js", "explorer.css", "explorer-data.js"]
WEIGHT_LIMIT = 60_000
"""Bytes of the explorer's own JavaScript and CSS (its data included), uncompressed."""
FORWARD_RTOL = 1e-9
LOG_PROB_ATOL = 1e-6

READY = "() => window.flowdocsExplorer && window.flowdocsExplorer.state().box !== undefined"
NEXT_FRAME = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
CANVAS = """() => {
    const url = document.querySelector('.fx-canvas').toDataURL();
    let hash = 0;
    for (let i = 0; i < url.length; i++) hash = (Math.imul(hash, 31) + url.charCodeAt(i)) | 0;
    return `${url.length}:${hash}`;
}"""
"""A short fingerprint of what the canvas shows."""


def open_explorer(browser, server, query="", errors=None, **context):
    """A new page on the explorer, drawn; console errors are appended to ``errors``."""
    page = browser.new_context(**context).new_page()
    if errors is not None:
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server + PAGE + query)
    page.wait_for_function(READY)
    return page


def close(page):
    context = page.context
    page.close()
    context.close()


@pytest.fixture(scope="module")
def explorer(browser, server):
    """One explorer page for the tests that only call its functions."""
    errors = []
    page = open_explorer(browser, server, errors=errors)
    yield page
    close(page)
    assert not errors, f"console errors on the explorer: {errors}"


def state(page):
    return page.evaluate("() => window.flowdocsExplorer.state()")


def mass_readout(page):
    return page.locator("[data-fx=mass]").inner_text()


# --------------------------------------------------------------------- the math


def settings():
    """Random parameters in the sliders' ranges with orders that put the sigmoid first,
    in the middle, last and anywhere; one with a negative scale (log |d|)."""
    rng = np.random.default_rng(14)
    orders = [
        NAMES,
        ["sigmoid", *NAMES[:4]],
        ["shift", "scale", "sigmoid", "shift_and_cube", "rotation"],
        ["rotation", "sigmoid", "shift_and_cube", "scale", "shift"],
        ["shift_and_cube", "rotation", "scale", "shift", "sigmoid"],
    ]
    orders += [list(rng.permutation(NAMES)) for _ in range(19)]
    out = []
    for i, order in enumerate(orders):
        scale = rng.uniform(0.2, 3.0, 2) * (-1.0 if i == 7 else 1.0)
        out.append(
            {
                "shift": rng.uniform(-3, 3, 2).tolist(),
                "scale": scale.tolist(),
                "strength": float(rng.uniform(-6, 6)),
                "angle": float(rng.uniform(0, 2 * math.pi)),
                "order": [str(name) for name in order],
            }
        )
    return out


SETTINGS = settings()


def library_flow(setting):
    flow = flowdocs.five_stage_flow(
        seed=0,
        shift=setting["shift"],
        scale=setting["scale"],
        strength=setting["strength"],
        angle=setting["angle"],
        dtype=tf.float64,
    )
    return flow.reordered(setting["order"])


def scoring_points(flow, setting, rng):
    """Where to score a flow: its samples, a box around them, and points off its support.

    The off-support points are images of points outside the open unit square under the
    maps that follow the sigmoid (there the sigmoid's inverse cannot be finite) and, when
    the sigmoid is last, points on the square's edges; two have an infinite coordinate.
    """
    z = rng.normal(0.0, 0.5, (200, 2))
    samples = flow.bijector.forward(z).numpy()
    samples = samples[np.all(np.isfinite(samples), axis=-1)]
    low, high = np.quantile(samples, [0.02, 0.98], axis=0)
    box = rng.uniform(low - 0.2 * (high - low), high + 0.2 * (high - low), (100, 2))
    after = setting["order"][setting["order"].index("sigmoid") + 1 :]
    outside = rng.uniform(-1.0, 2.0, (60, 2))
    outside = outside[np.any((outside <= 0) | (outside >= 1), axis=-1)]
    tail = flowdocs.Flow(flow.base, [s for s in flow.stages if s.name in after])
    off = [tail.bijector.forward(outside).numpy()]
    if not after:
        off.append([[0.0, 0.5], [1.0, 0.25], [0.3, 0.0], [0.7, 1.0], [0.0, 1.0]])
    off.append([[np.inf, 0.5], [0.5, -np.inf]])
    return np.concatenate([samples, box, *off])


def test_forward_matches_the_library(explorer, record_figure):
    rng = np.random.default_rng(1)
    worst = 0.0
    for setting in SETTINGS:
        z = np.concatenate([rng.normal(0.0, 0.5, (200, 2)), rng.normal(0.0, 1.5, (100, 2))])
        expected = library_flow(setting).bijector.forward(tf.constant(z)).numpy()
        got = np.asarray(
            explorer.evaluate(
                "([p, z]) => window.flowdocsExplorer.forward(p, z)", [setting, z.tolist()]
            )
        )
        assert got.shape == expected.shape
        assert np.array_equal(np.isfinite(got), np.isfinite(expected)), setting
        finite = np.all(np.isfinite(expected), axis=-1)
        error = np.linalg.norm(got - expected, axis=-1)[finite] / np.maximum(
            np.linalg.norm(expected, axis=-1)[finite], np.finfo(float).tiny
        )
        worst = max(worst, float(error.max()))
        assert error.max() <= FORWARD_RTOL, (setting, float(error.max()))
    print(f"explorer forward vs flowdocs: max relative error {worst:.3g}")
    record_figure("max forward relative error", worst)


def test_log_prob_matches_the_library(explorer, record_figure):
    rng = np.random.default_rng(2)
    worst, counts = 0.0, {"finite": 0, "-inf": 0, "-inf, sigmoid not last": 0}
    for setting in SETTINGS:
        flow = library_flow(setting)
        x = scoring_points(flow, setting, rng)
        expected = flow.distribution.log_prob(tf.constant(x)).numpy()
        got = np.asarray(
            explorer.evaluate(
                "([p, x]) => window.flowdocsExplorer.logProb(p, x)", [setting, x.tolist()]
            ),
            dtype=float,
        )
        assert not np.isnan(got).any(), f"NaN from logProb for {setting}"
        assert not np.isnan(expected).any()
        mismatch = np.isneginf(got) != np.isneginf(expected)
        assert not mismatch.any(), (setting, x[mismatch][:5], got[mismatch][:5])
        finite = np.isfinite(expected)
        assert np.isfinite(got[finite]).all()
        gap = float(np.max(np.abs(got[finite] - expected[finite])))
        worst = max(worst, gap)
        assert gap <= LOG_PROB_ATOL, (setting, gap)
        counts["finite"] += int(finite.sum())
        counts["-inf"] += int((~finite).sum())
        if setting["order"][-1] != "sigmoid":
            counts["-inf, sigmoid not last"] += int((~finite).sum())
    print(f"explorer logProb vs flowdocs: max gap {worst:.3g} nats; points {counts}")
    record_figure("max logProb gap (nats)", worst)
    assert min(counts.values()) >= 100, counts  # both sides of the support, well covered


def test_bad_order_is_refused(explorer):
    message = explorer.evaluate(
        """() => { try { window.flowdocsExplorer.forward({shift: [0, 0], scale: [1, 1],
            strength: 0, angle: 0, order: ["shift", "shift"]}, [[0, 0]]); }
          catch (error) { return error.message; } }"""
    )
    assert message
    assert "order" in message


def test_defaults_and_base_points_come_from_the_library(explorer):
    strength, angle = flowdocs.draw_parameters(0)
    defaults = inspect.signature(flowdocs.five_stage_flow).parameters
    shift, scale = defaults["shift"].default, defaults["scale"].default
    expected = dict(zip(SLIDERS, [*shift, *scale, strength, angle], strict=True))
    now = state(explorer)
    values = explorer.evaluate(
        "() => Object.fromEntries(Array.from(document.querySelectorAll('.fx input[type=range]'),"
        " input => [input.name, Number(input.value)]))"
    )
    for key, value in expected.items():
        assert now[key] == value, key  # exactly: the same float64
        # Chromium keeps a range input's value to 15 significant digits.
        assert values[key] == pytest.approx(value, rel=1e-14), key
    data = explorer.evaluate("() => window.flowdocsExplorerData")
    points = np.frombuffer(base64.b64decode(data["points"]), "<f4").reshape(-1, 2)
    flow = flowdocs.five_stage_flow(seed=0)
    assert (data["count"], data["resolution"]) == (2000, 128)  # the targets of issue 14
    assert np.array_equal(points, flow.staged_samples(data["count"], seed=0)[0])
    # The gallery's figures draw the first of them: the same seed, fewer points.
    assert np.array_equal(points[:1000], flow.staged_samples(1000, seed=0)[0])


def midpoint_mass(distribution, box, resolution):
    (x0, x1), (y0, y1) = box[:2], box[2:]
    xs = x0 + (x1 - x0) * (np.arange(resolution) + 0.5) / resolution
    ys = y0 + (y1 - y0) * (np.arange(resolution) + 0.5) / resolution
    grid = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    density = np.exp(distribution.log_prob(tf.constant(grid)).numpy())
    density = np.where(np.isfinite(density), density, 0.0)
    mass = float(np.sum(density)) * (x1 - x0) * (y1 - y0) / resolution**2
    return mass, float(np.quantile(density[density > 0], 0.998))


def test_mass_readout_is_the_midpoint_rule_of_the_library_density(explorer, record_figure):
    flow = flowdocs.five_stage_flow(seed=0, dtype=tf.float64)
    for k in range(len(NAMES) + 1):
        explorer.evaluate("k => window.flowdocsExplorer.set({stage: k})", k)
        now = state(explorer)
        shown = float(mass_readout(explorer))
        expected, top = midpoint_mass(flow.distribution_after(k), now["box"], 128)
        assert now["mass"] == pytest.approx(expected, rel=1e-9), k
        assert now["top"] == pytest.approx(top, rel=1e-9), k  # the top of the colour scale
        assert shown == pytest.approx(expected, abs=5e-5)
        print(f"stage {k}: mass on the drawing grid {now['mass']:.4f}")
        record_figure(f"mass on the drawing grid, stage {k}", now["mass"])
    explorer.evaluate("() => window.flowdocsExplorer.set({stage: 5})")


def test_pointer_readout_is_the_library_log_density(browser, server):
    page = open_explorer(browser, server, viewport={"width": 1280, "height": 900})
    for k in (5, 2):
        page.evaluate("k => window.flowdocsExplorer.set({stage: k})", k)
        box = page.locator(".fx-canvas").bounding_box()
        page.mouse.move(box["x"] + 0.55 * box["width"], box["y"] + 0.45 * box["height"])
        now = state(page)
        text = page.locator("[data-fx=pointer]").inner_text()
        flow = flowdocs.five_stage_flow(seed=0, dtype=tf.float64)
        at = tf.constant([now["pointer"]["at"]], tf.float64)
        expected = flow.distribution_after(k).log_prob(at)
        assert now["pointer"]["logProb"] == pytest.approx(float(expected[0]), abs=1e-9)
        assert text.startswith(f"log p{chr(0x2080 + k)}("), text
    close(page)


# --------------------------------------------------------------------- speed


def test_redraws_at_interactive_speed(browser, server, record_figure):
    """Times redraws of every layer as e sweeps its range; prints the rate, asserts none.

    Two figures: redraws called back to back (the cost of one frame's work), and frames
    drawn when the slider gets a new value on every animation frame, as it does when
    dragged (at most the display's rate, 60 in headless Chromium).
    """
    page = open_explorer(browser, server, viewport={"width": 1280, "height": 900})
    result = page.evaluate(
        """async () => {
          const fx = window.flowdocsExplorer, canvas = document.querySelector('.fx-canvas');
          const before = canvas.toDataURL(), n = 120;
          const start = performance.now();
          for (let i = 0; i < n; i++) fx.set({e: -6 + 12 * i / (n - 1)});
          const synchronous = n * 1000 / (performance.now() - start);
          // Paced by the browser: the slider's input event on every animation frame.
          const slider = document.querySelector('#fx-e'), first = fx.state().drawn;
          let frames = 0;
          const t0 = performance.now();
          await new Promise(done => {
            const tick = () => {
              slider.value = 6 - 12 * frames / 119;
              slider.dispatchEvent(new Event('input'));
              if (++frames <= 120) requestAnimationFrame(tick);
              else done();
            };
            requestAnimationFrame(tick);
          });
          const paced = (fx.state().drawn - first) * 1000 / (performance.now() - t0);
          // What the browser offers with nothing to draw, for comparison.
          const t1 = performance.now();
          await new Promise(done => {
            let idle = 0;
            const tick = () => (++idle < 120 ? requestAnimationFrame(tick) : done());
            requestAnimationFrame(tick);
          });
          const ceiling = 120 * 1000 / (performance.now() - t1);
          return {synchronous, paced, ceiling, changed: canvas.toDataURL() !== before,
                  points: window.flowdocsExplorerData.count,
                  grid: window.flowdocsExplorerData.resolution};
        }"""
    )
    close(page)
    print(
        f"explorer: {result['points']} points, {result['grid']}x{result['grid']} density: "
        f"{result['synchronous']:.0f} redraws/s back to back, "
        f"{result['paced']:.0f} frames/s paced by requestAnimationFrame "
        f"(an idle page gets {result['ceiling']:.0f})"
    )
    record_figure("redraws per second, back to back", result["synchronous"])
    record_figure("frames per second, one redraw per animation frame", result["paced"])
    record_figure("frames per second of an idle page", result["ceiling"])
    assert result["changed"]


# --------------------------------------------------------------------- the reader


def test_every_slider_is_labelled_and_moves_with_the_arrow_keys(browser, server):
    errors = []
    page = open_explorer(browser, server, errors=errors, viewport={"width": 1280, "height": 900})
    for key in SLIDERS:
        slider = page.locator(f"#fx-{key}")
        label = page.evaluate(f"() => document.querySelector('#fx-{key}').labels[0].innerText")
        assert label.strip(), key
        before = (state(page)[key], page.evaluate(CANVAS), mass_readout(page))
        shown = page.locator(f"#fx-{key}-value").inner_text()
        slider.focus()
        slider.press("ArrowRight")
        page.evaluate(NEXT_FRAME)
        after = (state(page)[key], page.evaluate(CANVAS), mass_readout(page))
        assert after[0] > before[0], key
        assert after[1] != before[1], f"{key}: the drawing did not change"
        assert after[2] != before[2], f"{key}: the mass readout did not change"
        assert page.locator(f"#fx-{key}-value").inner_text() != shown
        slider.press("ArrowLeft")
    # From the seed-0 draw, the arrow keys reach e = 0 exactly.
    page.locator("#fx-e").focus()
    start = state(page)["e"]
    for _ in range(round(start / 0.05) + 1):
        if state(page)["e"] <= 0:
            break
        page.keyboard.press("ArrowLeft")
    assert state(page)["e"] == 0
    # The stage, with the arrow keys of a radio group.
    page.locator("input[name=fx-stage]:checked").focus()
    page.keyboard.press("ArrowUp")
    assert state(page)["stage"] == 4
    # The order, with buttons.
    page.get_by_role("button", name="Apply sigmoid earlier").focus()
    page.keyboard.press("Enter")
    assert state(page)["order"][-2:] == ["sigmoid", "rotation"]
    assert "sigmoid" in page.evaluate("() => document.activeElement.getAttribute('aria-label')")
    page.get_by_role("button", name="Original order").press("Enter")
    assert state(page)["order"] == NAMES
    close(page)
    assert not errors, errors


@pytest.mark.parametrize(
    ("query", "stage", "order"),
    [
        ("", 5, NAMES),
        ("?stage=base", 0, NAMES),
        ("?stage=3", 3, NAMES),
        *((f"?stage={name}", NAMES.index(name) + 1, NAMES) for name in NAMES),
        (
            "?stage=rotation&order=rotation,shift,scale,shift_and_cube,sigmoid",
            1,
            ["rotation", "shift", "scale", "shift_and_cube", "sigmoid"],
        ),
    ],
)
def test_the_address_selects_a_stage(browser, server, query, stage, order):
    page = open_explorer(browser, server, query)
    now = state(page)
    checked = page.locator("input[name=fx-stage]:checked").get_attribute("value")
    close(page)
    assert (now["stage"], now["order"], checked) == (stage, order, str(stage))


def test_the_address_sets_parameters(browser, server):
    page = open_explorer(browser, server, "?e=0&d0=0.5&theta=99")
    now = state(page)
    close(page)
    assert (now["e"], now["d0"], now["theta"]) == (0, 0.5, 2 * math.pi)  # clamped to range


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_phone_light_and_dark(browser, server, scheme):
    """At 390 px: no sideways scroll, every control on screen and big enough to touch,
    the drawing follows the theme. Screenshots go to build/screenshots/ to be looked at."""
    errors = []
    page = open_explorer(
        browser,
        server,
        errors=errors,
        viewport={"width": 390, "height": 844},
        color_scheme=scheme,
        has_touch=True,
    )
    sizes = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert sizes[0] <= sizes[1], f"the page scrolls sideways: {sizes}"
    controls = page.evaluate(
        """() => Array.from(document.querySelectorAll('.fx input, .fx button'), el => {
          const r = el.getBoundingClientRect();
          return {name: el.name || el.textContent || el.getAttribute('aria-label'),
                  type: el.type, left: r.left, right: r.right, width: r.width, height: r.height};
        })"""
    )
    for control in controls:
        assert control["left"] >= 0, control
        assert control["right"] <= 390, control
        if control["type"] == "range":
            assert control["width"] >= 250, control
        if control["type"] == "button":
            assert min(control["width"], control["height"]) >= 32, control
    before = page.evaluate(CANVAS)
    # The drawing stays on screen while the controls scroll under it: a slider brought to
    # the bottom of the screen is free to touch.
    page.evaluate("() => document.querySelector('#fx-c0').scrollIntoView({block: 'end'})")
    slider = page.locator("#fx-c0").bounding_box()
    x, y = slider["x"] + 0.8 * slider["width"], slider["y"] + slider["height"] / 2
    assert page.evaluate(f"() => document.elementFromPoint({x}, {y}).id") == "fx-c0"
    page.touchscreen.tap(x, y)
    page.evaluate(NEXT_FRAME)
    assert page.evaluate(CANVAS) != before
    assert state(page)["c0"] > 1  # the tap moved the slider to where it landed
    page.locator("[data-fx-action=reset]").tap()
    page.evaluate(NEXT_FRAME)
    assert state(page)["c0"] == 0
    check_theme(page, scheme)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.locator(".fx").scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOTS / f"explorer-{scheme}-390.png")
    close(page)
    assert not errors, errors


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_desktop_light_and_dark(browser, server, scheme):
    page = open_explorer(
        browser, server, viewport={"width": 1280, "height": 900}, color_scheme=scheme
    )
    check_theme(page, scheme)
    # The theme switch: the drawing follows at once.
    other = "light" if scheme == "dark" else "dark"
    page.evaluate(f"() => document.documentElement.setAttribute('data-theme', '{other}')")
    page.evaluate(NEXT_FRAME)
    check_theme(page, other)
    page.evaluate(f"() => document.documentElement.setAttribute('data-theme', '{scheme}')")
    page.evaluate(NEXT_FRAME)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"explorer-{scheme}-1280.png", full_page=True)
    close(page)


def check_theme(page, scheme):
    theme = page.evaluate("document.documentElement.dataset.theme")
    corner = page.evaluate(
        """() => Array.from(document.querySelector('.fx-canvas').getContext('2d')
                 .getImageData(2, 2, 1, 1).data.slice(0, 3))"""
    )
    assert theme == scheme
    if scheme == "dark":
        assert sum(corner) < 3 * 80, corner
    else:
        assert sum(corner) > 3 * 200, corner


# --------------------------------------------------------------------- the page


def test_own_javascript_and_css_are_light(record_figure):
    sizes = {name: (SITE / "_static" / name).stat().st_size for name in OWN_FILES}
    total = sum(sizes.values())
    print(f"explorer's own JS and CSS: {sizes}, {total:,} bytes")
    record_figure("explorer JS + CSS + data (bytes)", total)
    assert total < WEIGHT_LIMIT, sizes


def test_page_weight_is_reported(browser, server, record_figure):
    """Every byte the explorer page loads, as a figure (no target: the site has its own)."""
    page = browser.new_page()
    loaded = []
    page.on("requestfinished", lambda request: loaded.append(request))
    page.goto(server + PAGE, wait_until="networkidle")
    page.wait_for_function(READY)
    total = sum(request.sizes()["responseBodySize"] for request in loaded)
    page.close()
    print(f"explorer page: {len(loaded)} requests, {total:,} bytes")
    record_figure("explorer page weight (bytes)", total)
    assert total > 0


def test_only_the_explorer_loads_its_files():
    pages = [p for p in SITE.rglob("*.html") if not p.relative_to(SITE).parts[0].startswith("_")]
    loaders = [p.relative_to(SITE).as_posix() for p in pages if "explorer.js" in p.read_text()]
    assert loaders == [PAGE]


def test_explorer_links_every_jacobian_derivation():
    html = (SITE / PAGE).read_text()
    for label in ["shift", "scale", "shift-and-cube", "rotation", "sigmoid"]:
        assert f'five_stage_flow.html#equation-jacobian-{label}"' in html, label

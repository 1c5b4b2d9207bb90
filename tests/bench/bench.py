"""The benchmark behind ``nox -s bench``: docs builds, library throughput, fit, page weight
and Lighthouse's mobile scores (``lighthouse_audit.py`` beside this file).

Not a test (pytest collects only ``test_*.py``): it prints a table and writes it as JSON
(``build/bench.json``) and as a Markdown table the Performance page includes
(``docs/performance_results.md``). Every figure is the median of several runs after a
warm-up, and the figures that are compared are measured side by side in the same run, so
the ratios hold on a noisy shared machine even when the absolute times do not.

Usage: ``nox -s bench`` (everything) or ``nox -s bench -- --only library --repeats 3``;
``nox -s bench -- --only families`` times the five flow families against dimension.
"""

import argparse
import contextlib
import dataclasses
import functools
import gzip
import http.server
import importlib.util
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from importlib import metadata
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

ROOT = Path(__file__).resolve().parents[2]
# Lighthouse's audit, beside this file (loaded by path: the tests import this module so).
_spec = importlib.util.spec_from_file_location(
    "flowdocs_bench_lighthouse", Path(__file__).with_name("lighthouse_audit.py")
)
lighthouse_audit = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(lighthouse_audit)
SITE = ROOT / "build" / "html"
SIZES = (1_000, 100_000, 1_000_000, 10_000_000)
SEED = (0, 1)
PARTS = ("library", "fit", "docs", "pages", "families", "lighthouse")
"""What ``--only`` can pick; a run of all of them rewrites the Performance page's table."""


def median_seconds(runs, repeats, warmup=1):
    """Median wall time of each callable in ``runs`` (name -> callable), over ``repeats`` rounds.

    The callables take turns within every round, after ``warmup`` rounds, so a burst of
    load on a shared machine slows them all alike and their ratios hold.
    """
    for _ in range(warmup):
        for run in runs.values():
            run()
    times = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(seconds) for name, seconds in times.items()}


# -- Library throughput -------------------------------------------------------------------


def fused_sample_and_log_prob(flow, jit_compile=False):
    """The five-stage flow's sample and log-density as hand-written TF: ``run(n, seed)``.

    The same arithmetic as the bijectors, with the parameters read from ``flow`` and
    nothing else: the floor a compiled TFP path can hope to reach. Without XLA it is one
    graph; with XLA it is split like ``Flow.sample_and_log_prob``: the draw outside XLA,
    the arithmetic inside.
    """
    import tensorflow as tf

    shift, scale, shear, rotation, _ = (stage.bijector for stage in flow.stages)
    c, d = tf.convert_to_tensor(shift.shift), tf.convert_to_tensor(scale.scale)
    e, theta = tf.convert_to_tensor(shear.strength), tf.convert_to_tensor(rotation.angle)
    sigma = float(flow.base.stddev()[0])
    log_norm = -2.0 * math.log(sigma) - math.log(2.0 * math.pi)
    log_scale = tf.reduce_sum(tf.math.log(tf.abs(d)))

    def draw(n, seed):
        return sigma * tf.random.stateless_normal([n, 2], seed=seed)

    def transform(z):
        log_p = log_norm - 0.5 * tf.reduce_sum(tf.square(z / sigma), axis=-1) - log_scale
        a, b = (z[:, 0] + c[0]) * d[0], (z[:, 1] + c[1]) * d[1]
        b = b + e * a**3
        cos, sin = tf.cos(theta), tf.sin(theta)
        a, b = cos * a - sin * b, sin * a + cos * b
        for u in (a, b):  # sigmoid: log s(1-s) = -|u| - 2 log(1 + exp(-|u|))
            log_p = log_p + tf.abs(u) + 2.0 * tf.math.log1p(tf.exp(-tf.abs(u)))
        return tf.stack([tf.sigmoid(a), tf.sigmoid(b)], axis=-1), log_p

    if not jit_compile:
        return tf.function(lambda n, seed: transform(draw(n, seed)))
    draw, transform = tf.function(draw), tf.function(transform, jit_compile=True)
    return lambda n, seed: transform(draw(n, seed))


def numpy_push_forward(flow):
    """The same flow in plain NumPy, float32: the floor without TensorFlow at all.

    Returns ``push(z)``: base points ``z`` pushed through the five stages, with their
    log-densities.
    """
    import numpy as np

    shift, scale, shear, rotation, _ = (stage.bijector for stage in flow.stages)
    c, d = np.asarray(shift.shift, np.float32), np.asarray(scale.scale, np.float32)
    e, theta = np.float32(shear.strength), np.float32(rotation.angle)
    cos, sin = np.cos(theta), np.sin(theta)
    sigma = np.float32(flow.base.stddev()[0])
    log_norm = np.float32(-2.0 * math.log(sigma) - math.log(2.0 * math.pi))
    log_scale = np.log(np.abs(d)).sum()

    def push(z):
        log_p = log_norm - 0.5 * np.sum((z / sigma) ** 2, axis=-1) - log_scale
        a, b = (z[:, 0] + c[0]) * d[0], (z[:, 1] + c[1]) * d[1]
        b = b + e * a**3
        a, b = cos * a - sin * b, sin * a + cos * b
        for u in (a, b):
            log_p += np.abs(u) + 2.0 * np.log1p(np.exp(-np.abs(u)))
        with np.errstate(over="ignore"):  # exp(-u) overflows to inf: sigmoid 0, as it should
            return np.stack([1 / (1 + np.exp(-a)), 1 / (1 + np.exp(-b))], axis=-1), log_p

    return push


def builtin_equivalents(flow):
    """The custom stages rebuilt from TFP's own bijectors, doing the same work.

    The shear is a RealNVP coupling whose shift function is ``e * x_a**3`` (no scale);
    the rotation is ``ScaleMatvecLinearOperator`` over the full 2x2 matrix.
    """
    import tensorflow as tf
    import tensorflow_probability as tfp

    tfb = tfp.bijectors
    e = tf.convert_to_tensor(flow.stages[2].bijector.strength)
    theta = tf.convert_to_tensor(flow.stages[3].bijector.angle)
    cos, sin = tf.cos(theta), tf.sin(theta)
    matrix = tf.stack([tf.stack([cos, -sin]), tf.stack([sin, cos])])
    shear = tfb.RealNVP(num_masked=1, shift_and_log_scale_fn=lambda x, _: (e * x**3, None))
    rotation = tfb.ScaleMatvecLinearOperator(tf.linalg.LinearOperatorFullMatrix(matrix))
    return shear, rotation


def forward_and_log_det(bijector):
    import tensorflow as tf

    @tf.function
    def run(x):
        return bijector.forward(x), bijector.forward_log_det_jacobian(x, event_ndims=1)

    return run


def library(repeats, sizes=SIZES):
    import numpy as np
    import tensorflow as tf

    import flowdocs

    flow = flowdocs.five_stage_flow(seed=0)
    distribution = flow.distribution
    seed = tf.constant(SEED, tf.int32)
    numpy_push, rng = numpy_push_forward(flow), np.random.default_rng(0)
    sigma = np.float32(flow.base.stddev()[0])

    def tfp_eager(n):
        return distribution.experimental_sample_and_log_prob(n, seed=seed)

    variants = {
        "TFP eager": tfp_eager,
        "TFP tf.function": tf.function(tfp_eager),
        "TFP tf.function + XLA": tf.function(tfp_eager, jit_compile=True),
        "Flow.sample_and_log_prob": lambda n: flow.sample_and_log_prob(n, seed=SEED),
        "hand-fused TF": functools.partial(fused_sample_and_log_prob(flow), seed=seed),
        "hand-fused TF + XLA": functools.partial(
            fused_sample_and_log_prob(flow, jit_compile=True), seed=seed
        ),
        "NumPy": lambda n: numpy_push(sigma * rng.standard_normal((n, 2), dtype=np.float32)),
    }
    # The variants compute the same thing: check before timing anything. The TensorFlow
    # ones draw the same points from the same seed, except that XLA's stateless normal
    # sampler draws other points (its log-densities are rescored instead); NumPy pushes
    # the same base points.
    reference = variants["TFP eager"](1000)
    for name, run in variants.items():
        if name not in ("NumPy", "TFP tf.function + XLA"):
            _assert_same(run(1000), reference, name)
    x, log_p = variants["TFP tf.function + XLA"](1000)
    inside = np.all((x > 1e-3) & (x < 1 - 1e-3), axis=-1)
    rescored = distribution.log_prob(x.numpy()[inside])
    _assert_same((x, log_p[inside]), (x, rescored), "TFP tf.function + XLA")
    z = flow.base.sample(1000, seed=seed)
    _assert_same(numpy_push(z.numpy()), flow.forward_with_log_prob(z), "NumPy")

    throughput = []
    for n in sizes:
        runs = {name: lambda run=run, n=n: _block(run(n)) for name, run in variants.items()}
        row = {"points": n, **median_seconds(runs, repeats)}
        throughput.append(row)
        print(f"  sample+log_prob at {n:>10,}: " + _ratios(row, "TFP eager"), flush=True)

    n = 1_000_000
    x = flow.base.sample(n, seed=seed)
    shear, rotation = builtin_equivalents(flow)
    stages = list(flow.stages)
    stages[2] = dataclasses.replace(stages[2], bijector=shear)
    stages[3] = dataclasses.replace(stages[3], bijector=rotation)
    pairs = {
        "shift-and-cube": (flow.stages[2].bijector, shear),
        "rotation": (flow.stages[3].bijector, rotation),
        "whole five-stage chain": (flow.bijector, flowdocs.Flow(flow.base, stages).bijector),
    }
    bijectors = []
    for name, (custom, builtin) in pairs.items():
        runs = {"custom": forward_and_log_det(custom), "built-in": forward_and_log_det(builtin)}
        np.testing.assert_allclose(runs["custom"](x)[0], runs["built-in"](x)[0], atol=1e-5)
        timed = {label: lambda run=run: _block(run(x)) for label, run in runs.items()}
        row = {"bijector": name, "points": n, **median_seconds(timed, repeats)}
        row["ratio"] = row["custom"] / row["built-in"]
        bijectors.append(row)
        print(f"  {name}: custom/built-in = {row['ratio']:.2f}", flush=True)

    resolution = 512
    grids = _stage_grids(flow, resolution)

    def staged_densities():
        for distribution_k, grid in zip(flow.staged(), grids, strict=True):
            _block(distribution_k.log_prob(grid))

    grid_seconds = median_seconds({"grids": staged_densities}, repeats)["grids"]
    print(f"  staged densities, six {resolution}x{resolution} grids: {grid_seconds:.3f} s")
    return {
        "throughput": throughput,
        "bijectors": bijectors,
        "staged_grid": {"resolution": resolution, "stages": len(grids), "seconds": grid_seconds},
    }


def _assert_same(result, reference, name):
    import numpy as np

    (x, log_p), (x_ref, log_p_ref) = result, reference
    np.testing.assert_allclose(x, x_ref, rtol=1e-4, atol=1e-6, err_msg=name)
    np.testing.assert_allclose(log_p, log_p_ref, rtol=1e-3, atol=1e-3, err_msg=name)


def _stage_grids(flow, resolution):
    """A grid over the central 99% of each stage's samples."""
    import numpy as np
    import tensorflow as tf

    grids = []
    for points in flow.staged_samples(10_000, seed=SEED):
        low, high = np.quantile(points, [0.005, 0.995], axis=0)
        axes = [
            np.linspace(lo, hi, resolution, dtype=np.float32)
            for lo, hi in zip(low, high, strict=True)
        ]
        grid = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, 2)
        grids.append(tf.constant(grid))
    return grids


def _block(result):
    """Wait for every tensor in ``result`` (TF runs ops asynchronously)."""
    import tensorflow as tf

    for tensor in tf.nest.flatten(result):
        if hasattr(tensor, "numpy"):
            tensor.numpy()
    return result


def _ratios(row, against):
    return ", ".join(
        f"{name} {1e3 * seconds:.1f} ms ({row[against] / seconds:.1f}x)"
        for name, seconds in row.items()
        if name != "points"
    )


# -- Fitting ---------------------------------------------------------------------------


class MinimizeLoop:
    """``fit``'s training loop rebuilt on ``tfp.math.minimize``: the alternative timed.

    A drop-in for ``flowdocs.fitting._TrainingLoop``, which the benchmark swaps out for
    it (a test double: ``fit`` itself, its checks and its chunks stay as they are). It
    takes the same steps: ``fit``'s objective, whose minibatch seed is ``[seed, step]``
    with the optimizer's count of updates as the step, ``count`` steps per call, one
    call per progress interval. ``minimize`` evaluates its ``trace_fn`` after each
    update, so the value before the first update of a call is evaluated first and the
    values before the others are those after the update before. ``minimize`` runs
    inside one ``tf.function`` per fit, XLA set on that function: that keeps one trace
    per length of call, where ``minimize(jit_compile=True)`` would build a new
    function, and compile it again, at every call.
    """

    def __init__(self, objective, optimizer, every, trace_fn, jit_compile):
        import tensorflow as tf

        self.objective, self.optimizer = objective, optimizer
        self.traced = trace_fn or tuple  # tuple() == (): nothing traced
        self.compiled = tf.function(self, autograph=False, jit_compile=jit_compile)

    def run(self, start, count):
        """Losses and traced values (NumPy) of ``count`` steps; ``start`` is the
        optimizer's count of updates already."""
        import tensorflow as tf

        losses, traces = self.compiled(count)
        return losses.numpy(), tf.nest.map_structure(lambda t: t.numpy(), traces)

    def loss(self, seed=None):
        """The loss of the next step (``minimize`` offers a seed; the step's is used)."""
        return self.objective(self.optimizer.iterations)

    def __call__(self, count):
        import tensorflow as tf
        import tensorflow_probability as tfp

        first = self.traced()
        losses, after = tfp.math.minimize(
            self.loss,
            num_steps=count,
            optimizer=self.optimizer,
            trainable_variables=self.objective.variables,
            trace_fn=lambda state: (state.loss, self.traced()),
        )
        before = tf.nest.map_structure(
            lambda value, values: tf.concat([value[tf.newaxis], values[:-1]], axis=0),
            first,
            after,
        )
        return losses, before


def _timed(loop, chunks):
    """``loop`` (a training-loop class) recording the wall time of each call in ``chunks``."""

    class Timed(loop):
        def run(self, start, count):
            begin = time.perf_counter()
            result = super().run(start, count)
            chunks.append((count, time.perf_counter() - begin))
            return result

    return Timed


def _fit_cases():
    """Models, data and ``fit`` options timed: name -> (distribution, data, options)."""
    import numpy as np
    import tensorflow as tf

    import flowdocs

    true_flow = flowdocs.five_stage_flow(seed=0, dtype=tf.float64)
    x, _ = true_flow.sample_and_log_prob(8000, seed=1)
    x = x.numpy()
    x = x[np.all((x > 0) & (x < 1), axis=1)][:4000]
    five_stage = flowdocs.five_stage_flow(
        shift=(0.0, 0.0), scale=(1.0, 1.0), strength=1.0, angle=2.6, trainable=True,
        dtype=tf.float64,
    )  # fmt: skip
    shift, scale, cube, rotation = (stage.bijector for stage in five_stage.stages[:4])

    def parameters():
        return {
            "c": tf.convert_to_tensor(shift.shift),
            "d": tf.convert_to_tensor(scale.scale),
            "e": tf.convert_to_tensor(cube.strength),
            "theta": tf.convert_to_tensor(rotation.angle),
        }

    moons = flowdocs.two_moons(noise=0.1).sample(6000, seed=(0, 0)).numpy()
    return {
        "five-stage flow, full batch, XLA, traced parameters": (
            five_stage.distribution,
            x,
            {"steps": 2000, "learning_rate": 0.01, "jit_compile": True, "trace_fn": parameters},
        ),
        "RealNVP, 4 couplings of 64x64, batches of 512": (
            flowdocs.realnvp_flow(couplings=4, hidden_units=(64, 64), seed=0).distribution,
            moons,
            {"steps": 1000, "learning_rate": 0.005, "batch_size": 512},
        ),
    }


def fit_loops(repeats):
    """``flowdocs.fit`` with its ``tf.while_loop`` and with ``tfp.math.minimize``.

    Each timed run trains the same model from the same starting values on the same data
    (the variables are reset before every run), and the two loops take turns in every
    round. A run's time is the whole ``fit`` call: its first chunk includes tracing and
    compiling the loop, the later ones only run steps.
    """
    from flowdocs import fitting

    loops = {"tf.while_loop": fitting._TrainingLoop, "tfp.math.minimize": MinimizeLoop}
    rows = []
    for name, case in _fit_cases().items():
        row = {"model": name, "steps": case[2]["steps"], "loops": _time_fits(*case, loops, repeats)}
        loop, minimize = (row["loops"][label]["seconds"] for label in loops)
        row["ratio"] = minimize / loop
        rows.append(row)
        timings = ", ".join(
            f"{label} {timing['seconds']:.2f} s (first call {timing['first call']:.2f} s, "
            f"{1e3 * timing['per later step']:.3f} ms per later step)"
            for label, timing in row["loops"].items()
        )
        print(f"  fit, {name}: {timings}; minimize / while_loop = {row['ratio']:.2f}", flush=True)
    return rows


def _time_fits(model, data, options, loops, repeats):
    """Median times of ``fit(model, data, **options)`` with each of ``loops`` in turn."""
    from unittest import mock

    import numpy as np

    import flowdocs
    from flowdocs import fitting

    variables = model.trainable_variables
    start = [v.numpy() for v in variables]
    records = {label: [] for label in loops}

    def train(label):
        for variable, value in zip(variables, start, strict=True):
            variable.assign(value)
        chunks = []
        with mock.patch.object(fitting, "_TrainingLoop", _timed(loops[label], chunks)):
            result = flowdocs.fit(model, data, progress=False, **options)
        records[label].append(chunks)
        return result

    # The two loops must train alike before their times mean anything.
    results = [train(label) for label in loops]
    if "trace_fn" in options:
        (first, first_trace), (second, second_trace) = results
        for key in first_trace:
            np.testing.assert_allclose(first_trace[key], second_trace[key], rtol=1e-9)
    else:
        first, second = results
    np.testing.assert_allclose(first, second, rtol=1e-9)

    timings = {}
    runs = {label: functools.partial(train, label) for label in loops}
    for label, seconds in median_seconds(runs, repeats).items():
        timed = records[label][-repeats:]
        later = [sum(t for _, t in chunks[1:]) / sum(n for n, _ in chunks[1:]) for chunks in timed]
        timings[label] = {
            "seconds": seconds,
            "first call": statistics.median(chunks[0][1] for chunks in timed),
            "per later step": statistics.median(later),
        }
    return timings


# -- Docs build -------------------------------------------------------------------------

EXECUTED = re.compile(r"executed (\d+) out of (\d+)")
RUNNING_TIME = re.compile(
    r"Total running time of the script:\*\* \((\d+) minutes ([\d.]+) seconds\)"
)
EXAMPLE_BUDGET = 30.0  # seconds per gallery script, on two cores
COLD_BUDGET = 240.0  # seconds for a cold build of the whole site


def docs(repeats):
    """Cold, no-op, one-script, one-page and no-plot builds of a copy of the site."""
    results = {}
    for step in ("cold", "no-op rebuild", "one script edited", "one page edited", "no-plot"):
        results[step] = {"seconds": [], "executed": None}
    for _ in range(repeats):
        with tempfile.TemporaryDirectory(prefix="flowdocs-bench-") as tmp:
            tree = Path(tmp)
            for name in ("conf", "docs", "gallery"):
                shutil.copytree(
                    ROOT / name,
                    tree / name,
                    ignore=shutil.ignore_patterns("auto_examples", "gen_modules", "__pycache__"),
                )
            scripts = sorted((tree / "gallery").rglob("plot_*.py"))
            script = scripts[0]
            results["one script edited"]["edited"] = script.stem
            results["cold"]["scripts"] = len(scripts)
            page = tree / "docs" / "theory" / "composing.md"
            edits = {
                "cold": None,
                "no-op rebuild": None,
                "one script edited": (script, "\n# edited by the benchmark\n"),
                "one page edited": (page, "\nEdited by the benchmark.\n"),
            }
            for step, edit in edits.items():
                if edit:
                    _append(*edit)
                _record(results[step], *_build(tree, tree / "build" / "html"))
                if step == "cold":
                    results["cold"].setdefault("script_seconds", []).append(_script_seconds(tree))
            _record(results["no-plot"], *_build(tree, tree / "noplot", "-D", "plot_gallery=0"))
    for step, result in results.items():
        result["median"] = statistics.median(result["seconds"])
        print(f"  docs {step}: {result['median']:.1f} s, executed {result['executed']}")
    runs = results["cold"].pop("script_seconds")
    results["cold"]["scripts_seconds"] = {
        name: statistics.median(run[name] for run in runs) for name in runs[0]
    }
    for section, seconds in sections(results["cold"]["scripts_seconds"]).items():
        print(f"  docs cold, gallery section {section}: {seconds:.1f} s of script time")
    return results


def _script_seconds(tree):
    """``{"section/script": seconds}``: each example's running time, as sphinx-gallery timed it."""
    times = {}
    for page in sorted((tree / "docs" / "auto_examples").glob("*/plot_*.rst")):
        found = RUNNING_TIME.search(page.read_text(encoding="utf-8"))
        if found:
            times[f"{page.parent.name}/{page.stem}"] = 60 * int(found[1]) + float(found[2])
    return times


def sections(script_seconds):
    """The summed script time of each gallery section, largest first."""
    totals = {}
    for name, seconds in script_seconds.items():
        section = name.split("/")[0]
        totals[section] = totals.get(section, 0.0) + seconds
    return dict(sorted(totals.items(), key=lambda item: -item[1]))


def _append(path, text):
    with path.open("a", encoding="utf-8") as file:
        file.write(text)


def _build(tree, out, *extra):
    """One sphinx-build of ``tree``; returns (seconds, names of the examples it executed)."""
    examples = tree / "docs" / "auto_examples"
    before = {p: p.stat().st_mtime_ns for p in examples.rglob("*.md5")} if examples.exists() else {}
    command = [sys.executable, "-m", "sphinx", "-j", "auto", "-W", "--keep-going", "-n", "-c"]
    command += [str(tree / "conf"), str(tree / "docs"), str(out), *extra]
    start = time.perf_counter()
    run = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if run.returncode:
        raise RuntimeError(f"docs build failed:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}")
    after = {p: p.stat().st_mtime_ns for p in examples.rglob("*.md5")}
    executed = sorted(
        p.name.removesuffix(".py.md5") for p, t in after.items() if before.get(p) != t
    )
    counted = EXECUTED.search(run.stdout)
    if counted and "plot_gallery=0" not in extra and int(counted.group(1)) != len(executed):
        raise RuntimeError(f"sphinx-gallery executed {counted.group(1)}, md5 files say {executed}")
    return seconds, executed


def _record(result, seconds, executed):
    result["seconds"].append(seconds)
    result["executed"] = executed


# -- Page weight ------------------------------------------------------------------------


def page_weight():
    """Bytes each built page transfers, by kind, from a local server in Chromium."""
    from playwright.sync_api import sync_playwright

    if not (SITE / "index.html").is_file():
        raise SystemExit(f"No built site in {SITE}: run `nox -s docs` first.")
    pages = sorted(
        p.relative_to(SITE).as_posix() for p in SITE.rglob("*.html") if "_static" not in p.parts
    )
    executable = os.environ.get("FLOWDOCS_CHROMIUM") or shutil.which("chromium")
    rows = []
    with _serve(SITE) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        for path in pages:
            context = browser.new_context()  # a fresh cache: every page pays for everything
            page = context.new_page()
            sizes = {}
            page.on("response", lambda r, sizes=sizes: sizes.setdefault(r.url, _weigh(r)))
            page.goto(f"{base}/{path}", wait_until="networkidle")
            context.close()
            row = {"page": path, "total": 0, "gzip": 0}
            for kind, size, compressed in sizes.values():
                row[kind] = row.get(kind, 0) + size
                row["total"] += size
                row["gzip"] += compressed
            rows.append(row)
        browser.close()
    rows.sort(key=lambda row: row["total"], reverse=True)
    site_bytes = sum(p.stat().st_size for p in SITE.rglob("*") if p.is_file())
    print(
        f"  heaviest page: {rows[0]['page']} {rows[0]['total'] / 1e6:.2f} MB "
        f"({rows[0]['gzip'] / 1e6:.2f} MB gzipped)"
    )
    print(f"  site on disk: {site_bytes / 1e6:.1f} MB")
    return {"pages": rows, "site_bytes": site_bytes}


def _weigh(response):
    """(kind, bytes, bytes over a gzip-compressing host) of one response."""
    kind = response.request.resource_type
    kind = {"stylesheet": "css", "script": "js", "document": "html"}.get(kind, kind)
    try:
        body = response.body()
    except Exception:  # a redirect or an aborted request has no body
        return kind, 0, 0
    # GitHub Pages and Read the Docs gzip text; images and woff2 fonts are compressed.
    compressed = len(gzip.compress(body)) if kind in ("html", "css", "js") else len(body)
    return kind, len(body), compressed


@contextlib.contextmanager
def _serve(directory):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format, *args):
            pass

    handler = functools.partial(Quiet, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


# -- Report -----------------------------------------------------------------------------


def machine():
    names = ("tensorflow", "tensorflow-probability", "numpy", "sphinx", "sphinx-gallery")
    return {
        "cores": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "versions": {name: metadata.version(name) for name in names},
        "date": time.strftime("%Y-%m-%d"),
    }


def markdown(report):
    """The results as the Markdown the Performance page includes."""
    lines = ["| target | measured | met |", "| --- | --- | --- |"]
    for target, figure, met in targets(report):
        lines += [f"| {target} | {figure} | {'yes' if met else '**no**'} |"]
    lines += [""]
    info = report["machine"]
    versions = ", ".join(f"{k} {v}" for k, v in info["versions"].items())
    lines += [
        f"Measured on {info['date']}: {info['cores']} cores ({info['processor']}), "
        f"Python {info['python']}, {versions}. Timings: medians of {report['repeats']} "
        f"runs after a warm-up; docs builds: medians of {report['docs_repeats']} copies.",
        "",
    ]
    if "library" in report:
        lib = report["library"]
        rows = lib["throughput"]
        names = [k for k in rows[0] if k != "points"]
        lines += ["| sample + log_prob | " + " | ".join(f"{r['points']:,}" for r in rows) + " |"]
        lines += ["| --- | " + " | ".join("---:" for _ in rows) + " |"]
        for name in names:
            cells = [f"{_ms(r[name])} ({r['TFP eager'] / r[name]:.1f}x)" for r in rows]
            lines += [f"| {name} | " + " | ".join(cells) + " |"]
        lines += ["", "Columns: points drawn; brackets: speed-up over TFP eager.", ""]
        lines += ["| bijector at 1e6 points | custom | TFP built-in | custom / built-in |"]
        lines += ["| --- | ---: | ---: | ---: |"]
        for row in lib["bijectors"]:
            lines += [
                f"| {row['bijector']} | {_ms(row['custom'])} | "
                f"{_ms(row['built-in'])} | {row['ratio']:.2f} |"
            ]
        grid = lib["staged_grid"]
        lines += [
            "",
            f"All {grid['stages']} staged densities on {grid['resolution']}x"
            f"{grid['resolution']} grids: {grid['seconds']:.2f} s.",
            "",
        ]
    if "fit" in report:
        lines += [
            "| fit, same model, data and steps | loop | whole fit | first call | per later step |"
        ]
        lines += ["| --- | --- | ---: | ---: | ---: |"]
        for row in report["fit"]:
            for label, timing in row["loops"].items():
                lines += [
                    f"| {row['model']}, {row['steps']:,} steps | {label} | "
                    f"{timing['seconds']:.2f} s | {timing['first call']:.2f} s | "
                    f"{1e3 * timing['per later step']:.3f} ms |"
                ]
        lines += [
            "",
            "First call: tracing and compiling the loop, and its first steps.",
            "",
        ]
    if "docs" in report:
        lines += ["| docs build | seconds | examples executed |", "| --- | ---: | --- |"]
        for step, result in report["docs"].items():
            executed = ", ".join(result["executed"]) or "none"
            if len(result["executed"]) == result.get("scripts"):
                executed = f"all {result['scripts']}"
            lines += [f"| {step} | {result['median']:.1f} | {executed} |"]
        lines += [""]
        scripts = report["docs"]["cold"].get("scripts_seconds")
        if scripts:
            total = sum(scripts.values())
            lines += ["| gallery section | script seconds (cold build) | share |"]
            lines += ["| --- | ---: | ---: |"]
            for section, seconds in sections(scripts).items():
                lines += [f"| {section} | {seconds:.1f} | {seconds / total:.0%} |"]
            lines += [f"| all {len(scripts)} scripts | {total:.1f} | 100% |", ""]
    if "pages" in report:
        pages = report["pages"]
        top = pages["pages"][:5]
        kinds = ("total", "gzip", "html", "css", "js", "image", "font")
        lines += ["| heaviest pages, kB | total | gzipped | html | css | js | images | fonts |"]
        lines += ["| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for row in top:
            name = row["page"].removeprefix("auto_examples/").removesuffix(".html")
            cells = [f"{row.get(k, 0) / 1e3:,.0f}" for k in kinds]
            lines += [f"| {name} | " + " | ".join(cells) + " |"]
        lines += ["", f"Whole site on disk: {pages['site_bytes'] / 1e6:.1f} MB.", ""]
    if "lighthouse" in report:
        lines += [
            "| Lighthouse, mobile | performance | accessibility | best practices | SEO "
            "| FCP | LCP | TBT | CLS |"
        ]
        lines += ["| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for row in report["lighthouse"]:
            scores = " | ".join(str(row[k]) for k in lighthouse_audit.CATEGORIES)
            lines += [
                f"| {row['page'].removesuffix('.html')} | {scores} | {row['FCP'] / 1e3:.1f} s "
                f"| {row['LCP'] / 1e3:.1f} s | {row['TBT']:.0f} ms | {row['CLS']:.3f} |"
            ]
        lines += [
            "",
            "Lighthouse's mobile preset with its default throttling (a phone on slow 4G, "
            "simulated), the site served gzipped from 127.0.0.1; FCP, LCP: first and largest "
            "contentful paint; TBT: total blocking time; CLS: cumulative layout shift.",
            "",
        ]
    return "\n".join(lines)


def _ms(seconds):
    return f"{1e3 * seconds:,.1f} ms"


def targets(report):
    """Each target of the performance issue that ``report`` measured: (target, figure, met)."""
    checks = []
    if "docs" in report:
        build = report["docs"]
        cold, noop = build["cold"], build["no-op rebuild"]
        edited = build["one script edited"]
        checks += [
            (
                f"cold docs build <= {COLD_BUDGET:.0f} s",
                f"{cold['median']:.1f} s",
                cold["median"] <= COLD_BUDGET,
            ),
            (
                "no-op rebuild <= 0.1 x cold, executes nothing",
                f"{noop['median'] / cold['median']:.2f} x, executed {len(noop['executed'])}",
                noop["median"] <= 0.1 * cold["median"] and not noop["executed"],
            ),
            (
                "one-script edit re-executes only that script",
                ", ".join(edited["executed"]) or "none",
                edited["executed"] == [edited["edited"]],
            ),
            (
                "no-plot build executes nothing",
                f"executed {len(build['no-plot']['executed'])}",
                not build["no-plot"]["executed"],
            ),
        ]
        scripts = cold.get("scripts_seconds")
        if scripts:
            slowest = max(scripts, key=scripts.get)
            checks += [
                (
                    f"every example <= {EXAMPLE_BUDGET:.0f} s",
                    f"slowest {slowest}: {scripts[slowest]:.1f} s",
                    scripts[slowest] <= EXAMPLE_BUDGET,
                )
            ]
    if "library" in report:
        (row,) = [r for r in report["library"]["throughput"] if r["points"] == 1_000_000]
        flow = row["Flow.sample_and_log_prob"]
        speedup, over = row["TFP eager"] / flow, flow / row["hand-fused TF"]
        checks += [
            ("compiled Flow >= 3x eager TFP at 1e6", f"{speedup:.1f}x", speedup >= 3),
            ("compiled Flow <= 1.5x hand-fused TF at 1e6", f"{over:.2f}x", over <= 1.5),
        ]
        for bijector in report["library"]["bijectors"]:
            checks += [
                (
                    f"{bijector['bijector']}: custom / built-in <= 1.0 at 1e6",
                    f"{bijector['ratio']:.2f}",
                    bijector["ratio"] <= 1.0,
                )
            ]
    for row in report.get("fit", []):
        checks += [
            (
                f"fit, {row['model']}: tfp.math.minimize / fit's tf.while_loop >= 1",
                f"{row['ratio']:.2f}",
                row["ratio"] >= 1.0,
            )
        ]
    if "pages" in report:
        for key, host in (("gzip", "from a host that gzips text"), ("total", "uncompressed")):
            heaviest = max(report["pages"]["pages"], key=lambda row, key=key: row[key])
            checks += [
                (
                    f"no page transfers more than 1 MB {host}",
                    f"{heaviest['page']}: {heaviest[key] / 1e6:.2f} MB",
                    heaviest[key] <= 1e6,
                )
            ]
    rows = report.get("lighthouse", [])
    for name, least in (
        ("performance", 95),
        ("accessibility", 100),
        ("best-practices", 100),
        ("seo", 100),
    ):
        if rows:
            worst = min(rows, key=lambda row, name=name: row[name])
            checks += [
                (
                    f"Lighthouse mobile {name} >= {least} on every audited page",
                    f"lowest {worst[name]} ({worst['page']})",
                    worst[name] >= least,
                )
            ]
    return checks


# -- Flow families against dimension ----------------------------------------------------

FAMILY_DIMS = (2, 8, 32, 128)


def family_builders():
    """The five families, untrained (cost does not depend on training), 4 layers of 32 units."""
    import flowdocs

    return {
        "NICE": lambda d: flowdocs.nice_flow(dims=d, couplings=4, hidden_units=(32,)),
        "RealNVP": lambda d: flowdocs.realnvp_flow(dims=d, couplings=4, hidden_units=(32,)),
        "spline": lambda d: flowdocs.spline_flow(dims=d, couplings=4, hidden_units=(32,)),
        "MAF": lambda d: flowdocs.maf_flow(dims=d, layers=4, hidden_units=(32,)),
        "IAF": lambda d: flowdocs.iaf_flow(dims=d, layers=4, hidden_units=(32,)),
    }


def families(repeats, dims=FAMILY_DIMS, n=1000):
    """Time to sample and to score ``n`` points for every family at every dimension.

    Prints one line per family and dimension; the rows go into ``build/bench.json``.
    """
    from flowdocs.costs import flow_costs

    rows = flow_costs(family_builders(), dims, n=n, repeats=repeats)
    print(f"  {'family':9}{'D':>5}{'sample ms':>12}{'score ms':>12}{'score/sample':>14}")
    for row in rows:
        ratio = row.score_seconds / row.sample_seconds
        print(
            f"  {row.family:9}{row.dims:5}{1e3 * row.sample_seconds:12.2f}"
            f"{1e3 * row.score_seconds:12.2f}{ratio:14.2f}",
            flush=True,
        )
    return [row._asdict() for row in rows]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=PARTS, action="append")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per figure")
    parser.add_argument("--docs-repeats", type=int, default=2, help="copies built per step")
    parser.add_argument(
        "--lighthouse-runs", type=int, default=1, help="Lighthouse runs per page (median kept)"
    )
    parser.add_argument(
        "--lighthouse-page",
        action="append",
        default=[],
        help="audit only this page (e.g. index.html; repeatable); the table then has only these",
    )
    args = parser.parse_args()
    only = set(args.only or PARTS)
    report = {"machine": machine(), "repeats": args.repeats, "docs_repeats": args.docs_repeats}
    if "library" in only:
        print("library throughput", flush=True)
        report["library"] = library(args.repeats)
    if "fit" in only:
        print("fit", flush=True)
        report["fit"] = fit_loops(args.repeats)
    if "docs" in only:
        print("docs build", flush=True)
        report["docs"] = docs(args.docs_repeats)
    if "pages" in only:
        print("page weight", flush=True)
        report["pages"] = page_weight()
    if "families" in only:
        print("flow families: 1000 points sampled and scored, untrained flows", flush=True)
        report["families"] = families(args.repeats)
    if "lighthouse" in only:
        print("lighthouse (mobile)", flush=True)
        chromium = os.environ.get("FLOWDOCS_CHROMIUM") or shutil.which("chromium")
        report["lighthouse"] = lighthouse_audit.lighthouse(
            SITE, chromium, args.lighthouse_runs, args.lighthouse_page
        )
    (ROOT / "build").mkdir(exist_ok=True)
    (ROOT / "build" / "bench.json").write_text(json.dumps(report, indent=2))
    table = markdown(report)
    print(table)
    if only == set(PARTS):  # without Lighthouse's table: performance_lighthouse.md has it
        rest = markdown({key: value for key, value in report.items() if key != "lighthouse"})
        (ROOT / "docs" / "performance_results.md").write_text(rest + "\n", encoding="utf-8")
    # Its own table on the Performance page, from any run of it over every audited page.
    if "lighthouse" in report and not args.lighthouse_page:
        part = {key: report[key] for key in ("machine", "repeats", "docs_repeats", "lighthouse")}
        (ROOT / "docs" / "performance_lighthouse.md").write_text(
            markdown(part) + "\n", encoding="utf-8"
        )


if __name__ == "__main__":
    main()

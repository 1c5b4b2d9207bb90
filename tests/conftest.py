"""Fixtures and helpers shared by the test modules.

The folders say what each test needs:

- ``library/``: the ``flowdocs`` package and nothing else (the math, the checks, fitting,
  the plotting functions, the benchmark's verdict logic);
- ``site/``: the docs sources, the gallery scripts and the site that ``nox -s docs``
  built (``build/html``): equations, links, scripts and notebooks, figures;
- ``browser/``: the built site in a real headless Chromium;
- ``bench/``: not tests, the benchmark behind ``nox -s bench``.

``nox -s tests`` runs the first three. Tests reach everything here through fixtures
(``--import-mode=importlib`` keeps ``tests/`` off ``sys.path``). The tolerances live
here too, so the tests that show a check catching a planted defect measure it against
the very numbers the real tests use.
"""

import dataclasses
import functools
import importlib.util
import math
import re
import sys
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_probability as tfp

import flowdocs
from flowdocs import checks

tfb = tfp.bijectors

DTYPES = (tf.float32, tf.float64)
STAGE_NAMES = ("shift", "scale", "shift_and_cube", "rotation", "sigmoid")
BATCH_SHAPES = ((10_000,), (3, 4), (5, 7, 11))

EDGE_MARGIN = 1e-3
"""Points this far inside the unit square keep the float32 logit accurate to ~1e-4."""
INNER_MARGIN = 0.01
"""Grids resolve the final density on [δ, 1-δ]²; nearer the edge it varies too fast."""


@dataclasses.dataclass(frozen=True)
class Tolerances:
    """What 'agrees' means for one dtype. Measured figures sit 10-100x below these."""

    round_trip: float
    """Normwise relative error of a round trip (checks.round_trip_error)."""
    log_det: float
    """Absolute log-det gap, vs autodiff and forward vs -inverse."""
    log_prob: float
    """|log p - reference| / max(1, |reference|)."""
    mass: float = 1e-2
    """Absolute error of a probability by the midpoint rule."""
    max_abs_z: float = 5.5
    """Largest standardized histogram residual over ~1,400 bins."""


TOLERANCES = {
    tf.float32: Tolerances(round_trip=1e-5, log_det=1e-3, log_prob=3e-4),
    tf.float64: Tolerances(round_trip=1e-10, log_det=1e-10, log_prob=1e-10),
}


def _load(path, name):
    """Import the module at ``path`` under ``name`` (tests/ and conf/ are off sys.path)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent


def _load_helper(relative):
    """Import ``tests/<relative>``, a module that is not a test (e.g. ``bench/bench.py``)."""
    path = TESTS / relative
    return _load(path, f"flowdocs_tests_{path.stem}")


REFERENCE = _load_helper("library/reference.py")


# --------------------------------------------------------------------------- points


def stateless(seed):
    """TFP's stateless seed ``[0, seed]``: the same draws on every call. (TFP treats a bare
    int seed as stateful: two calls with ``seed=3`` draw different numbers.)"""
    return tf.constant([0, seed], tf.int32)


def draw(distribution, n, seed):
    """``n`` samples of ``distribution`` as a NumPy array, from a stateless seed."""
    return distribution.sample(n, seed=stateless(seed)).numpy()


def copy_of(tensor):
    """A new tensor with the same values: TFP's bijector cache cannot recognise it."""
    return tf.constant(np.array(tensor))


def inside_unit_square(points, margin):
    """Mask of the points of shape [..., 2] in [margin, 1 - margin]²."""
    points = np.asarray(points)
    return np.all((points >= margin) & (points <= 1 - margin), axis=-1)


def quantile_box(points, tail, pad=0.0):
    """The box between the ``tail`` and ``1 - tail`` quantiles of each coordinate, padded."""
    low, high = np.quantile(np.reshape(points, [-1, 2]), [tail, 1 - tail], axis=0)
    margin = pad * (high - low)
    return tuple(zip((low - margin).tolist(), (high + margin).tolist(), strict=True))


def interior_staged_points(flow, count, seed):
    """``count`` base points and their images after each stage, all ending EDGE_MARGIN
    inside the unit square (where every check is well conditioned)."""
    points = flow.staged_samples(4 * count, seed=stateless(seed))
    keep = inside_unit_square(points[-1], EDGE_MARGIN)
    assert keep.sum() >= count
    return [p[keep][:count] for p in points]


# --------------------------------------------------------------------------- subjects


class Subject(NamedTuple):
    """A bijector under test with points on both sides of it."""

    bijector: tfb.Bijector
    x: np.ndarray
    y: np.ndarray
    starts: tuple
    """Round-trip directions that are well conditioned at these points."""


SUBJECT_NAMES = (*STAGE_NAMES, "chain", "ShiftAndCube(-1.7)", "Rotation2D(pi/4)")
STANDALONE = {
    "ShiftAndCube(-1.7)": lambda dtype: flowdocs.ShiftAndCube(tf.constant(-1.7, dtype)),
    "Rotation2D(pi/4)": lambda dtype: flowdocs.Rotation2D(tf.constant(math.pi / 4, dtype)),
}


@functools.cache
def make_subject(name, dtype, batch_shape, seed=0):
    """The named stage of ``five_stage_flow(seed=0)`` (or the whole chain, or a
    standalone bijector) with seeded points reshaped to ``batch_shape + [2]``.

    Cached: the checks never reuse a bijector's cached results (they pass copies)."""
    count = math.prod(batch_shape)
    if name in STANDALONE:
        bijector = STANDALONE[name](dtype)
        rng = np.random.default_rng(seed)
        x = rng.normal(scale=1.5, size=(count, 2)).astype(dtype.as_numpy_dtype)
        y = bijector.forward(x).numpy()
        starts = ("x", "y")
    else:
        flow = flowdocs.five_stage_flow(seed=0, dtype=dtype)
        points = interior_staged_points(flow, count, seed)
        if name == "chain":
            bijector, x, y = flow.bijector, points[0], points[-1]
        else:
            k = STAGE_NAMES.index(name)
            bijector, x, y = flow.stages[k].bijector, points[k], points[k + 1]
        # The float32 sigmoid saturates: x -> y -> x loses digits, y -> x -> y does not.
        starts = ("y",) if name in ("sigmoid", "chain") else ("x", "y")
    shape = (*batch_shape, 2)
    return Subject(bijector, x.reshape(shape), y.reshape(shape), starts)


def output_dtypes(bijector, x):
    """The dtypes of forward, inverse and both log-dets at ``x`` and at a copy of f(x)."""
    y = copy_of(bijector.forward(x))
    outputs = [
        bijector.forward(x),
        bijector.inverse(y),
        bijector.forward_log_det_jacobian(x, event_ndims=1),
        bijector.inverse_log_det_jacobian(y, event_ndims=1),
    ]
    return {tf.as_dtype(output.dtype) for output in outputs}


# --------------------------------------------------------------------------- flows


PARAMETER_READERS = {
    "shift": lambda bijector: (bijector.shift,),
    "scale": lambda bijector: (bijector.scale,),
    "shift_and_cube": lambda bijector: (bijector.strength,),
    "rotation": lambda bijector: (bijector.angle,),
    "sigmoid": lambda bijector: (),
}
"""Stage name -> the parameters the reference needs, read from the flow's bijector."""


def reference_log_prob(flow, x, k=None):
    """The NumPy reference of eq. (6) for the first ``k`` stages of ``flow`` (all by default)."""
    stages = [
        (
            stage.name,
            tuple(np.asarray(p, np.float64) for p in PARAMETER_READERS[stage.name](stage.bijector)),
        )
        for stage in flow.stages[: len(flow.stages) if k is None else k]
    ]
    loc, scale = (np.asarray(t, np.float64) for t in (flow.base.mean(), flow.base.stddev()))
    return REFERENCE.log_prob(x, stages, loc, scale)


def log_prob_error(log_prob, reference):
    """max |log p - reference| / max(1, |reference|): relative for large values."""
    gap = np.abs(np.asarray(log_prob, np.float64) - reference)
    return float(np.max(gap / np.maximum(1.0, np.abs(reference))))


def ends_in_sigmoid(flow, k):
    """Whether the k-th distribution of ``flow`` lives in the unit square."""
    return k > 0 and isinstance(flow.stages[k - 1].bijector, tfb.Sigmoid)


class MassFigure(NamedTuple):
    mass: float
    """The integral of the density over a region holding all but ~1e-3 of the samples."""
    edge_share: float
    """The share of samples where the density is not finite: float rounding put them
    exactly on the unit square's edge. The density cannot count them."""


def stage_mass(flow, k, n=100_000, seed=1, resolution=600):
    """Integrate the density after ``k`` stages over a box from ``n`` of its samples.

    The sigmoid's output piles up against the unit square's edges, so that stage is
    integrated in logit coordinates, over a box for the sigmoid's input.
    """
    samples = flow.staged_samples(n, seed=stateless(seed))
    distribution = flow.distribution_after(k)
    logit = ends_in_sigmoid(flow, k)
    box = quantile_box(samples[k - 1] if logit else samples[k], tail=5e-4, pad=0.05)
    mass = checks.probability_mass(
        distribution, box, resolution, coordinates=tfb.Sigmoid() if logit else None
    )
    finite = np.isfinite(distribution.log_prob(copy_of(samples[k])).numpy())
    return MassFigure(mass, float(1 - np.mean(finite)))


def stage_histogram(flow, k, n=100_000, seed=7):
    """checks.histogram_agreement of ``n`` samples of the k-th distribution with its density,
    over the bulk of the samples (the inner square for the sigmoid's output)."""
    distribution = flow.distribution_after(k)
    samples = draw(distribution, n, seed)
    if ends_in_sigmoid(flow, k):
        bounds = ((INNER_MARGIN, 1 - INNER_MARGIN),) * 2
    else:
        bounds = quantile_box(samples, tail=0.01)
    return checks.histogram_agreement(distribution, samples, bounds, bins=40, subdivisions=5)


def flow_parameters(flow):
    """Every numeric parameter of the flow's stages, flattened."""
    return np.concatenate(
        [
            np.ravel(np.asarray(value, np.float64))
            for stage in flow.stages
            for value in stage.bijector.parameters.values()
            if tf.is_tensor(value) or isinstance(value, (float, np.ndarray))
        ]
    )


def flow_draws(flow, seed, n=256):
    """``staged_samples`` and ``sample_and_log_prob`` with the same seed, flattened."""
    draws = [*flow.staged_samples(n, seed=seed), *flow.sample_and_log_prob(n, seed=seed)]
    return np.concatenate([np.ravel(np.asarray(d, np.float64)) for d in draws])


class Gap(NamedTuple):
    parameters: float
    draws: float


def reproducibility_gap(factory, seed):
    """Largest differences between two flows built by ``factory(seed=seed)`` and sampled
    with ``seed``: both 0 when the factory and the sampling are reproducible."""
    first, second = factory(seed=seed), factory(seed=seed)
    return Gap(
        float(np.max(np.abs(flow_parameters(first) - flow_parameters(second)))),
        float(np.max(np.abs(flow_draws(first, seed) - flow_draws(second, seed)))),
    )


# --------------------------------------------------------------------------- formulas

PARAMETER_SYMBOLS = {
    "shift": {"c_0", "c_1"},
    "scale": {"d_0", "d_1"},
    "shift_and_cube": {"e"},
    "rotation": {r"\theta"},
    "sigmoid": set(),
}
"""The symbols each stage's parameters go by in the docs."""
VARIABLES = {"z_a", "z_b"}
FUNCTIONS = {r"\cos", r"\sin", r"\sigma"}
_SYMBOL = re.compile(r"\\[A-Za-z]+|[A-Za-z](?:_(?:\{[^{}]*\}|[A-Za-z0-9]))?")


def formula_problems(stage):
    """What is wrong with ``stage.formula``: it must read ``<symbol>(z) = ...`` and use only
    z_a, z_b, the stage's parameter symbols and named functions. Empty when fine."""
    left, _, right = stage.formula.partition("=")
    problems = []
    if left.replace(" ", "") != f"{stage.symbol}(z)":
        problems.append(f"left side {left.strip()!r} is not {stage.symbol}(z)")
    allowed = VARIABLES | FUNCTIONS | PARAMETER_SYMBOLS.get(stage.name, set())
    used = {re.sub(r"[{}]", "", symbol) for symbol in _SYMBOL.findall(right)}
    problems += [f"unexpected symbol {symbol}" for symbol in sorted(used - allowed)]
    if not used & VARIABLES:
        problems.append("uses neither z_a nor z_b")
    return problems


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def webp():
    """The build's gallery scraper and thumbnail panels (conf/_ext/flowdocs_webp.py)."""
    return _load(ROOT / "conf" / "_ext" / "flowdocs_webp.py", "flowdocs_conf_webp")


@pytest.fixture(scope="session")
def savefig_kwargs(webp):
    """How the build saves gallery figures: its scraper's savefig arguments."""
    return webp.SAVEFIG_KWARGS


@pytest.fixture(scope="session")
def bench():
    """The benchmark module behind ``nox -s bench`` (tests/bench/bench.py)."""
    return _load_helper("bench/bench.py")


@pytest.fixture(params=DTYPES, ids=lambda dtype: dtype.name)
def dtype(request):
    return request.param


@pytest.fixture
def tolerance(dtype):
    return TOLERANCES[dtype]


@pytest.fixture
def flow(dtype):
    """The five-stage flow of the docs, seed 0."""
    return flowdocs.five_stage_flow(seed=0, dtype=dtype)


@pytest.fixture(params=BATCH_SHAPES, ids=lambda shape: "x".join(map(str, shape)))
def batch_shape(request):
    return request.param


@pytest.fixture(params=SUBJECT_NAMES)
def subject(request, dtype, batch_shape):
    return make_subject(request.param, dtype, batch_shape)


@pytest.fixture(params=range(len(STAGE_NAMES) + 1), ids=("base", *STAGE_NAMES))
def stage_count(request):
    """k for the distribution after the first k stages (0: the base)."""
    return request.param


FIGURES = []
"""(test, figure name, value) measured during the run; listed at the end with ``-v``."""


@pytest.fixture
def record_figure(request):
    """``record_figure(name, value)`` lists a measured figure in the run's summary (``-v``).

    (pytest's ``record_property`` would do, but it warns, hence fails, under JUnit xunit2.)
    """

    def record(name, value):
        FIGURES.append((request.node.nodeid.partition("::")[2], name, value))

    return record


def pytest_terminal_summary(terminalreporter, config):
    if FIGURES and config.get_verbosity() > 0:
        terminalreporter.section("measured figures")
        for test, name, value in FIGURES:
            terminalreporter.write_line(f"{test}: {name} = {value:.4g}")


@pytest.fixture
def helpers():
    """This module, so that tests can call its helpers and read its constants."""
    return sys.modules[__name__]

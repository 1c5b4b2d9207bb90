"""The benchmark's verdicts: each performance target is met only by figures that meet it.

The benchmark itself times things and is not run here (``nox -s bench``); these tests feed
its ``targets`` and ``markdown`` made-up reports, one target missed at a time. The training
loop it times against ``fit``'s own must train exactly as ``fit`` does.
"""

import copy
from unittest import mock

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_probability as tfp

import flowdocs
from flowdocs import fitting


def _build(seconds, executed=()):
    return {"median": seconds, "seconds": [seconds], "executed": list(executed)}


GOOD = {
    "machine": {"date": "2026-01-01", "cores": 2, "processor": "x86_64", "python": "3.11"}
    | {"versions": {"tensorflow": "2"}},
    "repeats": 5,
    "docs_repeats": 2,
    "docs": {
        "cold": _build(60.0, ["plot_01", "plot_02"])
        | {
            "scripts": 2,
            "scripts_seconds": {"learning/plot_01": 12.0, "variational/plot_01": 24.0},
        },
        "no-op rebuild": _build(4.0),
        "one script edited": _build(12.0, ["plot_01"]) | {"edited": "plot_01"},
        "one page edited": _build(10.0),
        "no-plot": _build(15.0),
    },
    "library": {
        "throughput": [
            {
                "points": 1_000_000,
                "TFP eager": 0.300,
                "Flow.sample_and_log_prob": 0.090,
                "hand-fused TF": 0.080,
            }
        ],
        "bijectors": [{"bijector": "rotation", "custom": 0.01, "built-in": 0.05, "ratio": 0.2}],
        "staged_grid": {"resolution": 512, "stages": 6, "seconds": 0.3},
    },
    "fit": [
        {
            "model": "RealNVP",
            "steps": 1000,
            "loops": {
                label: {"seconds": seconds, "first call": 1.0, "per later step": 0.003}
                for label, seconds in (("tf.while_loop", 4.0), ("tfp.math.minimize", 6.0))
            },
            "ratio": 1.5,
        }
    ],
    "pages": {"pages": [{"page": "index.html", "total": 900_000, "gzip": 300_000}]}
    | {"site_bytes": 30_000_000},
    "lighthouse": [
        {"page": page, "performance": 97, "accessibility": 100, "best-practices": 100}
        | {"seo": 100, "FCP": 1200.0, "LCP": 1500.0, "TBT": 20.0, "CLS": 0.0}
        for page in ("index.html", "api.html")
    ],
}


def _set(report, path, value):
    *keys, last = path
    for key in keys:
        report = report[key]
    report[last] = value


MISSES = [
    pytest.param("cold docs build", ("docs", "cold", "median"), 250.0, id="slow-cold"),
    pytest.param(
        "every example",
        ("docs", "cold", "scripts_seconds", "variational/plot_01"),
        31.0,
        id="slow-example",
    ),
    pytest.param("no-op rebuild", ("docs", "no-op rebuild", "median"), 7.0, id="slow-no-op"),
    pytest.param("no-op rebuild", ("docs", "no-op rebuild", "executed"), ["plot_02"], id="no-op"),
    pytest.param(
        "one-script edit",
        ("docs", "one script edited", "executed"),
        ["plot_01", "plot_02"],
        id="one-script",
    ),
    pytest.param("no-plot build", ("docs", "no-plot", "executed"), ["plot_01"], id="no-plot"),
    pytest.param(">= 3x eager", ("library", "throughput", 0, "TFP eager"), 0.2, id="eager"),
    pytest.param("<= 1.5x hand", ("library", "throughput", 0, "hand-fused TF"), 0.05, id="fused"),
    pytest.param("custom / built-in", ("library", "bijectors", 0, "ratio"), 1.1, id="bijector"),
    pytest.param("tfp.math.minimize", ("fit", 0, "ratio"), 0.9, id="fit-loop"),
    pytest.param("gzips", ("pages", "pages", 0, "gzip"), 1_100_000, id="page-gzipped"),
    pytest.param("uncompressed", ("pages", "pages", 0, "total"), 1_100_000, id="page"),
    pytest.param("performance >= 95", ("lighthouse", 1, "performance"), 94, id="lh-perf"),
    pytest.param("accessibility", ("lighthouse", 0, "accessibility"), 98, id="lh-a11y"),
    pytest.param("best-practices", ("lighthouse", 1, "best-practices"), 96, id="lh-bp"),
    pytest.param("seo", ("lighthouse", 0, "seo"), 92, id="lh-seo"),
]


def test_a_report_that_meets_every_target_passes_them_all(bench):
    verdicts = bench.targets(GOOD)
    assert len(verdicts) == len(MISSES) - 1  # two ways to miss the no-op target
    assert all(met for _, _, met in verdicts), verdicts
    assert "**no**" not in bench.markdown(GOOD)


def test_the_docs_table_gives_each_gallery_sections_share_of_the_script_time(bench):
    table = bench.markdown(GOOD)
    assert "| variational | 24.0 | 67% |" in table
    assert "| learning | 12.0 | 33% |" in table
    assert "| all 2 scripts | 36.0 | 100% |" in table
    assert table.index("| variational |") < table.index("| learning |")


def test_script_seconds_reads_sphinx_gallerys_running_times(bench, tmp_path):
    page = tmp_path / "docs" / "auto_examples" / "continuous" / "plot_03_x.rst"
    page.parent.mkdir(parents=True)
    page.write_text("text\n**Total running time of the script:** (1 minutes 2.500 seconds)\n")
    assert bench._script_seconds(tmp_path) == {"continuous/plot_03_x": 62.5}


def test_the_fit_table_shows_both_loops_of_every_model(bench):
    table = bench.markdown(GOOD)
    assert "| RealNVP, 1,000 steps | tf.while_loop | 4.00 s | 1.00 s | 3.000 ms |" in table
    assert "| RealNVP, 1,000 steps | tfp.math.minimize | 6.00 s | 1.00 s | 3.000 ms |" in table


def test_the_lighthouse_table_shows_every_audited_page(bench):
    table = bench.markdown(GOOD)
    assert "| index | 97 | 100 | 100 | 100 | 1.2 s | 1.5 s | 20 ms | 0.000 |" in table
    assert "| api | 97 |" in table


@pytest.mark.parametrize(("target", "path", "value"), MISSES)
def test_a_missed_target_is_reported_as_missed(bench, target, path, value):
    report = copy.deepcopy(GOOD)
    _set(report, path, value)
    failed = [name for name, _, met in bench.targets(report) if not met]
    assert len(failed) == 1, failed
    assert target in failed[0]
    assert "**no**" in bench.markdown(report)


def _gaussian():
    loc = tf.Variable(tf.zeros([2]), name="loc")
    scale = tfp.util.TransformedVariable(tf.ones([2]), tfp.bijectors.Softplus(), name="scale")
    return tfp.distributions.MultivariateNormalDiag(loc=loc, scale_diag=scale)


def _fit(loop, data, **options):
    """``fit`` of a fresh Gaussian, tracing its mean, with ``loop`` as its training loop."""
    model = _gaussian()
    with mock.patch.object(fitting, "_TrainingLoop", loop):
        trace_fn = lambda: {"loc": tf.convert_to_tensor(model.loc)}  # noqa: E731
        return flowdocs.fit(model, data, trace_fn=trace_fn, **options)


def test_the_minimize_loop_trains_exactly_as_fit_does(bench, capsys):
    data = np.random.default_rng(0).normal(loc=(1.0, -2.0), size=(300, 2)).astype(np.float32)
    # Minibatches, and chunks of 50 steps and a last one of 30: seeds, traces, progress.
    options = {"steps": 230, "batch_size": 32, "learning_rate": 0.05, "seed": 3, "progress": 50}
    outputs = {}
    for loop in (fitting._TrainingLoop, bench.MinimizeLoop):
        history, trace = _fit(loop, data, **options)
        outputs[loop] = history, trace["loc"], capsys.readouterr().err
    (history, trace, printed), (other_history, other_trace, other_printed) = outputs.values()
    np.testing.assert_array_equal(history, other_history)
    np.testing.assert_array_equal(trace, other_trace)
    np.testing.assert_array_equal(trace[0], [0.0, 0.0])  # before the first update
    assert printed == other_printed
    assert len(printed.splitlines()) == 5


def test_the_minimize_loop_stops_as_fit_does_on_a_loss_that_is_not_finite(bench):
    data = np.zeros((10, 2), np.float32)
    with pytest.raises(FloatingPointError, match=r"at step 1;.*that of step 0"):
        _fit(bench.MinimizeLoop, data, steps=5, learning_rate=1e30, progress=False)

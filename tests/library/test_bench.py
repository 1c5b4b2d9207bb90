"""The benchmark's verdicts: each performance target is met only by figures that meet it.

The benchmark itself times things and is not run here (``nox -s bench``); these tests feed
its ``targets`` and ``markdown`` made-up reports, one target missed at a time.
"""

import copy

import pytest


def _build(seconds, executed=()):
    return {"median": seconds, "seconds": [seconds], "executed": list(executed)}


GOOD = {
    "machine": {"date": "2026-01-01", "cores": 2, "processor": "x86_64", "python": "3.11"}
    | {"versions": {"tensorflow": "2"}},
    "repeats": 5,
    "docs_repeats": 2,
    "docs": {
        "cold": _build(60.0, ["plot_01", "plot_02"]) | {"scripts": 2},
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
    "pages": {"pages": [{"page": "index.html", "total": 1_900_000, "gzip": 600_000}]}
    | {"site_bytes": 30_000_000},
}


def _set(report, path, value):
    *keys, last = path
    for key in keys:
        report = report[key]
    report[last] = value


MISSES = [
    pytest.param("cold docs build", ("docs", "cold", "median"), 95.0, id="slow-cold"),
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
    pytest.param("gzips", ("pages", "pages", 0, "gzip"), 2_100_000, id="page-gzipped"),
    pytest.param("uncompressed", ("pages", "pages", 0, "total"), 2_100_000, id="page"),
]


def test_a_report_that_meets_every_target_passes_them_all(bench):
    verdicts = bench.targets(GOOD)
    assert len(verdicts) == len(MISSES) - 1  # two ways to miss the no-op target
    assert all(met for _, _, met in verdicts), verdicts
    assert "**no**" not in bench.markdown(GOOD)


@pytest.mark.parametrize(("target", "path", "value"), MISSES)
def test_a_missed_target_is_reported_as_missed(bench, target, path, value):
    report = copy.deepcopy(GOOD)
    _set(report, path, value)
    failed = [name for name, _, met in bench.targets(report) if not met]
    assert len(failed) == 1, failed
    assert target in failed[0]
    assert "**no**" in bench.markdown(report)

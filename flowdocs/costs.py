r"""What a flow costs to sample and to score, measured: the asymmetries of the families.

Sampling runs the flow forward from base points, scoring (``log_prob``) runs it backward
from points given from outside. A coupling layer takes one network pass either way; a
MAF layer scores in one pass but samples in :math:`D`; an IAF layer the other way
round. :func:`flow_costs` times both directions side by side, so the ratios hold on a
noisy machine. Training does not change the cost, so untrained flows do.
"""

import statistics
import time
from typing import NamedTuple

import numpy as np
import tensorflow as tf

from flowdocs.seeds import stateless_seed

__all__ = ["FlowCost", "flow_costs"]


class FlowCost(NamedTuple):
    """One row of :func:`flow_costs`: a family at one dimension."""

    family: str
    """The name given to the family's builder."""
    dims: int
    """The dimension :math:`D`."""
    sample_seconds: float
    """Median time to draw ``n`` samples, after tracing."""
    score_seconds: float
    """Median time of ``log_prob`` of ``n`` outside points, after tracing."""


def flow_costs(builders, dims, n=1000, repeats=5):
    """Median times to sample and to score ``n`` points, for each family and dimension.

    Each ``distribution.sample`` and ``log_prob`` runs inside a ``tf.function`` traced
    once before timing; within a round, the two directions of every family take turns.
    TensorFlow's warning about functions traced in a loop is silenced while they run:
    here each is traced once, on purpose.

    Parameters
    ----------
    builders : dict
        Maps a family's name to a function of ``dims`` returning a
        :class:`~flowdocs.Flow`.
    dims : sequence of int
        The dimensions :math:`D` to measure.
    n : int
        Points per call, at least 1.
    repeats : int
        Timed rounds; the median is kept. At least 1.

    Returns
    -------
    list of FlowCost
        One row per family and dimension, dimensions in the order given.
    """
    for name, value in (("n", n), ("repeats", repeats)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer; got {value!r}.")
    rows = []
    for size in dims:
        runs = {}
        for family, build in builders.items():
            distribution = build(size).distribution
            outside = tf.constant(
                np.random.default_rng(0).normal(size=(n, size)), dtype=distribution.dtype
            )
            sample = tf.function(lambda d=distribution: d.sample(n, seed=stateless_seed(1)))
            score = tf.function(lambda d=distribution, x=outside: d.log_prob(x))
            runs[(family, "sample")], runs[(family, "score")] = sample, score
        logger = tf.get_logger()
        level = logger.level
        logger.setLevel("ERROR")
        try:
            times = _median_seconds(runs, repeats)
        finally:
            logger.setLevel(level)
        rows += [
            FlowCost(family, int(size), times[(family, "sample")], times[(family, "score")])
            for family in builders
        ]
    return rows


def _median_seconds(runs, repeats):
    """Median wall time of each callable, after one untimed call (the trace); they take turns."""
    for run in runs.values():
        run()
    times = {key: [] for key in runs}
    for _ in range(repeats):
        for key, run in runs.items():
            start = time.perf_counter()
            run()
            times[key].append(time.perf_counter() - start)
    return {key: statistics.median(values) for key, values in times.items()}

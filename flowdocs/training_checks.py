"""Checks shared by the fitting functions: arguments, data and variables.

Each refuses bad input before any training, with a ValueError that names what was
expected, so that a fit never starts from data or settings that would end in NaN.
"""

import math

import numpy as np
import tensorflow as tf
import tf_keras

__all__ = ["check_training_arguments", "checked_data", "trainable_variables"]


def check_training_arguments(steps, learning_rate, batch_size, seed, progress):
    """Refuse training arguments out of range, with a ValueError that names the argument.

    ``steps`` a positive integer, ``learning_rate`` a positive finite number or a tf_keras
    schedule, ``batch_size`` None or a positive integer, ``seed`` an integer, ``progress``
    a bool or a positive integer.
    """
    if not _is_int(steps) or steps < 1:
        raise ValueError(f"steps must be a positive integer; got {steps!r}.")
    schedule = isinstance(learning_rate, tf_keras.optimizers.schedules.LearningRateSchedule)
    if not schedule and not _is_positive_number(learning_rate):
        raise ValueError(
            f"learning_rate must be a positive number or a tf_keras learning-rate "
            f"schedule; got {learning_rate!r}."
        )
    if batch_size is not None and (not _is_int(batch_size) or batch_size < 1):
        raise ValueError(f"batch_size must be None or a positive integer; got {batch_size!r}.")
    if not _is_int(seed):
        raise ValueError(f"seed must be an integer; got {seed!r}.")
    if not isinstance(progress, bool) and (not _is_int(progress) or progress < 1):
        raise ValueError(f"progress must be True, False or a positive integer; got {progress!r}.")


def _is_positive_number(value):
    """A real, finite, positive number (not a bool)."""
    return (
        isinstance(value, (int, float, np.integer, np.floating))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
    )


def _is_int(value):
    """An integer (not a bool)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def checked_data(distribution, data):
    """``data`` as a tensor of the distribution's dtype, after checks of shape and values.

    Refuses, naming what was expected: a distribution with a batch shape, data that are
    not real numbers (complex included), not of shape ``[n, *event_shape]``, empty, or
    holding NaN or infinity.
    """
    event_shape = tuple(distribution.event_shape.as_list())
    if distribution.batch_shape.rank != 0:
        raise ValueError(
            f"fit trains one distribution; {distribution.name} has batch shape "
            f"{distribution.batch_shape}."
        )
    try:
        points = np.asarray(data)
        if not np.iscomplexobj(points):
            points = points.astype(np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"data must be an array of numbers; {error}") from None
    if np.iscomplexobj(points):
        raise ValueError(
            f"data must be real numbers; got complex values ({points.dtype}). Pass "
            f"data.real if the imaginary parts are meant to be dropped."
        )
    expected = "[n, " + ", ".join(map(str, event_shape)) + "]"
    if points.ndim != 1 + len(event_shape) or points.shape[1:] != event_shape:
        raise ValueError(
            f"data must have shape {expected}: n points of the distribution's event shape "
            f"{list(event_shape)}; got shape {list(points.shape)}."
        )
    if points.shape[0] == 0:
        raise ValueError("data holds no points.")
    bad = ~np.isfinite(points)
    if bad.any():
        rows = int(np.any(bad.reshape(len(points), -1), axis=1).sum())
        raise ValueError(
            f"data contains {int(np.isnan(points).sum())} NaN and "
            f"{int(np.isinf(points).sum())} infinite values, in {rows} of {len(points)} "
            f"points; remove those points before fitting."
        )
    return tf.constant(points, dtype=distribution.dtype)


def trainable_variables(distribution, data):
    """The variables to fit, after refusing data the starting model gives zero density.

    ``log_prob`` of ``data`` (a tensor from :func:`checked_data`) runs first, so that Keras
    layers create their variables. Refuses a model with no trainable variables, and data
    where the starting model's ``log_prob`` is NaN, ``-inf`` or ``+inf``.
    """
    log_prob = distribution.log_prob(data).numpy()
    variables = list(distribution.trainable_variables)
    if not variables:
        raise ValueError(
            f"{distribution.name} has no trainable variables: there is nothing to fit. "
            f"Build it with variables, e.g. flowdocs.five_stage_flow(trainable=True)."
        )
    n = len(log_prob)
    if np.isnan(log_prob).any():
        raise ValueError(
            f"log_prob is NaN at {int(np.isnan(log_prob).sum())} of {n} data points under "
            f"the starting model."
        )
    outside = int(np.sum(log_prob == -np.inf))
    if outside:
        raise ValueError(
            f"{outside} of {n} data points have zero density (log_prob = -inf) under the "
            f"starting model: they lie outside its support, so the loss would be "
            f"infinite. For a flow ending in a sigmoid they are samples that float "
            f"rounding put exactly on the edge of the unit square. Drop them explicitly, "
            f"e.g. data[np.isfinite(model.log_prob(data))], or draw the data in float64, "
            f"where they are rarer."
        )
    if np.isposinf(log_prob).any():
        raise ValueError(
            f"log_prob is +inf at {int(np.isposinf(log_prob).sum())} of {n} data points "
            f"under the starting model: the likelihood is unbounded there."
        )
    return variables

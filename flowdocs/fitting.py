r"""Fitting by maximum likelihood, and the training loop every fit shares.

Maximising the log-likelihood of eq. :eq:`log-likelihood` summed over the data is the
same as minimising the mean negative log-likelihood

.. math:: \mathcal{L}(\phi) = -\frac{1}{n} \sum_{j=1}^{n} \log p_X(x_j; \phi),

which is what :func:`fit` does, by Adam, in a compiled loop (``tf.function``).
:func:`best_start` picks the starting value of one variable whose likelihood has several
basins, by scoring a grid of values before any training.

The loop itself, :func:`train`, takes any :class:`Objective` (the loss of one step):
:func:`fit` and :func:`~flowdocs.fit_reverse_kl` (module :mod:`flowdocs.reverse_kl`)
both run through it, and so share its seeding, progress lines and stop on a loss that
is not finite.
"""

import functools
import math
import sys

import numpy as np
import tensorflow as tf
import tf_keras

from flowdocs.flow import Flow
from flowdocs.training_checks import check_training_arguments, checked_data, trainable_variables

__all__ = ["Objective", "best_start", "fit", "train"]


def fit(
    distribution,
    data,
    steps=1000,
    learning_rate=1e-2,
    batch_size=None,
    seed=0,
    progress=True,
    jit_compile=False,
    trace_fn=None,
):
    r"""Fit a distribution's trainable variables to data by maximum likelihood.

    Minimises the mean negative log-likelihood (NLL) of ``data`` under ``distribution``,
    :math:`-\frac{1}{n}\sum_j \log p(x_j)`, with the Adam optimizer, in a compiled loop
    (``tf.function``). The variables of ``distribution`` are updated in place.

    Parameters
    ----------
    distribution : tfp.distributions.Distribution or Flow
        The model; any TFP distribution with trainable variables and no batch shape, e.g.
        a :class:`~flowdocs.Flow`'s ``distribution`` (a ``Flow`` is accepted as well) from
        ``five_stage_flow(trainable=True)``, :func:`~flowdocs.realnvp_flow` or
        :func:`~flowdocs.maf_flow`. Variables that Keras creates on first use exist once
        ``log_prob`` has run; ``fit`` runs it on the data before it looks for them.
    data : array-like, shape ``[n, *event_shape]``
        The points, cast to the distribution's dtype.
    steps : int
        Number of Adam updates.
    learning_rate : float
        Adam's step size; a ``tf_keras.optimizers.schedules.LearningRateSchedule`` (e.g.
        ``CosineDecay``) sets one for every step instead.
    batch_size : int, optional
        Points per step, drawn with replacement; ``None`` uses all the data every step.
    seed : int
        Seed of the minibatch draws: step ``k`` draws its points from the stateless seed
        ``[seed, k]``. The same seed, data and starting variables give the same history
        on the same machine.
    progress : bool or int
        Print the mean NLL on standard error every ``progress`` steps (``True``: about
        ten lines per run, at least 100 steps apart); ``False`` prints nothing.
    jit_compile : bool
        Compile the loop with XLA: a few seconds more before the first step, and much
        faster steps for models made of many small element-wise operations (the
        five-stage flow); neural networks gain little.
    trace_fn : Callable, optional
        A function of no arguments returning a tensor, or a tuple or dict of tensors
        (e.g. the values of some variables), evaluated before every update.

    Returns
    -------
    history : numpy.ndarray, shape ``[steps]``, float64
        The loss of every step before its update: the mean NLL in nats of the data, or
        of that step's minibatch.
    trace : same structure as ``trace_fn()``, of numpy.ndarray
        Only with ``trace_fn``: its values at every step, stacked along a first axis of
        length ``steps``.

    Raises
    ------
    ValueError
        Before any training, when the data are not real numbers of the shape
        ``[n, *event_shape]``, contain NaN or infinity, or contain points of zero
        density under the starting model (see Notes); when the distribution has no
        trainable variables or a batch shape; or when an argument is out of range.
    FloatingPointError
        When the loss stops being finite during training (too large a learning rate).
        The variables are then put back to the values under which the loss was last
        finite, those of the step before (their starting values if the first loss is
        not finite), and the message names the step.

    Notes
    -----
    **Points outside the support.** A point where the starting model's ``log_prob`` is
    :math:`-\infty` would make the loss infinite, and its gradient meaningless, so
    ``fit`` refuses the data, naming how many such points there are, instead of dropping
    or moving them silently. For a flow that ends in a sigmoid these are the samples that
    float rounding put exactly on the edge of the unit square: the true point lies
    inside, but so close to the edge that its logit cannot be recovered, and any nudge
    back inside would invent where it was. Drop them explicitly, and say so, with
    ``data[np.isfinite(model.log_prob(data))]``; drawing the data in float64 makes them
    rarer.
    """
    if isinstance(distribution, Flow):
        distribution = distribution.distribution
    check_training_arguments(steps, learning_rate, batch_size, seed, progress)
    data = checked_data(distribution, data)
    variables = trainable_variables(distribution, data)

    objective = _NegativeLogLikelihood(distribution, data, variables, batch_size, seed)
    return train(
        objective, steps, learning_rate, progress, jit_compile, trace_fn, "fit", "mean NLL"
    )


class Objective:
    """The loss of one training step for :func:`train`, which also keeps the last good variables.

    A subclass defines ``loss(step)``: the scalar loss of step ``step`` (an integer
    tensor) under the current variables, differentiable with respect to them. Calling
    the objective returns that loss and, while every loss so far has been finite, copies
    the variables aside: when a loss stops being finite, the copies hold the variables
    of the last step whose loss was finite, and :meth:`restore` puts them back.

    Parameters
    ----------
    variables : list of tf.Variable
        The variables the loss depends on and :func:`train` updates.
    dtype : tf.DType
        The dtype of the loss.
    """

    def __init__(self, variables, dtype):
        self.variables, self.dtype = variables, dtype
        self.saved = [tf.Variable(tf.identity(v), trainable=False) for v in variables]
        self.failed = tf.Variable(False, trainable=False)

    def __call__(self, step):
        loss = self.loss(step)
        keep = tf.math.is_finite(loss) & tf.logical_not(self.failed)
        for saved, variable in zip(self.saved, self.variables, strict=True):
            saved.assign(tf.where(keep, variable, saved))
        self.failed.assign(tf.logical_not(keep))
        return loss

    def restore(self):
        """Put back the variables of the last step whose loss was finite."""
        for saved, variable in zip(self.saved, self.variables, strict=True):
            variable.assign(saved)


class _NegativeLogLikelihood(Objective):
    """The loss of :func:`fit`: the mean NLL of step ``k``'s minibatch (or of all data)."""

    def __init__(self, distribution, data, variables, batch_size, seed):
        super().__init__(variables, data.dtype)
        self.distribution, self.data = distribution, data
        self.batch_size, self.seed = batch_size, seed

    def loss(self, step):
        batch = self.data
        if self.batch_size is not None:
            pair = tf.stack([tf.constant(self.seed, tf.int64), tf.cast(step, tf.int64)])
            n = tf.shape(self.data, out_type=tf.int64)[0]
            rows = tf.random.stateless_uniform(
                [self.batch_size], seed=pair, maxval=n, dtype=tf.int64
            )
            batch = tf.gather(self.data, rows)
        return -tf.reduce_mean(self.distribution.log_prob(batch))


class _TrainingLoop:
    """The steps of one :func:`fit` call as a ``tf.while_loop``, traced once.

    ``run(start, count)`` takes ``count`` steps from step ``start`` in one call of the
    object itself compiled with ``tf.function``: a callable object rather than a nested
    function, because TensorFlow counts the traces of functions that share their code,
    and warns about retracing when one model after another (several starts, a test
    suite) is fitted in the same process. ``start`` and ``count`` are tensors and every
    call returns ``every`` losses and traced values, the unused ones padding: one shape,
    so one trace, however many calls.

    Written out rather than left to ``tfp.math.minimize``, which is slower here, as
    ``nox -s bench -- --only fit`` measures on the same models, mostly because it traces
    the step twice: its first step, outside its loop, takes other arguments than the
    loop's body. It also wraps every step in a ``tf.cond`` on convergence, even with no
    convergence criterion, and carries the gradients and a copy of the variables from
    step to step.
    """

    def __init__(self, objective, optimizer, every, trace_fn, jit_compile):
        self.objective, self.optimizer, self.every = objective, optimizer, every
        self.traced = trace_fn or tuple  # tuple() == (): nothing traced
        self.compiled = tf.function(self, autograph=False, jit_compile=jit_compile)

    def run(self, start, count):
        """Losses and traced values (NumPy) of ``count`` steps from step ``start``."""
        losses, traces = self.compiled(tf.constant(start, tf.int64), tf.constant(count, tf.int64))
        return losses.numpy()[:count], tf.nest.map_structure(lambda t: t.numpy()[:count], traces)

    def step(self, index):
        """One Adam update at step ``index``; returns the loss before it."""
        variables = self.objective.variables
        with tf.GradientTape() as tape:
            loss = self.objective(index)
        gradients = tape.gradient(loss, variables)
        self.optimizer.apply_gradients(
            [(g, v) for g, v in zip(gradients, variables, strict=True) if g is not None]
        )
        return loss

    def __call__(self, start, count):
        def body(i, losses, traces):
            index = tf.cast(i, tf.int32)
            traces = tf.nest.map_structure(
                lambda array, value: array.write(index, value), traces, self.traced()
            )
            return i + 1, losses.write(index, self.step(start + i)), traces

        arrays = (
            tf.TensorArray(self.objective.dtype, size=self.every),
            tf.nest.map_structure(
                lambda value: tf.TensorArray(
                    value.dtype, size=self.every, element_shape=value.shape
                ),
                self.traced(),
            ),
        )
        _, losses, traces = tf.while_loop(
            lambda i, *_: i < count, body, (tf.constant(0, tf.int64), *arrays)
        )
        return losses.stack(), tf.nest.map_structure(lambda array: array.stack(), traces)


def train(
    objective, steps, learning_rate, progress, jit_compile, trace_fn, caller, quantity, unit="nats"
):
    """Adam on an :class:`Objective` for ``steps`` steps, compiled, in chunks between checks.

    The loop of :func:`~flowdocs.fit` and :func:`~flowdocs.fit_reverse_kl`; their arguments are
    checked by :func:`~flowdocs.training_checks.check_training_arguments` before.

    Parameters
    ----------
    objective : Objective
        The loss of every step.
    steps, learning_rate, progress, jit_compile, trace_fn
        As for :func:`~flowdocs.fit`.
    caller, quantity, unit : str
        The progress lines read ``"{caller}: step k/steps  {quantity} x {unit}"``.

    Returns
    -------
    history : numpy.ndarray, shape ``[steps]``, float64
        The loss of every step before its update.
    trace : same structure as ``trace_fn()``, of numpy.ndarray
        Only with ``trace_fn``: its values at every step, stacked along a first axis.

    Raises
    ------
    FloatingPointError
        At the first loss that is not finite, once the variables are back at the values
        of the last step whose loss was finite (see :class:`Objective`).
    """
    optimizer = tf_keras.optimizers.Adam(learning_rate=learning_rate)
    optimizer.build(objective.variables)
    every = _report_interval(progress, steps)
    loop = _TrainingLoop(objective, optimizer, every, trace_fn, jit_compile)

    history = np.empty(steps, dtype=np.float64)
    chunks = []
    for start in range(0, steps, every):
        count = min(every, steps - start)
        losses, traces = loop.run(start, count)
        history[start : start + count] = losses
        chunks.append(traces)
        _check_finite(history[start : start + count], start, objective)
        if progress:
            print(
                f"{caller}: step {start + count:>{len(str(steps))}}/{steps}  "
                f"{quantity} {losses.mean():.4f} {unit}".rstrip(),
                file=sys.stderr,
                flush=True,
            )
    if trace_fn is None:
        return history
    return history, tf.nest.map_structure(lambda *parts: np.concatenate(parts), *chunks)


def best_start(distribution, data, variable, values):
    """Set ``variable`` to the value of ``values`` under which ``data`` is most likely.

    Several starts, cheaply: when the likelihood has several basins in one variable (the
    angle of the five-stage flow), score a grid of its values with the other variables
    as they are, before any training, and start from the best. Every value costs one
    ``log_prob`` of the data, in a compiled function.

    Parameters
    ----------
    distribution : tfp.distributions.Distribution or Flow
        The model. The data are checked as by :func:`fit` (shape, NaN, infinity); a
        value under which some points have zero density scores ``inf``.
    data : array-like, shape ``[n, *event_shape]``
        The training data; never held-out data, or the held-out score is no longer fair.
    variable : tf.Variable
        One of the model's variables; left at the best value.
    values : array-like
        The candidate values, each of the variable's shape.

    Returns
    -------
    numpy.ndarray, shape ``[len(values)]``
        The mean negative log-likelihood of the data at every value (``inf`` where the
        data have zero density).
    """
    if isinstance(distribution, Flow):
        distribution = distribution.distribution
    data = checked_data(distribution, data)
    if not any(variable is v for v in distribution.trainable_variables):
        raise ValueError(f"{variable.name} is not a trainable variable of {distribution.name}.")
    values = np.asarray(values, dtype=variable.dtype.as_numpy_dtype)
    if values.ndim != 1 + variable.shape.rank or values.shape[1:] != tuple(variable.shape):
        raise ValueError(
            f"values must be a sequence of values of shape {variable.shape.as_list()}; got an "
            f"array of shape {list(values.shape)}."
        )
    if values.shape[0] == 0:
        raise ValueError("values holds no candidate value.")
    if not np.all(np.isfinite(values)):
        raise ValueError(f"values must be finite; got {values.tolist()}.")
    # A partial, not a lambda: see _TrainingLoop on TensorFlow's retracing warning.
    loss = tf.function(functools.partial(_mean_nll, distribution, data), autograph=False)
    scores = []
    for value in values:
        variable.assign(value)
        scores.append(float(loss()))
    scores = np.array(scores)
    scores[np.isnan(scores)] = np.inf  # a NaN score never wins; +inf stays +inf
    if not np.isfinite(scores).any():
        raise ValueError("The data have zero density at every value tried.")
    variable.assign(values[np.argmin(scores)])
    return scores


def _mean_nll(distribution, data):
    return -tf.reduce_mean(distribution.log_prob(data))


def _report_interval(progress, steps):
    """Steps between two checks of the loss (and progress lines, when they are on)."""
    if isinstance(progress, bool):
        return max(100, math.ceil(steps / 10))
    return int(progress)


def _check_finite(losses, start, objective):
    """Stop training at the first loss that is not finite, with the last good variables."""
    bad = np.flatnonzero(~np.isfinite(losses))
    if bad.size:
        objective.restore()
        step = start + int(bad[0])
        kept = (
            "their starting values"
            if step == 0
            else f"the values that gave the last finite loss, that of step {step - 1}"
        )
        raise FloatingPointError(
            f"The loss became {losses[bad[0]]} at step {step}; training stopped, and the "
            f"variables are back at {kept}. Lower the learning rate, or start from other "
            f"values."
        )

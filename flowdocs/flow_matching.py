r"""Flow matching: train a continuous flow's velocity field without solving its ODE.

For a data point :math:`x_1`, a base point :math:`x_0` and a time :math:`t \sim U(0, 1)`,
the straight path :math:`x_t = (1 - t) x_0 + t x_1` moves at the constant velocity
:math:`x_1 - x_0`. The conditional flow-matching loss

.. math:: \mathcal L(\theta) = \mathbb E_{t, x_0, x_1}
          \big\lVert v_\theta(t, x_t) - (x_1 - x_0) \big\rVert^2

differs from the regression onto the marginal velocity
:math:`u(t, x) = \mathbb E[x_1 - x_0 \mid x_t = x]`, whose ODE carries the base to the
data, only by a constant independent of :math:`\theta` (Lipman et al. 2023; Liu et al.
2023), so minimising it trains the marginal field. Every step costs one evaluation of
:math:`v_\theta` per point, no ODE solve.
"""

import tensorflow as tf

from flowdocs.continuous import ContinuousFlow
from flowdocs.fitting import Objective, train
from flowdocs.seeds import stateless_seed
from flowdocs.training_checks import check_training_arguments, checked_data

__all__ = ["fit_flow_matching"]


def fit_flow_matching(
    model,
    data,
    steps=1000,
    learning_rate=1e-3,
    batch_size=256,
    seed=0,
    progress=True,
    jit_compile=False,
    base_points=None,
):
    r"""Train a :func:`~flowdocs.cnf_flow`'s velocity field by conditional flow matching.

    Each step draws ``batch_size`` data points :math:`x_1`, as many base points
    :math:`x_0` from the model's base (or the rows of ``base_points`` paired with the
    drawn data), and times :math:`t \sim U(0, 1)`, and takes one Adam step on the mean
    of :math:`\lVert v_\theta(t, x_t) - (x_1 - x_0) \rVert^2`. Arguments are checked
    and progress is reported as by :func:`~flowdocs.fit`; the variables are updated in
    place.

    Parameters
    ----------
    model : tfp.distributions.TransformedDistribution
        A continuous flow from :func:`~flowdocs.cnf_flow`.
    data : array-like, shape ``[n, 2]``
        Samples of the target; finite.
    steps : int
        Number of Adam updates.
    learning_rate : float
        Adam's step size, or a ``tf_keras`` learning-rate schedule.
    batch_size : int or None
        Triples :math:`(t, x_0, x_1)` per step; None uses every data point each step.
    seed : int
        In the int32 range. Step ``k`` draws its rows, base points and times from the stateless seed
        ``[seed, k]``: the same seed, start and ``jit_compile`` give the same history
        (XLA draws other numbers from a seed than the plain loop).
    progress : bool or int
        Print the mean loss on standard error every ``progress`` steps (``True``: about
        ten lines); ``False`` prints nothing.
    jit_compile : bool
        Compile the loop with XLA (several times faster steps after a few seconds of
        compiling).
    base_points : array-like, shape ``[n, 2]``, optional
        Base points paired row by row with ``data``, for reflow (rectified flow): the
        paths then join each :math:`x_0` to its own :math:`x_1`, as produced by pushing
        them through a trained flow.

    Returns
    -------
    numpy.ndarray, shape ``[steps]``, float64
        The loss of every step before its update (squared units of the data).

    Raises
    ------
    ValueError
        Before any training: a model that is not a continuous flow; data not of shape
        ``[n, 2]``, empty or not finite; ``base_points`` of another shape than ``data``
        or not finite; an argument out of range.
    FloatingPointError
        When the loss stops being finite; the variables are put back as :func:`~flowdocs.fit` does.
    """
    if not isinstance(getattr(model, "bijector", None), ContinuousFlow):
        raise ValueError(
            f"model must be a continuous flow from flowdocs.cnf_flow; got {type(model).__name__}."
        )
    check_training_arguments(steps, learning_rate, batch_size, seed, progress)
    stateless_seed(seed)  # refuses a seed outside the int32 range, which would wrap around
    data = checked_data(model, data)
    if base_points is not None:
        base_points = checked_data(model, base_points)
        if base_points.shape != data.shape:
            raise ValueError(
                f"base_points must pair one base point with each data point: shape "
                f"{data.shape.as_list()}; got {base_points.shape.as_list()}."
            )
    objective = _FlowMatching(model, data, base_points, batch_size, seed)
    return train(
        objective,
        steps,
        learning_rate,
        progress,
        jit_compile,
        None,
        "fit_flow_matching",
        "flow-matching loss",
        unit="",
    )


class _FlowMatching(Objective):
    """The loss of :func:`~flowdocs.fit_flow_matching` at step ``k``, on its own random triples."""

    def __init__(self, model, data, base_points, batch_size, seed):
        self.velocity = model.bijector.velocity
        super().__init__(list(self.velocity.trainable_variables), data.dtype)
        self.base, self.data, self.base_points = model.distribution, data, base_points
        self.batch_size, self.seed = batch_size, seed

    def loss(self, step):
        pair = tf.stack([tf.constant(self.seed, tf.int32), tf.cast(step, tf.int32)])
        seeds = tf.random.experimental.stateless_split(pair, 3)
        rows_seed, base_seed, time_seed = tf.unstack(seeds)
        n = tf.shape(self.data, out_type=tf.int64)[0]
        if self.batch_size is None:
            rows = tf.range(n)
        else:
            rows = tf.random.stateless_uniform(
                [self.batch_size], seed=rows_seed, maxval=n, dtype=tf.int64
            )
        x1 = tf.gather(self.data, rows)
        count = tf.shape(rows)[0]
        if self.base_points is None:
            x0 = self.base.sample(count, seed=base_seed)
        else:
            x0 = tf.gather(self.base_points, rows)
        t = tf.random.stateless_uniform([count, 1], seed=time_seed, dtype=self.dtype)
        x_t = (1 - t) * x0 + t * x1
        error = self.velocity(t, x_t) - (x1 - x0)
        return tf.reduce_mean(tf.reduce_sum(tf.square(error), axis=-1))

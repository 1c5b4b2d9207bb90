r"""Fitting by reverse KL: a distribution fitted to a density known up to a constant.

Variational inference (see :ref:`variational-inference-page`) has no data, only an
unnormalized target :math:`\tilde p = Z p`; :func:`fit_reverse_kl` minimises
eq. :eq:`reverse-kl-objective`, :math:`\mathrm{E}_q[\log q - \log\tilde p] =
\mathrm{KL}(q \Vert p) - \log Z`, over the model's own reparameterized samples, through
the training loop that :func:`~flowdocs.fit` uses (:func:`flowdocs.fitting.train`).
"""

from typing import NamedTuple

import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp

from flowdocs.fitting import Objective, train
from flowdocs.flow import Flow
from flowdocs.seeds import stateless_seed
from flowdocs.training_checks import check_training_arguments

__all__ = ["ANNEAL_START", "KLEstimate", "fit_reverse_kl", "kl_divergence"]

ANNEAL_START = 0.01
r"""The weight :math:`\beta_0` of the target in the first step of an annealed
:func:`~flowdocs.fit_reverse_kl`, as in Rezende and Mohamed (2015)."""


def fit_reverse_kl(
    model,
    target,
    steps=1000,
    learning_rate=1e-2,
    batch_size=256,
    seed=0,
    progress=True,
    jit_compile=False,
    anneal_steps=0,
):
    r"""Fit a distribution to a density known up to a constant, by minimising reverse KL.

    Minimises, with Adam in a compiled loop, the Monte Carlo estimate

    .. math:: \mathcal{F}(\phi) = \frac1n \sum_{i=1}^{n}
              \big(\log q_\phi(z_i) - \log\tilde p(z_i)\big),
              \qquad z_i = T_\phi(\varepsilon_i),

    of eq. :eq:`reverse-kl-objective`, :math:`\mathrm{KL}(q_\phi \Vert p) - \log Z`: each
    step draws ``batch_size`` fresh samples of the model as a differentiable function of
    base noise (the reparameterization trick, eq. :eq:`reparameterization`), scores them
    under the model and the target, and follows the gradient. No data are needed, and
    the normalizing constant :math:`Z` of the target never is. The variables of
    ``model`` are updated in place.

    Parameters
    ----------
    model : tfp.distributions.Distribution or Flow
        The distribution :math:`q_\phi`, with trainable variables, no batch shape and
        reparameterized samples: a :class:`~flowdocs.Flow` such as
        :func:`~flowdocs.planar_flow` or :func:`~flowdocs.realnvp_flow` (whose
        ``distribution`` is used), or any TFP distribution. It must give the
        log-density of its own samples cheaply (``experimental_sample_and_log_prob``):
        a flow does, in its forward direction.
    target : object with ``log_unnormalized_prob``, tfp.distributions.Distribution or Callable
        :math:`\log\tilde p`: an :func:`~flowdocs.energy_target`, a distribution (its
        ``log_prob``), or a function from points ``[n, *event_shape]`` to ``[n]``.
    steps : int
        Number of Adam updates.
    learning_rate : float
        Adam's step size, or a ``tf_keras`` learning-rate schedule.
    batch_size : int
        Samples :math:`n` per step.
    seed : int
        In the int32 range. Step ``k`` draws its base noise from the stateless seed
        ``[seed, k]``: the same seed and starting variables give the same history on the
        same machine.
    progress : bool or int
        Print the mean loss on standard error every ``progress`` steps (``True``: about
        ten lines); ``False`` prints nothing.
    jit_compile : bool
        Compile the loop with XLA: about two seconds more before the first step, and
        steps several times faster for flows of small element-wise maps (planar flows).
    anneal_steps : int
        Anneal the target in over the first ``anneal_steps`` steps: the gradient is that
        of :math:`\frac1n\sum_i (\log q(z_i) - \beta_k \log\tilde p(z_i))` with
        :math:`\beta_k` rising linearly from :data:`~flowdocs.reverse_kl.ANNEAL_START`
        at step 0 to 1 at step ``anneal_steps`` and staying there (eq. :eq:`annealing`).
        A flat target first lets the samples spread out before the target's modes pull
        on them. 0 (the default) does not anneal.

    Returns
    -------
    numpy.ndarray, shape ``[steps]``, float64
        The loss :math:`\mathcal F` of every step before its update, in nats, always
        with :math:`\beta = 1` (so it is comparable across steps even while annealing):
        an estimate of :math:`\mathrm{KL}(q \Vert p) - \log Z`, hence never below
        :math:`-\log Z` on average.

    Raises
    ------
    ValueError
        Before any training: for an argument out of range; a model that is not a
        distribution, has no trainable variables, a batch shape or samples that are not
        reparameterized; a target that is none of the above or does not return one
        value per sample; or a target whose log-density at the starting model's samples
        is NaN, :math:`+\infty` or :math:`-\infty` (samples outside its support: the
        reverse KL would be infinite, as for a hard box).
    FloatingPointError
        When the loss stops being finite during training; the variables are put back as
        :func:`~flowdocs.fit` does.
    """
    if isinstance(model, Flow):
        model = model.distribution
    check_training_arguments(steps, learning_rate, batch_size, seed, progress)
    if batch_size is None:
        raise ValueError("batch_size must be a positive integer: the samples drawn per step.")
    stateless_seed(seed)  # refuses a seed outside the int32 range, which would wrap around
    if isinstance(anneal_steps, bool) or not isinstance(anneal_steps, (int, np.integer)):
        raise ValueError(f"anneal_steps must be an integer from 0 to steps; got {anneal_steps!r}.")
    if not 0 <= anneal_steps <= steps:
        raise ValueError(
            f"anneal_steps must lie between 0 and steps ({steps}); got {anneal_steps}."
        )
    log_target = _log_density_of(target)
    variables = _reverse_kl_variables(model, log_target, batch_size, seed)
    objective = _ReverseKL(model, log_target, variables, batch_size, seed, anneal_steps)
    return train(
        objective, steps, learning_rate, progress, jit_compile, None, "fit_reverse_kl", "loss"
    )


class KLEstimate(NamedTuple):
    """A Monte Carlo KL divergence in nats, as :func:`~flowdocs.kl_divergence` returns it."""

    nats: float
    """The mean of the Monte Carlo terms."""
    standard_error: float
    """Their standard deviation over the square root of their number."""


def kl_divergence(model, target, samples=20_000, seed=0, log_normalizer=None):
    r"""The reverse KL divergence :math:`\mathrm{KL}(q \Vert p)` of a model, by Monte Carlo.

    .. math:: \mathrm{KL}(q \Vert p) \approx \frac1N \sum_{i=1}^{N}
              \big(\log q(z_i) - \log\tilde p(z_i) + \log Z\big), \qquad z_i \sim q,

    over ``samples`` fresh samples of the model, scored by the model as they are drawn
    (``experimental_sample_and_log_prob``) and by the target, the terms summed in
    float64. The standard
    error is the sample standard deviation of the terms over :math:`\sqrt N`. It is the
    training loss of :func:`fit_reverse_kl` plus :math:`\log Z`, so it needs the
    target's normalizing constant, which :func:`~flowdocs.energy_target` computes.

    Parameters
    ----------
    model : tfp.distributions.Distribution or Flow
        The distribution :math:`q`, with no batch shape.
    target : object with ``log_unnormalized_prob``, tfp.distributions.Distribution or Callable
        :math:`\log\tilde p`, as for :func:`fit_reverse_kl`.
    samples : int
        :math:`N`, at least 2.
    seed : int
        The samples' stateless seed, or a pair of int32 (as for
        :func:`~flowdocs.stateless_seed`).
    log_normalizer : float, optional
        :math:`\log Z`; by default ``target.log_normalizer``, and 0 for a distribution.

    Returns
    -------
    KLEstimate
        ``(nats, standard_error)``, two floats.

    Raises
    ------
    ValueError
        For ``samples`` below 2, a target with no known :math:`\log Z` or that does not
        return one value per sample, or a log-density that is not finite at some sample
        (the divergence is then infinite or undefined, and the message says which
        density and how many samples).
    """
    if isinstance(model, Flow):
        model = model.distribution
    if isinstance(samples, bool) or not isinstance(samples, (int, np.integer)) or samples < 2:
        raise ValueError(f"samples must be an integer of at least 2; got {samples!r}.")
    if log_normalizer is None:
        log_normalizer = getattr(target, "log_normalizer", None)
        if log_normalizer is None and isinstance(target, tfp.distributions.Distribution):
            log_normalizer = 0.0
    if log_normalizer is None or not np.isfinite(log_normalizer):
        raise ValueError(
            f"kl_divergence needs the target's log normalizer log Z, a finite float: "
            f"pass log_normalizer=, or use a target that has one (flowdocs.energy_target); "
            f"got {log_normalizer!r} for {target!r}."
        )
    if not isinstance(model, tfp.distributions.Distribution) or model.batch_shape.rank != 0:
        raise ValueError(
            f"model must be a Flow or a TFP distribution with no batch shape; got {model!r}."
        )
    z, log_q = model.experimental_sample_and_log_prob(samples, seed=stateless_seed(seed))
    log_p = np.asarray(_log_density_of(target)(z), dtype=np.float64)
    log_q = np.asarray(log_q, dtype=np.float64)
    if log_p.shape != (samples,):
        raise ValueError(
            f"target must return one log-density per sample: shape [{samples}]; got shape "
            f"{list(log_p.shape)}."
        )
    for name, values in (("model", log_q), ("target", log_p)):
        bad = ~np.isfinite(values)
        if bad.any():
            raise ValueError(
                f"The {name}'s log-density is not finite at {int(bad.sum())} of {samples} "
                f"samples of the model: KL(q || p) is infinite or undefined."
            )
    terms = log_q - log_p + float(log_normalizer)
    return KLEstimate(float(terms.mean()), float(terms.std(ddof=1) / np.sqrt(samples)))


def _log_density_of(target):
    """The function :math:`\\log\\tilde p` that ``target`` stands for."""
    if hasattr(target, "log_unnormalized_prob"):
        return target.log_unnormalized_prob
    if isinstance(target, tfp.distributions.Distribution):
        return target.log_prob
    if callable(target):
        return target
    raise ValueError(
        f"target must have a log_unnormalized_prob method (e.g. flowdocs.energy_target), "
        f"be a TFP distribution or a function of points; got {target!r}."
    )


def _reverse_kl_variables(model, log_target, batch_size, seed):
    """The variables to fit, after one eager draw that checks the model and the target.

    The draw creates the variables of Keras layers; it uses the seed pair ``[seed, -1]``,
    which no training step uses.
    """
    if not isinstance(model, tfp.distributions.Distribution):
        raise ValueError(f"model must be a Flow or a TFP distribution; got {model!r}.")
    if model.batch_shape.rank != 0:
        raise ValueError(
            f"fit_reverse_kl trains one distribution; {model.name} has batch shape "
            f"{model.batch_shape}."
        )
    if model.reparameterization_type != tfp.distributions.FULLY_REPARAMETERIZED:
        raise ValueError(
            f"{model.name}'s samples are not reparameterized: they are not a differentiable "
            f"function of its variables, so the reverse KL has no gradient through them."
        )
    z, log_q = model.experimental_sample_and_log_prob(batch_size, seed=[seed, -1])
    variables = list(model.trainable_variables)
    if not variables:
        raise ValueError(f"{model.name} has no trainable variables: there is nothing to fit.")
    log_p = np.asarray(log_target(z))
    if log_p.shape != (batch_size,):
        raise ValueError(
            f"target must return one log-density per sample: shape [{batch_size}] for "
            f"points of shape {z.shape.as_list()}; got shape {list(log_p.shape)}."
        )
    for name, values in (("the model", log_q.numpy()), ("the target", log_p)):
        for bad, what in ((np.isnan(values), "NaN"), (np.isposinf(values), "+inf")):
            if bad.any():
                raise ValueError(
                    f"The log-density of {name} is {what} at {int(bad.sum())} of "
                    f"{batch_size} samples of the starting model."
                )
    outside = int(np.sum(np.isneginf(log_p)))
    if outside:
        raise ValueError(
            f"The target has zero density (log = -inf) at {outside} of {batch_size} "
            f"samples of the starting model: the reverse KL is infinite and has no "
            f"gradient. A flow puts mass everywhere, so a target with a hard edge (a box) "
            f"needs a soft wall instead, as flowdocs.energy_target has."
        )
    return variables


class _ReverseKL(Objective):
    r"""The loss of :func:`fit_reverse_kl` at step ``k``: :math:`\frac1n \sum_i
    (\log q(z_i) - \log\tilde p(z_i))` over ``n`` fresh samples of the model.

    Its value is always that estimate; its gradient is the gradient of the annealed
    loss, with :math:`\log\tilde p` weighted by :math:`\beta_k`, eq. :eq:`annealing`.
    """

    def __init__(self, distribution, log_target, variables, batch_size, seed, anneal_steps):
        super().__init__(variables, distribution.dtype)
        self.distribution, self.log_target = distribution, log_target
        self.batch_size, self.seed, self.anneal_steps = batch_size, seed, anneal_steps

    def loss(self, step):
        pair = tf.stack([tf.constant(self.seed, tf.int32), tf.cast(step, tf.int32)])
        z, log_q = self.distribution.experimental_sample_and_log_prob(self.batch_size, seed=pair)
        log_p = tf.cast(self.log_target(z), log_q.dtype)
        exact = tf.reduce_mean(log_q - log_p)
        if not self.anneal_steps:
            return exact
        progress = tf.cast(step, log_q.dtype) / self.anneal_steps
        beta = tf.minimum(1.0, ANNEAL_START + (1.0 - ANNEAL_START) * progress)
        annealed = tf.reduce_mean(log_q - beta * log_p)
        return annealed + tf.stop_gradient(exact - annealed)

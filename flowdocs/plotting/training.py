"""Figures of training: losses against steps, parameters against steps, fitted densities."""

import itertools
import math

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D

from flowdocs.plotting.axes import (
    as_points,
    check_count,
    check_event_size,
    coordinate_labels,
    frame,
    scatter,
)
from flowdocs.plotting.axes import view as view_of
from flowdocs.plotting.images import density_colorbar, density_image, density_map, density_norm
from flowdocs.plotting.style import QUADRANT_COLORS, REFERENCE_STYLES, SAMPLE_COLOR

__all__ = ["density_fit", "parameter_paths", "training_curves"]


def _curves(curves, name):
    """``{label: values}`` as ``{label: 1-D float64 array}``, refused if empty anywhere."""
    if not isinstance(curves, dict) or not curves:
        raise ValueError(f"{name} must be a non-empty dict {{label: values}}; got {curves!r}.")
    arrays = {label: np.asarray(values, np.float64) for label, values in curves.items()}
    for label, values in arrays.items():
        if values.ndim != 1 or len(values) == 0:
            raise ValueError(
                f"{name}[{label!r}] must be a non-empty 1-D sequence, a value per step; "
                f"got shape {values.shape}."
            )
    return arrays


def _running_mean(values, window):
    """The mean of the last ``window`` values at every step (fewer at the start)."""
    cumulative = np.concatenate([[0.0], np.cumsum(values)])
    steps = np.arange(1, len(values) + 1)
    start = np.maximum(steps - window, 0)
    return (cumulative[steps] - cumulative[start]) / (steps - start)


def training_curves(histories, references=None, zoom=0.3, smooth=1, title=None):
    """Loss against step for one or more training runs, with reference levels.

    Left: every step. Right (unless ``zoom`` is None): the last ``zoom`` share of the
    steps, on a scale that resolves the end of training, where the reference levels are.

    Parameters
    ----------
    histories : ``{label: array-like}``
        The loss of every step of each run (what :func:`flowdocs.fit` returns).
    references : ``{label: float}``, optional
        Levels drawn as horizontal lines across both panels, e.g. the true model's
        negative log-likelihood of held-out data.
    zoom : float, optional
        Share of the last steps shown on the right.
    smooth : int
        Draw the running mean over this many steps (minibatch losses are noisy), over
        the raw losses drawn faintly; 1 draws the raw losses only.
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
        One panel ("every step"), or two if ``zoom``; a legend of the runs and levels.
    """
    histories = _curves(histories, "histories")
    if zoom is not None and not 0.0 < zoom <= 1.0:
        raise ValueError(f"zoom must be a share of the steps in (0, 1], or None; got {zoom!r}.")
    check_count(smooth, "smooth")
    references = references or {}
    panels = 1 if zoom is None else 2
    fig = plt.figure(figsize=(5.2 * panels + 0.4, 4.0), layout="constrained")
    axes = fig.subplots(1, panels, squeeze=False).ravel()
    steps = max(len(history) for history in histories.values())
    first = 0 if zoom is None else int(steps * (1 - zoom))
    shown = []
    for color, (label, history) in zip(itertools.cycle(QUADRANT_COLORS), histories.items()):
        x = np.arange(1, len(history) + 1)
        line = history if smooth <= 1 else _running_mean(history, smooth)
        for ax in axes:
            if smooth > 1:
                ax.plot(x, history, color=color, alpha=0.25, linewidth=0.6)
            ax.plot(x, line, color=color, linewidth=1.6, label=label)
        shown.append(line[first:])
    for style, (label, level) in zip(itertools.cycle(REFERENCE_STYLES), references.items()):
        for ax in axes:
            ax.axhline(level, color="black", linestyle=style, linewidth=1.2, label=label)
    for ax in axes:
        ax.set_xlabel("training step")
        ax.set_ylabel("mean negative log-likelihood (nats)")
        ax.grid(alpha=0.3)
    axes[0].set_title("every step")
    if zoom is not None:
        tail = np.concatenate([*shown, list(references.values())])
        low, high = float(np.min(tail)), float(np.max(tail))
        pad = 0.08 * max(high - low, 1e-3)
        axes[1].set_xlim(first, steps)
        axes[1].set_ylim(low - pad, high + pad)
        axes[1].set_title(f"the last {zoom:.0%} of the steps, zoomed in")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 4),
               fontsize="small", frameon=False)  # fmt: skip
    if title:
        fig.suptitle(title)
    return fig


def parameter_paths(paths, truth=None, ncols=3, title=None):
    """The value of each parameter at every training step, one panel per parameter.

    Parameters
    ----------
    paths : ``{parameter: {run: array-like}}``
        For every parameter (a LaTeX name, e.g. ``r"\\theta"``), its value at every
        step of each run; runs are drawn in order, later ones dashed over earlier ones,
        so identical paths show as one line.
    truth : ``{parameter: float}``, optional
        Values drawn as dotted horizontal lines.
    ncols : int
        Panels per row.
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
        One visible panel per parameter, titled with its name, and a legend of the runs.
    """
    if not paths:
        raise ValueError("paths must hold at least one parameter; got none.")
    paths = {name: _curves(runs, f"paths[{name!r}]") for name, runs in paths.items()}
    check_count(ncols, "ncols")
    truth = truth or {}
    nrows = math.ceil(len(paths) / ncols)
    fig = plt.figure(figsize=(3.3 * ncols + 0.4, 2.7 * nrows + 0.9), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, (name, runs) in zip(axes, paths.items(), strict=False):
        for i, (color, (run, values)) in enumerate(
            zip(itertools.cycle(QUADRANT_COLORS), runs.items())
        ):
            first = i == 0
            ax.plot(np.arange(1, len(values) + 1), values, color=color, label=run,
                    linewidth=2.4 if first else 1.4, linestyle="-" if first else "--")  # fmt: skip
        if name in truth:
            ax.axhline(truth[name], color="black", linestyle=":", linewidth=1.2, label="true value")
        ax.set_title(f"${name}$")
        ax.set_xlabel("training step")
        ax.grid(alpha=0.3)
    for ax in axes[len(paths) :]:
        ax.set_visible(False)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=len(labels), frameon=False)
    if title:
        fig.suptitle(title)
    return fig


def density_fit(
    distribution,
    data,
    samples=None,
    reference=None,
    view=None,
    resolution=200,
    log_scale=True,
    name="x",
    title=None,
):
    """A learned density beside the true one, and its samples against the data.

    Panels, left to right: the true density (if ``reference`` is given), the learned
    density, and (if ``samples`` are given) samples of the learned model over the data.
    The density panels share one colour scale, set by the first, so that a density
    that is too low somewhere looks paler there.

    Parameters
    ----------
    distribution : tfp.distributions.Distribution
        The learned model of 2-vectors.
    data : array-like, shape ``[n, 2]``
        Data the model was fitted to, or held out from it; they frame the view.
    samples : array-like, shape ``[m, 2]``, optional
        Samples of the learned model.
    reference : tfp.distributions.Distribution, or a function of points ``[m, 2]``, optional
        The true distribution, or a function from points ``[m, 2]`` (NumPy) to their
        true log-densities.
    view : ((float, float), (float, float)), optional
        The box to draw; by default it frames the data.
    resolution : int
        Grid cells per side.
    log_scale : bool
        Colour densities on a logarithmic scale
        (:data:`~flowdocs.plotting.style.DENSITY_DECADES` decades).
    name : str
        LaTeX name of the coordinates.
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per density given and one for the samples, if any; one colour bar.
    """
    check_event_size(distribution)
    if hasattr(reference, "log_prob"):
        check_event_size(reference, "reference")
    data = as_points(data, "data")
    if samples is not None:
        samples = as_points(samples, "samples")
    to_scale = True
    if view is None:
        view, to_scale = view_of(data, quantile=0.0, pad=0.1)
    densities = [] if reference is None else [("true density", reference)]
    densities.append(("learned density", distribution))
    panels = len(densities) + (samples is not None)
    fig = plt.figure(figsize=(3.9 * panels + 0.8, 4.6), layout="constrained")
    axes = fig.subplots(1, panels, squeeze=False).ravel()
    norm = None
    for ax, (label, model) in zip(axes, densities, strict=False):
        density, _ = density_map(model, view, resolution)
        norm = norm or density_norm(density, log=log_scale)
        image = density_image(ax, density, view, norm)
        ax.set_title(label)
    density_colorbar(fig, image, axes[len(densities) - 1])
    if samples is not None:
        ax = axes[-1]
        scatter(ax, samples, SAMPLE_COLOR, size=3.0, alpha=0.4)
        scatter(ax, data, "0.2", size=3.0, alpha=0.3)
        ax.set_title("samples of the learned model\nover the data", fontsize="medium")
        handles = [
            Line2D([], [], ls="", marker="o", markersize=5, color="0.2", label="data"),
            Line2D([], [], ls="", marker="o", markersize=5, color=SAMPLE_COLOR,
                   label="samples of the learned model"),
        ]  # fmt: skip
        ax.legend(handles=handles, loc="upper right", fontsize="x-small", framealpha=0.9)
    for ax in axes:
        frame(ax, view, to_scale)
        coordinate_labels(ax, name)
    if title:
        fig.suptitle(title)
    return fig

"""The flow in motion: samples and a grid carried from the base to the final distribution."""

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from matplotlib import animation

from flowdocs.bijectors import partial_map
from flowdocs.plotting.axes import check_count, check_event_size, forward_points, view
from flowdocs.plotting.style import point_colors, quadrant_of

__all__ = ["flow_animation"]


def flow_animation(flow, n=600, seed=0, frames_per_stage=8, size=4.4, dpi=80, lines=7):
    r"""An animation of the flow: samples and a grid move from the base to the final shape.

    Each stage grows from the identity to the full map in ``frames_per_stage`` frames
    (eased, so that the motion slows at every stage boundary), through the partial maps
    of :func:`flowdocs.bijectors.partial_map`: shift, scale, shear strength and angle
    grow from their identity values, and the sigmoid is blended with the identity. The
    view follows the samples and is always to scale.

    Parameters
    ----------
    flow : flowdocs.Flow
        A flow of 2-vectors with ``k`` stages.
    n : int
        Number of samples carried along.
    seed : int
        Seed of the base points (:meth:`flowdocs.Flow.staged_samples`).
    frames_per_stage : int
        Frames from the start to the end of each stage.
    size : float
        Width and height of the figure, in inches.
    dpi : float
        Resolution of the figure.
    lines : int
        Grid lines along each axis, at least 2.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure the animation draws on: one panel.
    anim : matplotlib.animation.FuncAnimation
        ``1 + k * frames_per_stage`` frames. Keep a reference to it until it is rendered
        (``anim.to_jshtml()``, ``anim.save(...)``, ``plt.show()``), or it is deleted first.
    """
    check_event_size(flow.base, "flow.base")
    check_count(n, "n")
    check_count(frames_per_stage, "frames_per_stage")
    check_count(lines, "lines", least=2)
    points = flow.staged_samples(n, seed=seed)
    center = flow.base.mean().numpy()
    groups = quadrant_of(points[0], center)
    grids = [_grid_lines(view(points[0], quantile=0.0)[0], center, lines)]
    for stage in flow.stages:
        grids.append(forward_points(stage.bijector, grids[-1]))

    frames = [(0, 0.0)] + [
        (k, (i / frames_per_stage) ** 2 * (3 - 2 * i / frames_per_stage))
        for k in range(len(flow.stages))
        for i in range(1, frames_per_stage + 1)
    ]
    fig = plt.figure(figsize=(size, size), dpi=dpi)
    ax = fig.subplots(gridspec_kw={"left": 0.16, "right": 0.96, "bottom": 0.12, "top": 0.9})
    ax.grid(alpha=0.3)
    grid_lines = [ax.plot([], [], color="0.55", linewidth=0.7)[0] for _ in range(2 * lines)]
    cloud = ax.scatter(*points[0].T, s=5, c=point_colors(groups, n), linewidths=0, alpha=0.85)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel("first coordinate")
    ax.set_ylabel("second coordinate")
    names = [stage.name.replace("_", " ") for stage in flow.stages]

    def draw(frame):
        k, t = frame
        bijector = flow.stages[k].bijector
        now = _moved(bijector, t, points[k])
        cloud.set_offsets(now)
        for line, segment in zip(grid_lines, _moved(bijector, t, grids[k]), strict=True):
            line.set_data(segment[:, 0], segment[:, 1])
        (a0, a1), (b0, b1) = view(now, quantile=0.01, pad=0.15)[0]
        half = max(a1 - a0, b1 - b0) / 2
        ca, cb = (a0 + a1) / 2, (b0 + b1) / 2
        ax.set_xlim(ca - half, ca + half)
        ax.set_ylim(cb - half, cb + half)
        if t == 0:
            ax.set_title("the base distribution $p_0$", fontsize="medium")
        else:
            symbol = flow.stages[k].symbol
            ax.set_title(f"stage {k + 1}: ${symbol}$, {names[k]} ({t:.0%})", fontsize="medium")
        return [cloud, *grid_lines]

    draw(frames[0])
    return fig, animation.FuncAnimation(fig, draw, frames=frames, interval=140, repeat=True)


def _grid_lines(box, center, lines, points_per_line=60):
    """``lines`` vertical and ``lines`` horizontal lines over 80 % of the half-width of
    ``box`` around ``center``: shape ``[2 * lines, points_per_line, 2]``."""
    (x0, x1), (y0, y1) = box
    reach = 0.5 * max(x1 - x0, y1 - y0)
    ticks = np.linspace(-1.0, 1.0, lines)
    span = np.linspace(-1.0, 1.0, points_per_line)
    unit = np.concatenate(
        [np.stack(np.broadcast_arrays(t, span), -1) for t in ticks]
        + [np.stack(np.broadcast_arrays(span, t), -1) for t in ticks]
    ).reshape(2 * lines, points_per_line, 2)
    return unit * reach * 0.8 + center


def _moved(bijector, t, points):
    """NumPy ``points`` through the partial map a fraction ``t`` of the way to ``bijector``."""
    if t == 0:
        return points
    x = tf.constant(np.asarray(points).reshape(-1, 2), dtype=bijector.dtype or tf.float32)
    return np.asarray(partial_map(bijector, t)(x)).reshape(np.shape(points))

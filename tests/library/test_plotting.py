"""The shared figures, tested the way MNE tests ``mne.viz``: each public plotting function
returns a ``Figure`` with the expected panels, titles and colour bars, draws without a
warning (pytest turns warnings into errors), and refuses bad input with a ``ValueError``
that names what it expected.

Small samples and coarse grids keep the module fast; every figure is drawn once
(``fig.canvas.draw()``), because layout warnings only appear at draw time.
"""

import matplotlib.pyplot as plt
import numpy as np
import pytest
import tensorflow_probability as tfp
from matplotlib.animation import FuncAnimation
from matplotlib.figure import Figure

import flowdocs
import flowdocs.plotting as fp
from flowdocs.plotting import axes as fpa

tfd = tfp.distributions
RNG = np.random.default_rng(0)
POINTS = RNG.normal(size=(60, 2)).astype(np.float32)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def flow():
    return flowdocs.five_stage_flow(seed=0)


@pytest.fixture(scope="module")
def gaussian():
    return flowdocs.base_distribution()


def drawn(fig):
    """``fig`` after a full draw, and its panels and colour bars (visible axes only)."""
    assert isinstance(fig, Figure)
    fig.canvas.draw()
    visible = [ax for ax in fig.axes if ax.get_visible()]
    bars = [ax for ax in visible if ax.get_label() == "<colorbar>"]
    panels = [ax for ax in visible if ax not in bars]
    return panels, bars


def titles(panels):
    return [ax.get_title() for ax in panels]


# --------------------------------------------------------------------------- samples


def test_staged_scatter_has_one_panel_per_stage_and_hides_the_rest(flow):
    fig = fp.staged_scatter(flow, n=50, ncols=4)
    panels, bars = drawn(fig)
    assert len(panels) == len(flow.stages) + 1
    assert not bars
    assert len(fig.axes) == 8  # two rows of four, two hidden
    assert titles(panels)[0] == r"$z_0 \sim p_0$"
    assert titles(panels)[-1] == f"${flow.composition(5)}$"
    assert "50 samples" in fig.get_suptitle()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"n": 0}, "n must be"), ({"n": 2.5}, "n must be"), ({"ncols": 0}, "ncols must be")],
)
def test_staged_scatter_refuses_bad_counts(flow, kwargs, message):
    with pytest.raises(ValueError, match=message):
        fp.staged_scatter(flow, **kwargs)


def test_scatter_panels_titles_each_panel_and_adds_a_quadrant_legend():
    groups = fp.quadrant_of(POINTS)
    fig = fp.scatter_panels(
        [POINTS, 3 * POINTS], ["before", "after"], groups=groups, names=["z_0", "z_1"]
    )
    panels, bars = drawn(fig)
    assert titles(panels) == ["before", "after"]
    assert not bars
    assert panels[1].get_xlabel() == "$z_{1,a}$"
    assert [legend.get_title().get_text() for legend in fig.legends] == [
        "quadrant of the base point"
    ]


def test_scatter_panels_without_groups_has_no_legend():
    fig = fp.scatter_panels([POINTS], ["only"], suptitle="one")
    panels, _ = drawn(fig)
    assert len(panels) == 1
    assert not fig.legends
    assert fig.get_suptitle() == "one"


@pytest.mark.parametrize(
    ("point_sets", "kwargs", "message"),
    [
        ([POINTS, POINTS], {"titles": ["one"]}, r"titles must have one entry per point set \(2\)"),
        ([POINTS], {"titles": ["a"], "names": ["x", "y"]}, "names must have one entry"),
        ([POINTS, POINTS[:10]], {"titles": ["a", "b"]}, r"same n points; got lengths \[60, 10\]"),
        ([POINTS[:, :1]], {"titles": ["a"]}, r"point_sets\[0\] must be .* shape \[n, 2\]"),
        ([np.zeros((0, 2))], {"titles": ["a"]}, r"n >= 1; got shape \(0, 2\)"),
        ([], {"titles": []}, "at least one array of points"),
        (
            [POINTS],
            {"titles": ["a"], "groups": [0, 1]},
            r"one quadrant index per point, shape \(60,\)",
        ),
        ([POINTS], {"titles": ["a"], "groups": np.full(60, 7)}, "quadrant indices 0 to 3"),
    ],
    ids=["titles", "names", "lengths", "shape", "empty", "none", "groups", "group-values"],
)
def test_scatter_panels_refuses_bad_input(point_sets, kwargs, message):
    with pytest.raises(ValueError, match=message):
        fp.scatter_panels(point_sets, **kwargs)


# --------------------------------------------------------------------------- densities


def test_staged_density_has_two_panels_and_a_colour_bar_per_row(flow):
    fig = fp.staged_density(flow, n=40, stages=[0, 5], resolution=12)
    panels, bars = drawn(fig)
    assert len(panels) == 4
    assert len(bars) == 2
    assert titles(panels) == [
        r"$z_0 \sim p_0$: samples",
        "$p_0(z_0)$, exact",
        f"$z_5 = {flow.composition(5)}$: samples",
        "$p_5(z_5)$, exact",
    ]
    assert [bar.get_ylabel() for bar in bars] == ["$p_0$ (log scale)", "$p_5$ (log scale)"]
    assert len(fig.legends) == 1


@pytest.mark.parametrize(
    ("stages", "says"),
    [
        ([2], "after 2 stages"),
        ([1], "after 1 stage"),
        ([0], "of the base"),
        ([5], "after 5 stages"),
    ],
)
def test_staged_density_title_names_the_stage_it_draws(flow, stages, says):
    fig = fp.staged_density(flow, n=20, stages=stages, resolution=8)
    assert fig.get_suptitle() == f"20 samples beside the exact density, {says}"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"stages": [9]}, "from 0 to 5; got"), ({"stages": []}, "stages must"), ({"n": 0}, "n must")],
)
def test_staged_density_refuses_bad_input(flow, kwargs, message):
    with pytest.raises(ValueError, match=message):
        fp.staged_density(flow, **{"n": 20, "resolution": 8, **kwargs})


@pytest.mark.parametrize("log_scale", [False, True])
def test_samples_and_density_shows_samples_contours_and_density(gaussian, log_scale):
    samples = gaussian.sample(200, seed=[0, 1]).numpy()
    fig = fp.samples_and_density(
        gaussian,
        samples,
        "title",
        groups=fp.quadrant_of(samples),
        resolution=30,
        log_scale=log_scale,
    )
    panels, bars = drawn(fig)
    assert len(panels) == 2
    assert len(bars) == 1
    assert titles(panels) == [
        "200 samples and the regions\nholding 50%, 90% and 99%",
        r"exact density $\exp(\log p)$",
    ]
    assert bars[0].get_ylabel() == ("density (log scale)" if log_scale else "density")
    assert len(panels[0].collections) >= 2  # the samples and the contour lines
    assert fig.get_suptitle() == "title"


@pytest.mark.parametrize(
    ("distribution", "samples", "kwargs", "message"),
    [
        (
            tfd.MultivariateNormalDiag(loc=[0.0, 0.0, 0.0]),
            POINTS,
            {},
            r"event shape \[2\]\); got event shape \[3\]",
        ),
        (None, POINTS[:, 0], {}, r"samples must be .* got shape \(60,\)"),
        (None, np.zeros((0, 2)), {}, r"samples must be .* n >= 1"),
        (None, POINTS, {"masses": (0.5, 1.0)}, "strictly between 0 and 1"),
        (None, POINTS, {"groups": [0]}, r"shape \(60,\)"),
    ],
    ids=["event-size", "shape", "empty", "masses", "groups"],
)
def test_samples_and_density_refuses_bad_input(gaussian, distribution, samples, kwargs, message):
    with pytest.raises(ValueError, match=message):
        fp.samples_and_density(distribution or gaussian, samples, "t", resolution=8, **kwargs)


# --------------------------------------------------------------------------- maps


@pytest.mark.parametrize("stage", [1, 4])
def test_transformation_shows_before_after_and_log_det(flow, stage):
    bijector = flow.stages[stage].bijector
    fig = fp.transformation(bijector, ((-2, 2), (-2, 2)), symbol="f", cells=2, sub=3, resolution=16)
    panels, bars = drawn(fig)
    assert len(panels) == 3
    assert len(bars) == 1
    assert titles(panels) == [
        "before: the plane $z$",
        "after: $f(z)$",
        r"$\log|\det \partial f / \partial z|$ at $z$",
    ]
    assert bars[0].get_ylabel() == r"$\log|\det J|$"
    assert fig.get_suptitle() == f"The map {bijector.name}"


@pytest.mark.parametrize(
    ("view", "kwargs", "message"),
    [
        (((1, 0), (0, 1)), {}, "x0 < x1, y0 < y1"),
        (((0, 1),), {}, r"view must be \(\(x0, x1\), \(y0, y1\)\)"),
        (((0, 1), (0, 1)), {"cells": 0}, "cells must be an integer of at least 1"),
        (((0, 1), (0, 1)), {"resolution": 2.0}, "resolution must be an integer"),
    ],
    ids=["reversed", "shape", "cells", "resolution"],
)
def test_transformation_refuses_bad_input(flow, view, kwargs, message):
    with pytest.raises(ValueError, match=message):
        fp.transformation(flow.stages[0].bijector, view, **kwargs)


# --------------------------------------------------------------------------- motion


def test_flow_animation_returns_the_figure_and_its_animation(flow):
    fig, anim = fp.flow_animation(flow, n=30, frames_per_stage=2, size=1.5, dpi=30, lines=3)
    assert isinstance(fig, Figure)
    assert isinstance(anim, FuncAnimation)
    panels, bars = drawn(fig)
    assert len(panels) == 1
    assert not bars
    assert titles(panels) == ["the base distribution $p_0$"]
    html = anim.to_jshtml()  # draws every frame; also keeps the animation from warning
    assert html.count("data:image/png;base64") == 1 + 2 * len(flow.stages)
    assert titles(panels) == ["stage 5: $f_5$, sigmoid (100%)"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n": 0}, "n must be an integer of at least 1"),
        ({"frames_per_stage": 0}, "frames_per_stage must be"),
        ({"lines": 1}, "lines must be an integer of at least 2"),
    ],
)
def test_flow_animation_refuses_bad_input(flow, kwargs, message):
    with pytest.raises(ValueError, match=message):
        fp.flow_animation(flow, **kwargs)


# --------------------------------------------------------------------------- training


def test_training_curves_draws_every_step_and_the_zoomed_end():
    history = np.linspace(3.0, 1.0, 40)
    fig = fp.training_curves({"run": history}, references={"truth": 1.1}, zoom=0.5, smooth=4)
    panels, bars = drawn(fig)
    assert titles(panels) == ["every step", "the last 50% of the steps, zoomed in"]
    assert not bars
    assert [text.get_text() for text in fig.legends[0].get_texts()] == ["run", "truth"]
    assert panels[1].get_xlim() == (20.0, 40.0)


def test_training_curves_without_zoom_has_one_panel():
    panels, _ = drawn(fp.training_curves({"a": [2.0, 1.0], "b": [3.0, 2.0]}, zoom=None))
    assert titles(panels) == ["every step"]


@pytest.mark.parametrize(
    ("histories", "kwargs", "message"),
    [
        ({}, {}, "histories must be a non-empty dict"),
        ({"run": []}, {}, r"histories\['run'\] must be a non-empty 1-D sequence"),
        ({"run": np.ones((3, 2))}, {}, r"got shape \(3, 2\)"),
        ({"run": [1.0, 0.5]}, {"zoom": 1.5}, r"zoom must be a share of the steps in \(0, 1\]"),
        ({"run": [1.0, 0.5]}, {"smooth": 0}, "smooth must be an integer of at least 1"),
    ],
    ids=["empty", "empty-run", "2-d", "zoom", "smooth"],
)
def test_training_curves_refuses_bad_input(histories, kwargs, message):
    with pytest.raises(ValueError, match=message):
        fp.training_curves(histories, **kwargs)


def test_parameter_paths_has_one_panel_per_parameter():
    paths = {
        "c": {"first": [0.0, 0.5, 1.0], "second": [0.0, 0.4, 1.0]},
        r"\theta": {"first": [1, 2, 3]},
    }
    fig = fp.parameter_paths(paths, truth={"c": 1.0}, ncols=3)
    panels, bars = drawn(fig)
    assert titles(panels) == ["$c$", r"$\theta$"]
    assert not bars
    assert len(fig.axes) == 3  # one row of three, one hidden
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["first", "second", "true value"]


@pytest.mark.parametrize(
    ("paths", "kwargs", "message"),
    [
        ({}, {}, "at least one parameter"),
        ({"c": {}}, {}, r"paths\['c'\] must be a non-empty dict"),
        ({"c": {"run": []}}, {}, r"paths\['c'\]\['run'\] must be a non-empty 1-D sequence"),
        ({"c": {"run": [1.0]}}, {"ncols": 0}, "ncols must be"),
    ],
    ids=["empty", "no-runs", "empty-run", "ncols"],
)
def test_parameter_paths_refuses_bad_input(paths, kwargs, message):
    with pytest.raises(ValueError, match=message):
        fp.parameter_paths(paths, **kwargs)


@pytest.mark.parametrize("reference_kind", ["distribution", "function"])
def test_density_fit_shows_both_densities_and_the_samples(gaussian, reference_kind):
    data = gaussian.sample(100, seed=[0, 2]).numpy()
    if reference_kind == "distribution":
        reference = gaussian
    else:

        def reference(x):
            return gaussian.log_prob(x.astype(np.float32)).numpy()

    fig = fp.density_fit(
        gaussian, data, samples=data[:50], reference=reference, resolution=16, title="fit"
    )
    panels, bars = drawn(fig)
    assert len(panels) == 3
    assert len(bars) == 1
    assert titles(panels) == [
        "true density",
        "learned density",
        "samples of the learned model\nover the data",
    ]
    assert fig.get_suptitle() == "fit"


def test_density_fit_alone_is_one_panel(gaussian):
    panels, bars = drawn(fp.density_fit(gaussian, POINTS, resolution=8))
    assert titles(panels) == ["learned density"]
    assert len(bars) == 1


@pytest.mark.parametrize(
    ("distribution", "data", "kwargs", "message"),
    [
        (tfd.Normal(0.0, 1.0), POINTS, {}, r"event shape \[2\]\); got event shape \[\]"),
        (
            None,
            POINTS,
            {"reference": tfd.MultivariateNormalDiag(loc=[0.0, 0.0, 0.0])},
            "reference must be a distribution of 2-vectors",
        ),
        (None, POINTS.ravel(), {}, r"data must be .* got shape \(120,\)"),
        (None, POINTS, {"samples": np.zeros((0, 2))}, r"samples must be .* n >= 1"),
    ],
    ids=["event-size", "reference", "data-shape", "empty-samples"],
)
def test_density_fit_refuses_bad_input(gaussian, distribution, data, kwargs, message):
    with pytest.raises(ValueError, match=message):
        fp.density_fit(distribution or gaussian, data, resolution=8, **kwargs)


# --------------------------------------------------------------------------- style, helpers


def test_quadrant_of_counts_counter_clockwise_and_refuses_other_shapes():
    points = [[1.0, 1.0], [-1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [0.0, 0.0]]
    assert fp.quadrant_of(points).tolist() == [0, 1, 2, 3, 0]
    assert fp.quadrant_of(points, center=(2.0, 2.0)).tolist() == [2, 2, 2, 2, 2]
    with pytest.raises(ValueError, match=r"shape \[\.\.\., 2\]; got shape \(3,\)"):
        fp.quadrant_of([1.0, 2.0, 3.0])


def test_point_colors_follow_the_quadrants():
    assert fp.point_colors([1, 3], 2).tolist() == [fp.QUADRANT_COLORS[1], fp.QUADRANT_COLORS[3]]
    assert fp.point_colors(None, 3).tolist() == [fp.QUADRANT_COLORS[0]] * 3


def test_view_frames_the_unit_square_or_the_bulk():
    inside = RNG.uniform(size=(50, 2))
    box, to_scale = fpa.view(inside)
    assert to_scale
    assert np.allclose(box, ((-0.02, 1.02), (-0.02, 1.02)))
    (x0, x1), (y0, y1) = fpa.view(POINTS, quantile=0.0, pad=0.0)[0]
    assert x1 - x0 == pytest.approx(y1 - y0)  # to scale: square
    long = np.stack([POINTS[:, 0], 100 * POINTS[:, 1]], axis=-1)
    assert fpa.view(long)[1] is False
    with pytest.raises(ValueError, match="at least one point with finite coordinates"):
        fpa.view(np.full((3, 2), np.nan))


def test_frame_marks_a_view_not_to_scale():
    _fig, ax = plt.subplots()
    fpa.frame(ax, ((0, 1), (0, 50)), to_scale=False)
    assert [text.get_text() for text in ax.texts] == ["axes not to scale"]
    assert ax.get_ylim() == (0.0, 50.0)


def test_forward_points_keeps_the_shape(flow):
    grid = np.zeros((3, 4, 2))
    moved = fpa.forward_points(flow.stages[0].bijector, grid)
    assert moved.shape == (3, 4, 2)
    np.testing.assert_allclose(moved[..., 1], -2.0)


def test_density_row_shares_the_first_maps_colour_scale():
    from flowdocs.plotting.images import density_map, density_row

    box = ((-3.0, 3.0), (-3.0, 3.0))
    narrow = density_map(tfd.MultivariateNormalDiag([0.0, 0.0], [0.5, 0.5]), box, 20)[0]
    wide = density_map(tfd.MultivariateNormalDiag([0.0, 0.0], [1.5, 1.5]), box, 20)[0]
    fig = density_row([narrow, wide], box, ["narrow", "wide"])
    fig.canvas.draw()
    images = [ax.images[0] for ax in fig.axes]
    assert [ax.get_title() for ax in fig.axes] == ["narrow", "wide"]
    assert images[1].norm is images[0].norm  # one scale for the row
    assert images[0].norm.vmax == pytest.approx(np.quantile(narrow[narrow > 0], 0.998))
    assert all(not ax.get_xticks().size for ax in fig.axes)


@pytest.mark.parametrize(
    ("maps", "titles", "message"),
    [
        ([], [], "at least one map"),
        ([np.ones((4, 4))], ["a", "b"], "one title per map"),
        ([np.ones(4)], ["a"], "2-D array"),
    ],
)
def test_density_row_refuses_bad_input(maps, titles, message):
    from flowdocs.plotting.images import density_row

    with pytest.raises(ValueError, match=message):
        density_row(maps, ((0, 1), (0, 1)), titles)


@pytest.mark.parametrize(
    ("box", "panel_size"),
    [(((0, 0), (0, 1)), 3.0), (((0, 1), (2, 1)), 3.0), (((0, 1), (0, 1)), 0.0)],
)
def test_density_row_refuses_an_empty_box_or_panel(box, panel_size):
    from flowdocs.plotting.images import density_row

    with pytest.raises(ValueError, match="x0 < x1 and y0 < y1 and a positive panel_size"):
        density_row([np.ones((4, 4))], box, ["a"], panel_size=panel_size)


def test_density_row_draws_a_wide_box_to_scale():
    from flowdocs.plotting.images import density_row

    fig = density_row([np.ones((4, 8))], ((-4.0, 4.0), (-1.0, 1.0)), ["wide"], panel_size=4.0)
    assert fig.get_size_inches() == pytest.approx((4.0, 4.0 * 2 / 8 + 0.4))


def test_density_row_wraps_into_rows_of_columns_on_one_scale():
    from flowdocs.plotting.images import density_row

    maps = [np.full((4, 4), k + 1.0) for k in range(5)]
    fig = density_row(maps, ((0.0, 1.0), (0.0, 1.0)), list("abcde"), panel_size=2.0, columns=3)
    assert [ax.get_title() for ax in fig.axes] == list("abcde")  # the sixth panel removed
    assert fig.get_size_inches() == pytest.approx((6.0, 2 * (2.0 + 0.4)))
    assert len({id(ax.images[0].norm) for ax in fig.axes}) == 1
    rows = sorted({round(ax.get_position().y0, 3) for ax in fig.axes})
    assert len(rows) == 2
    assert (
        density_row(maps[:2], ((0, 1), (0, 1)), ["a", "b"], columns=9).get_size_inches()[0] == 6.0
    )


@pytest.mark.parametrize("columns", [0, -1, 2.0, True, "3"])
def test_density_row_refuses_bad_columns(columns):
    from flowdocs.plotting.images import density_row

    with pytest.raises(ValueError, match="columns must be a positive integer or None"):
        density_row([np.ones((4, 4))], ((0, 1), (0, 1)), ["a"], columns=columns)

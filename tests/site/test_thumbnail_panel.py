"""Thumbnails of one panel (conf/_ext/flowdocs_webp.py), on figures made here.

The build-side counterpart, that every built thumbnail is its script's panel, is in
tests/site/test_gallery.py.
"""

import os
from pathlib import Path
from types import SimpleNamespace

import matplotlib
import numpy as np
import pytest
from PIL import Image

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.patches import Patch
from sphinx.errors import ExtensionError

COLORS = ["#ff0000", "#00ff00", "#0000ff", "#ffff00", "#ff00ff", "#00ffff"]


@pytest.fixture
def six_panels():
    """A 2 x 3 figure whose panel k is filled with COLORS[k], plus a colorbar."""
    fig, axes = plt.subplots(2, 3, figsize=(9, 6), dpi=50, layout="constrained")
    for ax, color in zip(axes.flat, COLORS, strict=True):
        ax.set_facecolor(color)
        ax.set_title(color)
    fig.colorbar(axes[0, 0].imshow(np.zeros((2, 2))), ax=axes[0, 0])
    axes[0, 0].images[0].set_visible(False)  # keep panel 0 its own colour
    yield fig
    plt.close(fig)


def colours(path):
    """Set of the saturated colours (every channel 0 or 255) covering many pixels of an image."""
    with Image.open(path) as image:
        pixels = np.asarray(image.convert("RGB")).reshape(-1, 3)
    saturated = pixels[np.all((pixels == 0) | (pixels == 255), axis=1)]
    found, counts = np.unique(saturated, axis=0, return_counts=True)
    many = {
        "#{:02x}{:02x}{:02x}".format(*rgb) for rgb, n in zip(found, counts, strict=True) if n > 100
    }
    return many - {"#ffffff", "#000000"}


def size(path):
    with Image.open(path) as image:
        return image.size


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("print(1)\n", (1, None)),
        ("# sphinx_gallery_thumbnail_number = 3\n", (3, None)),
        ("# sphinx_gallery_thumbnail_number = 2\n# sphinx_gallery_thumbnail_panel = 0\n", (2, 0)),
        ("x = 1\n#   sphinx_gallery_thumbnail_panel =  4\n", (1, 4)),
    ],
)
def test_thumbnail_choice_reads_the_config_comments(webp, source, expected):
    assert webp.thumbnail_choice(source) == expected


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("thumbnail_number = 0", "number"),
        ("thumbnail_number = -1", "number"),
        ("thumbnail_number = 1.5", "number"),
        ("thumbnail_number = True", "number"),
        ("thumbnail_panel = -1", "panel"),
        ("thumbnail_panel = '2'", "panel"),
        ("thumbnail_panel = None", "panel"),
        ("thumbnail_panel = two", "panel"),
    ],
)
def test_thumbnail_choice_refuses_what_is_not_a_count(webp, line, key):
    source = "# sphinx_gallery_thumbnail_panel = 0\n" if key == "number" else ""
    with pytest.raises(ExtensionError, match=f"thumbnail_{key} must be an integer"):
        webp.thumbnail_choice(source + f"# sphinx_gallery_{line}\n")


def test_panels_leave_out_colorbars_and_hidden_axes(webp, six_panels):
    assert len(six_panels.axes) == 7
    assert len(webp.panels(six_panels)) == 6
    six_panels.axes[5].set_visible(False)
    assert len(webp.panels(six_panels)) == 5


@pytest.mark.parametrize("index", range(6))
def test_save_panel_saves_that_panel_alone(webp, six_panels, index, tmp_path):
    path = tmp_path / "panel.webp"
    webp.save_panel(six_panels, index, path, **webp.SAVEFIG_KWARGS)
    assert colours(path) == {COLORS[index]}
    width, height = size(path)
    full_width, full_height = (six_panels.get_size_inches() * six_panels.dpi).astype(int)
    assert width < full_width / 2, width
    assert height < full_height * 0.7, height


def test_save_panel_leaves_out_figure_legends_and_titles(webp, tmp_path):
    fig, axes = plt.subplots(1, 2, figsize=(6, 3), dpi=50, layout="constrained")
    try:
        axes[0].set_facecolor(COLORS[1])
        axes[1].set_facecolor(COLORS[2])
        patch = Patch(color=COLORS[0], label="legend")
        legend = fig.legend(handles=[patch], loc="outside lower center", handlelength=10)
        fig.suptitle("title", fontsize=30, backgroundcolor=COLORS[3])
        fig.draw_without_rendering()
        before = [ax.get_position().bounds for ax in axes]
        webp.save_panel(fig, 0, tmp_path / "panel.webp", **webp.SAVEFIG_KWARGS)
        assert colours(tmp_path / "panel.webp") == {COLORS[1]}
        # The figure is as it was: legend and title shown, the layout engine back.
        assert legend.get_visible()
        assert fig._suptitle.get_visible()
        assert axes[1].get_visible()
        assert fig.get_layout_engine().__class__.__name__ == "ConstrainedLayoutEngine"
        fig.draw_without_rendering()
        assert [ax.get_position().bounds for ax in axes] == before
    finally:
        plt.close(fig)


@pytest.mark.parametrize("index", [6, -1, 100])
def test_save_panel_refuses_a_panel_the_figure_lacks(webp, six_panels, index, tmp_path):
    with pytest.raises(ExtensionError, match=r"figure with 6 panels \(0 to 5\)"):
        webp.save_panel(six_panels, index, tmp_path / "panel.webp")
    assert not (tmp_path / "panel.webp").exists()


def test_a_thumbnail_of_several_panels_must_name_one(webp, six_panels, tmp_path):
    path = tmp_path / "panel.webp"
    with pytest.raises(ExtensionError, match="has 6 panels: name the one"):
        webp.save_thumbnail_panel([six_panels], 1, "", path)
    source = "# sphinx_gallery_thumbnail_number = 2\n# sphinx_gallery_thumbnail_panel = 2\n"
    single, _ = plt.subplots()
    try:
        webp.save_thumbnail_panel([single, six_panels], 1, source, path, **webp.SAVEFIG_KWARGS)
        assert colours(path) == {COLORS[2]}
        # A block whose figures do not include the thumbnail figure leaves the panel alone.
        webp.save_thumbnail_panel([single], 3, source, path)
        assert path.exists()
        # A single-panel thumbnail needs no choice, and drops a panel left from before.
        webp.save_thumbnail_panel([single], 1, "", path)
        assert not path.exists()
    finally:
        plt.close(single)


def test_thumbnails_are_made_from_panels_and_left_alone_when_unchanged(webp, six_panels, tmp_path):
    thumb_dir = tmp_path / "auto_examples" / "section" / "images" / "thumb"
    thumb_dir.mkdir(parents=True)
    panel = thumb_dir / "sphx_glr_plot_01_x_panel.webp"
    thumb = thumb_dir / "sphx_glr_plot_01_x_thumb.webp"
    six_panels.savefig(thumb, **webp.SAVEFIG_KWARGS)  # sphinx-gallery's thumbnail: all six
    webp.save_panel(six_panels, 4, panel, **webp.SAVEFIG_KWARGS)
    app = SimpleNamespace(
        srcdir=str(tmp_path),
        config=SimpleNamespace(sphinx_gallery_conf={"thumbnail_size": (80, 56)}),
    )
    webp.thumbnails_from_panels(app)
    assert size(thumb) == (80, 56)
    assert colours(thumb) <= {COLORS[4]}
    os.utime(thumb, (1, 1))
    webp.thumbnails_from_panels(app)
    assert Path(thumb).stat().st_mtime == 1, "an unchanged thumbnail was rewritten"
    assert sorted(p.name for p in thumb_dir.iterdir()) == [panel.name, thumb.name]

"""Gallery figures as lossless WebP, and thumbnails of one panel.

``sphinx_gallery_conf["image_scrapers"]`` names :func:`webp_scraper`: sphinx-gallery's own
matplotlib scraper with the savefig arguments below. Lossless WebP keeps every pixel (the
gallery tests compare them with a standalone run of each script) in about two thirds of a
PNG's bytes, and every current browser shows it.

A gallery thumbnail is 400 x 280 pixels: a six-panel figure shrunk to it is six smudges.
So the figure a script names with ``# sphinx_gallery_thumbnail_number = n`` (default 1)
must be one panel, or the script names the panel with
``# sphinx_gallery_thumbnail_panel = k`` (0-based, in the order of ``fig.axes`` with
colorbars left out); the build fails otherwise. The scraper saves that panel alone, with
its title and tick labels, as ``images/thumb/sphx_glr_<script>_panel.webp``, and
:func:`thumbnails_from_panels` (run after sphinx-gallery has written its thumbnails) makes
the thumbnail from it.
"""

import ast
import filecmp
import re
from pathlib import Path

from sphinx.errors import ExtensionError

# Also read by tests/site/test_gallery.py, which saves a standalone run's figures the same way.
SAVEFIG_KWARGS = {"format": "webp", "pil_kwargs": {"lossless": True}}
PANEL_PAD = 0.05  # inches of margin around a thumbnail panel
_CONFIG = re.compile(r"^#\s*sphinx_gallery_(thumbnail_number|thumbnail_panel)\s*=\s*(.+)$", re.M)


def thumbnail_choice(source):
    """``(figure number, panel index or None)`` named by a script's config comments."""
    named = dict(_CONFIG.findall(source))
    choice = {"number": 1, "panel": None}
    for key, text in named.items():
        key, low = key.removeprefix("thumbnail_"), 1 if key == "thumbnail_number" else 0
        try:
            value = ast.literal_eval(text.strip())
        except (ValueError, SyntaxError):
            value = text.strip()
        if type(value) is not int or value < low:
            raise ExtensionError(
                f"sphinx_gallery_thumbnail_{key} must be an integer >= {low}, got {value!r}"
            )
        choice[key] = value
    return choice["number"], choice["panel"]


def panels(fig):
    """The axes of ``fig`` a reader sees as panels: every visible one but colorbars."""
    return [ax for ax in fig.axes if ax.get_visible() and ax.get_label() != "<colorbar>"]


def save_panel(fig, index, path, **savefig_kwargs):
    """Save panel ``index`` of ``fig`` alone: its axes with title, labels and tick labels."""
    shown = panels(fig)
    if not 0 <= index < len(shown):
        raise ExtensionError(
            f"thumbnail panel {index} asked of a figure with {len(shown)} panels "
            f"(0 to {len(shown) - 1})"
        )
    panel = shown[index]
    fig.draw_without_rendering()  # the layout engine places the axes where savefig will
    box = panel.get_tightbbox(fig.canvas.get_renderer())
    inches = box.transformed(fig.dpi_scale_trans.inverted()).padded(PANEL_PAD)
    # Everything else is hidden (a figure legend or a neighbour's labels would show in the
    # crop), with the layout frozen so that hiding it moves nothing.
    others = [
        artist
        for artist in (*fig.axes, *fig.legends, *fig.texts, *fig.artists, *fig.images)
        if artist is not panel and artist.get_visible()
    ]
    engine = fig.get_layout_engine()
    fig.set_layout_engine("none")
    try:
        for artist in others:
            artist.set_visible(False)
        fig.savefig(path, bbox_inches=inches, **savefig_kwargs)
    finally:
        for artist in others:
            artist.set_visible(True)
        fig.set_layout_engine(engine)


def panel_path(image_path_template, script):
    """Where the thumbnail panel of ``script`` (a path) is saved, beside its thumbnail."""
    return Path(image_path_template).parent / "thumb" / f"sphx_glr_{Path(script).stem}_panel.webp"


def save_thumbnail_panel(figures, first_number, source, path, **savefig_kwargs):
    """Save the chosen panel of the thumbnail figure, if it is among ``figures``.

    ``figures`` are a block's figures in order, the first being figure ``first_number`` of
    the script. A thumbnail figure of several panels without a chosen panel is an error;
    an animation (a thumbnail sphinx-gallery makes itself) is left alone.
    """
    number, panel = thumbnail_choice(source)
    if not first_number <= number < first_number + len(figures):
        return
    fig = figures[number - first_number]
    if panel is None:
        Path(path).unlink(missing_ok=True)  # a panel the script no longer names
        if (count := len(panels(fig))) > 1:
            raise ExtensionError(
                f"thumbnail figure {number} has {count} panels: name the one the "
                "gallery shows with '# sphinx_gallery_thumbnail_panel = k' (0-based)"
            )
        return
    save_panel(fig, panel, path, **savefig_kwargs)


def webp_scraper(block, block_vars, gallery_conf):
    """sphinx-gallery's matplotlib scraper, saving every figure as lossless WebP."""
    import matplotlib.pyplot as plt
    from matplotlib.animation import Animation
    from sphinx_gallery.scrapers import matplotlib_scraper

    iterator = block_vars["image_path_iterator"]
    animated = {a._fig for a in block_vars["example_globals"].values() if isinstance(a, Animation)}
    figures = [plt.figure(num) for num in plt.get_fignums()]
    if figures and not animated.intersection(figures):
        script = block_vars["src_file"]
        save_thumbnail_panel(
            figures,
            len(iterator) + 1,
            Path(script).read_text(encoding="utf-8"),
            panel_path(iterator.image_path, script),
            **SAVEFIG_KWARGS,
        )
    return matplotlib_scraper(block, block_vars, gallery_conf, **SAVEFIG_KWARGS)


def thumbnails_from_panels(app):
    """Make each gallery thumbnail from its script's panel, where there is one.

    A thumbnail is rewritten only when it changes, so a no-op build stays one.
    """
    from sphinx_gallery.gen_rst import scale_image

    size = app.config.sphinx_gallery_conf.get("thumbnail_size", (400, 280))
    for panel in Path(app.srcdir).glob("auto_examples/**/images/thumb/sphx_glr_*_panel.webp"):
        thumb = panel.with_name(panel.name.replace("_panel.webp", "_thumb.webp"))
        fresh = thumb.with_suffix(".new.webp")
        scale_image(str(panel), str(fresh), *size)
        if thumb.exists() and filecmp.cmp(fresh, thumb, shallow=False):
            fresh.unlink()
        else:
            fresh.replace(thumb)


def setup(app):
    # After sphinx-gallery's own builder-inited handler (priority 500) ran the scripts.
    app.connect("builder-inited", thumbnails_from_panels, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

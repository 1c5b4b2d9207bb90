"""Lighter pages: the icon font cut to the icons the site shows, still gallery thumbnails.

Run after every HTML build (``build-finished``), on the files in the output:

- The theme's Font Awesome fonts (``_static/vendor/fontawesome/*/``, 19-115 kB each,
  about 1,400 icons) are subset to the icons the built pages and the site's scripts
  name (``fa-sun``, ``fa-magnifying-glass``, ...), found through the theme's style
  sheet, which maps each icon's class to its code point; the style sheet keeps only
  those icons' rules. A page then loads a few kilobytes of icon font instead of 115 kB.
- sphinx-gallery makes an animated GIF the thumbnail of a script that draws an
  animation (a few hundred kilobytes on every gallery index page); the thumbnail keeps
  its name and becomes its first frame, a still GIF. The example's page keeps the
  animation itself.
"""

import re
from pathlib import Path

from PIL import Image
from sphinx.util import logging

logger = logging.getLogger(__name__)

# .fa-sun{--fa:"\f185"} or .fa-close,.fa-xmark{--fa:"\f00d"} in the theme's style sheet.
ICON_RULE = re.compile(r'((?:\.fa-[a-z0-9-]+,?)+)\{--fa:"\\([0-9a-f]+)"\}')
ICON_CLASS = re.compile(r"\bfa-[a-z0-9-]+")


def icon_code_points(css):
    """Icon class (``fa-sun``) -> code point, from the theme's style sheet."""
    points = {}
    for selectors, code in ICON_RULE.findall(css):
        for name in selectors.split(","):
            points[name.lstrip(".")] = int(code, 16)
    return points


def icons_used(outdir):
    """Every ``fa-...`` class the built pages and the site's scripts name."""
    names = set()
    texts = [*outdir.rglob("*.html"), *(outdir / "_static").rglob("*.js")]
    for path in texts:
        names.update(ICON_CLASS.findall(path.read_text(encoding="utf-8", errors="ignore")))
    return names


def _kept_rule(rule, used):
    names = [name.lstrip(".") for name in rule.group(1).split(",")]
    return rule.group(0) if used.intersection(names) else ""


def subset_icon_fonts(outdir):
    from fontTools import subset

    css_files = list((outdir / "_static" / "styles").glob("*.css"))
    fonts = list((outdir / "_static" / "vendor" / "fontawesome").rglob("*.woff2"))
    if not css_files or not fonts:
        return
    points = {}
    for css in css_files:
        points.update(icon_code_points(css.read_text(encoding="utf-8")))
    used = icons_used(outdir)
    wanted = {points[name] for name in used if name in points}
    if not wanted:
        logger.warning("flowdocs_weight: no Font Awesome icon named in the built pages")
        return
    for css in css_files:  # the rules of the icons no page shows go too (about 100 kB)
        text = css.read_text(encoding="utf-8")
        kept = ICON_RULE.sub(lambda rule: _kept_rule(rule, used), text)
        css.write_text(kept, encoding="utf-8")
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]
    for font_path in fonts:
        font = subset.load_font(str(font_path), options)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=wanted)
        subsetter.subset(font)
        subset.save_font(font, str(font_path), options)


def still_thumbnails(outdir):
    for path in (outdir / "_images").glob("*_thumb.gif"):
        with Image.open(path) as image:
            if getattr(image, "n_frames", 1) == 1:
                continue
            image.seek(0)
            frame = image.convert("RGB")
        frame.save(path, format="GIF")


def lighten(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    subset_icon_fonts(outdir)
    still_thumbnails(outdir)


def setup(app):
    app.connect("build-finished", lighten)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

"""Lighter pages: style sheets and the icon font cut to what the site shows, the small
sheets joined into one, still gallery thumbnails, animation frames as image files.

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
- Every style sheet under ``_static/`` (the theme's is 378 kB, most of it Bootstrap
  components the site never shows) loses the rules whose classes, ids and element names
  no built page and no script of the site contains, by PurgeCSS (npm's ``purgecss``,
  which ``nox -s docs`` installs into ``.nox/purgecss/`` and names in
  ``FLOWDOCS_PURGECSS``; ``purge_css.js`` beside this file runs it). Words in the
  scripts count as used, so the classes the theme's and Bootstrap's scripts add as a
  reader clicks stay, and so do the dark theme's rules (``html[data-theme=dark]``) and
  the font faces; custom properties and keyframes go when no kept rule uses them.
- The style sheets that every page links from ``_static/`` itself (Sphinx's, the
  extensions', the site's: a dozen files, most under 4 kB once cut) become one file,
  ``_static/site.css``, linked where the last of them was, with a checksum of its
  content in the link: a phone on a slow network opens each file's request in turn
  before its first paint, and one request costs one round trip where twelve cost
  several. The theme's own sheet and KaTeX's (in folders, with fonts beside them at
  relative URLs) keep their links.
- An animation that sphinx-gallery embeds as matplotlib's JavaScript player carries its
  frames in the page, as base64 data URIs (the flow in motion: 21 JPEG frames, 0.44 MB
  of a 0.47 MB page), which a phone must download before it can paint anything. Each
  frame becomes a file under ``_images/`` and the player's list names the files; the
  player fetches them once the page has painted. Its image starts as the first frame,
  with the frames' width and height, so that its box is there from the first layout
  (an image without ``src`` has no height until the player sets one).
"""

import base64
import json
import os
import re
import shutil
import subprocess
import zlib
from pathlib import Path

from PIL import Image
from sphinx.errors import ConfigError, ExtensionError
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


PURGE_SCRIPT = Path(__file__).with_name("purge_css.js")
# Patterns of selectors kept though no page or script spells them out: Bootstrap composes
# its tooltips' placement classes from parts at run time.
SAFELIST = [r"^bs-tooltip", r"^bs-popover"]


def purgecss_folder():
    """The npm package ``purgecss`` (``FLOWDOCS_PURGECSS``, set by ``nox -s docs``)."""
    folder = os.environ.get("FLOWDOCS_PURGECSS")
    if not folder or not (Path(folder) / "package.json").is_file():
        raise ConfigError(
            "FLOWDOCS_PURGECSS does not name the npm package purgecss: build with "
            "`nox -s docs`, which installs it into .nox/purgecss/ and sets it."
        )
    return Path(folder)


def script_variables(static):
    """Custom properties a script reads by name (``getPropertyValue("--fx-bg")``).

    PurgeCSS sees no ``var()`` reading them, so without this it would drop them.
    """
    quoted = re.compile(r"""["'](--[\w-]+)["']""")
    return {name for js in static.rglob("*.js") for name in quoted.findall(js.read_text())}


def purge_style_sheets(outdir, purgecss):
    """Cut every style sheet under ``_static/`` to the rules the pages and scripts use."""
    static = outdir / "_static"
    job = {
        "purgecss": str(purgecss),
        "content": [f"{outdir}/**/*.html", f"{static}/**/*.js"],
        "css": sorted(str(path) for path in static.rglob("*.css")),
        "safelist": SAFELIST,
        "variables": sorted(script_variables(static)),
    }
    node = shutil.which("node")
    if node is None:
        raise ExtensionError("flowdocs_weight: PurgeCSS needs node on PATH (nox -s docs puts it)")
    done = subprocess.run(
        [node, str(PURGE_SCRIPT)], input=json.dumps(job), capture_output=True, text=True
    )
    if done.returncode:
        raise ExtensionError(f"flowdocs_weight: PurgeCSS failed:\n{done.stderr[-2000:]}")
    sizes = json.loads(done.stdout)
    before = sum(old for old, _ in sizes.values())
    after = sum(new for _, new in sizes.values())
    logger.info(
        "flowdocs_weight: style sheets cut from %d kB to %d kB", before // 1000, after // 1000
    )


def still_thumbnails(outdir):
    for path in (outdir / "_images").glob("*_thumb.gif"):
        with Image.open(path) as image:
            if getattr(image, "n_frames", 1) == 1:
                continue
            image.seek(0)
            frame = image.convert("RGB")
        frame.save(path, format="GIF")


BUNDLE = "site.css"
# <link rel="stylesheet" type="text/css" href="../_static/pygments.css?v=8f2a1f02" />
ROOT_SHEET = re.compile(
    r'[ \t]*<link rel="stylesheet" type="text/css" href="([^"]*?)_static/([\w.-]+\.css)'
    r'(?:\?v=[0-9a-f]+)?" />\n?'
)


def bundle_style_sheets(outdir):
    """Join the ``_static/*.css`` sheets every page links into ``_static/site.css`` and
    link it instead, where the last of them was (see the module docstring).

    The names of the joined sheets head the bundle, so that a build which writes no page
    (every page already links the bundle) joins the same sheets again."""
    static, bundle = outdir / "_static", outdir / "_static" / BUNDLE
    pages = {
        page: page.read_text(encoding="utf-8")
        for page in outdir.rglob("*.html")
        if static not in page.parents  # the theme's templates
    }
    linked = [[name for _, name in ROOT_SHEET.findall(text)] for text in pages.values()]
    fresh = [names for names in linked if BUNDLE not in names]
    if fresh:
        common = [name for name in fresh[0] if all(name in names for names in fresh)]
    elif bundle.is_file():
        common = bundle.read_text(encoding="utf-8").partition("\n")[0].split()[2:-1]
    else:
        return
    if not common:
        return
    parts = [f"/* {name} */\n{(static / name).read_text(encoding='utf-8')}\n" for name in common]
    css = f"/* joined: {' '.join(common)} */\n" + "".join(parts)
    bundle.write_text(css, encoding="utf-8")
    checksum = f"{zlib.crc32(css.encode()):08x}"
    joined = {*common, BUNDLE}
    for page, text in pages.items():
        matches = [match for match in ROOT_SHEET.finditer(text) if match.group(2) in joined]
        if not matches:
            continue
        href = f"{matches[-1].group(1)}_static/{BUNDLE}"  # relative, or absolute on 404.html
        pieces, start = [], 0
        for match in matches:
            pieces.append(text[start : match.start()])
            start = match.end()
        link = f'<link rel="stylesheet" type="text/css" href="{href}?v={checksum}" />\n'
        bundled = "".join(pieces) + link + text[start:]
        if bundled != text:
            page.write_text(bundled, encoding="utf-8")


# frames[3] = "data:image/jpeg;base64,/9j/4AAQ...\
# ...";  in matplotlib's player script, the base64 broken into lines ending in a backslash.
FRAME = re.compile(r'(frames\[(\d+)\] = )"data:image/(jpeg|png);base64,([A-Za-z0-9+/=\\\n]*)"')
FRAME_FILE = re.compile(r'frames\[0\] = "([^"]+)"')
PLAYER_IMAGE = re.compile(r'<img (alt="[^"]*" id="(_anim_img[0-9a-f]+)")>')


def animation_frames_as_files(outdir):
    """Move every embedded animation frame into ``_images/`` (see the module docstring)."""
    images = outdir / "_images"
    for page in outdir.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        if "data:image" not in text or not FRAME.search(text):
            continue
        sizes = []

        def as_file(match, page=page, sizes=sizes):
            prefix, number, kind, data = match.groups()
            raw = base64.b64decode(data.replace("\\\n", ""))
            name = f"{page.stem}_frame_{int(number):03d}.{'jpg' if kind == 'jpeg' else kind}"
            (images / name).write_bytes(raw)
            with Image.open(images / name) as image:
                sizes.append(image.size)
            return f'{prefix}"{os.path.relpath(images / name, page.parent)}"'

        text = FRAME.sub(as_file, text)
        first = FRAME_FILE.search(text).group(1)
        if len(set(sizes)) == 1:
            width, height = sizes[0]
            attributes = f'src="{first}" width="{width}" height="{height}"'
            text = PLAYER_IMAGE.sub(rf"<img \1 {attributes}>", text)
        page.write_text(text, encoding="utf-8")


def lighten(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    subset_icon_fonts(outdir)  # first: it reads every icon's code point from the theme's CSS
    purge_style_sheets(outdir, app.flowdocs_purgecss)
    bundle_style_sheets(outdir)  # after: it joins the cut sheets
    still_thumbnails(outdir)
    animation_frames_as_files(outdir)


def configure(app, config):
    app.flowdocs_purgecss = purgecss_folder()


def setup(app):
    app.connect("config-inited", configure)
    # Late: after the theme rewrites pygments.css for its light and dark modes (build-finished).
    app.connect("build-finished", lighten, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

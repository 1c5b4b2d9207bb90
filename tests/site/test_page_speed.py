"""What a built page loads before its first paint (issue 17), read from build/html.

- the search index and Sphinx's search scripts load on the search page only
  (conf/_templates/layout.html); no page loads the theme's Font Awesome script;
- every script file in a page's head is deferred but ``documentation_options.js``
  (conf/_ext/flowdocs_head.py);
- every image of a page but its first loads lazily (flowdocs_head.py);
- the style sheets are cut to the rules the site uses (conf/_ext/flowdocs_weight.py,
  PurgeCSS), keeping the dark theme, the icons and what the theme's scripts switch on;
- every image carries its file's width and height (flowdocs_head.py), so nothing shifts
  as images arrive;
- an animation's frames are image files, not data URIs in the page (flowdocs_weight.py).

The browser tests (tests/browser/) check that the pages still work and look right.
"""

import functools
import html.parser
import re
import zlib
from pathlib import Path

import pytest
from PIL import Image

SITE = Path(__file__).resolve().parents[2] / "build" / "html"
SEARCH_ONLY = ("searchindex.js", "searchtools.js", "language_data.js")
KEPT_BLOCKING = ("documentation_options.js",)


class HeadParser(html.parser.HTMLParser):
    """The scripts of a page's head and of its body, and its images, in order."""

    def __init__(self):
        super().__init__()
        self.in_head = False
        self.head_scripts, self.scripts, self.images = [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "head":
            self.in_head = True
        elif tag == "script" and attrs.get("src"):
            src = attrs["src"].split("?")[0]
            self.scripts.append(src)
            if self.in_head:
                self.head_scripts.append((src, attrs))
        elif tag == "img":
            self.images.append(attrs)

    def handle_endtag(self, tag):
        if tag == "head":
            self.in_head = False


def pages():
    if not (SITE / "index.html").is_file():
        pytest.fail(f"No built site in {SITE}: run `nox -s docs` first.")
    found = (p.relative_to(SITE).as_posix() for p in SITE.rglob("*.html"))
    return sorted(p for p in found if not p.startswith("_"))


@functools.cache
def parsed(page):
    parser = HeadParser()
    parser.feed((SITE / page).read_text(encoding="utf-8"))
    return parser


def named(scripts, names):
    return sorted({src.rsplit("/", 1)[-1] for src in scripts} & set(names))


@pytest.mark.parametrize("page", pages())
def test_search_scripts_only_on_the_search_page(page):
    loaded = named(parsed(page).scripts, SEARCH_ONLY)
    if page == "search.html":
        assert loaded == sorted(SEARCH_ONLY), f"the search page loads only {loaded}"
    else:
        assert not loaded, f"{page} loads {loaded}, which only the search page needs"


@pytest.mark.parametrize("page", pages())
def test_no_font_awesome_script(page):
    scripts = [src for src in parsed(page).scripts if "fontawesome" in src]
    assert not scripts, f"{page} loads {scripts}: the icons come from the subset icon font"


@pytest.mark.parametrize("page", [page for page in pages() if page != "search.html"])
def test_head_scripts_are_deferred(page):
    blocking = [
        src
        for src, attrs in parsed(page).head_scripts
        if "defer" not in attrs and "async" not in attrs and not src.endswith(KEPT_BLOCKING)
    ]
    assert not blocking, f"{page}: scripts in the head that block the first paint: {blocking}"


@pytest.mark.parametrize("page", pages())
def test_images_after_the_first_load_lazily(page):
    images = parsed(page).images
    eager = [image.get("src") for image in images[1:] if image.get("loading") != "lazy"]
    assert not eager, f"{page}: images below the first that load at once: {eager[:5]}"


def test_style_sheets_are_cut_and_keep_what_the_site_uses():
    theme = (SITE / "_static" / "styles" / "pydata-sphinx-theme.css").read_text(encoding="utf-8")
    # The theme ships 378 kB; Bootstrap's unused components go.
    assert len(theme.encode()) < 150_000, f"theme style sheet {len(theme) / 1e3:.0f} kB"
    for kept in (
        "html[data-theme=dark]",  # the dark theme
        ".fa-magnifying-glass",  # an icon the header shows
        ".bd-sidebar-primary",  # the layout
        ".show",  # Bootstrap's scripts add it to open menus
        "@font-face",  # the icon font
    ):
        assert kept in theme, f"the cut theme style sheet lost {kept!r}"
    for removed in (".accordion-button", ".progress-bar", ".spinner-border"):
        assert removed not in theme, f"{removed}: a Bootstrap component no page uses is kept"


def test_custom_properties_scripts_read_survive_the_cut():
    """The explorer reads ``--fx-bg`` and its kin by name (``getPropertyValue``): no
    ``var()`` in any kept rule names them, so PurgeCSS would drop them unless told.
    Every custom property a script names and a source style sheet defines stays defined."""
    static = SITE / "_static"
    source = "".join(
        path.read_text() for path in (SITE.parents[1] / "conf" / "_static").glob("*.css")
    )
    built = "".join(path.read_text(encoding="utf-8") for path in static.rglob("*.css"))
    named = set()
    for script in static.rglob("*.js"):
        named.update(re.findall(r"[\"'](--[\w-]+)[\"']", script.read_text()))
    defined = {name for name in named if f"{name}:" in source}
    assert "--fx-bg" in defined, "the explorer's colours are not found: nothing is checked"
    for name in sorted(defined):
        assert f"{name}:" in built, f"{name} is read by a script but was cut from the CSS"


def file_size(page, src):
    with Image.open((SITE / page).parent / src) as image:
        return image.size


@pytest.mark.parametrize("page", pages())
def test_images_carry_their_files_width_and_height(page):
    wrong = []
    for image in parsed(page).images:
        src = image.get("src", "")
        assert src, f"{page}: an image without src has no size until a script sets one"
        if src.endswith(".svg"):
            continue
        size = (int(image.get("width", -1)), int(image.get("height", -1)))
        if size != file_size(page, src):
            wrong.append((src, size, file_size(page, src)))
    assert not wrong, f"{page}: images whose width and height are not their file's: {wrong[:3]}"


PLAYER_FRAMES = re.compile(r'frames\[\d+\] = "([^"]+)"')
ANIMATION_PAGE = "auto_examples/staged_flow/plot_04_flow_in_motion.html"


@pytest.mark.parametrize("page", pages())
def test_no_page_embeds_images_as_data(page):
    text = (SITE / page).read_text(encoding="utf-8")
    for kind in ("jpeg", "png"):
        assert f"data:image/{kind};base64" not in text, f"{page} embeds {kind} images as data"


def test_the_animation_plays_frame_files_of_one_size():
    frames = PLAYER_FRAMES.findall((SITE / ANIMATION_PAGE).read_text(encoding="utf-8"))
    assert len(frames) > 1, f"no animation frames found on {ANIMATION_PAGE}"
    assert len(set(frames)) == len(frames), "two frames share a file"
    sizes = {file_size(ANIMATION_PAGE, frame) for frame in frames}
    assert len(sizes) == 1, f"frames of several sizes: {sizes}"
    players = [image for image in parsed(ANIMATION_PAGE).images if "_anim_img" in image["id"]]
    assert [image["src"] for image in players] == [frames[0]], "the player starts on frame 0"


SHEET_LINK = re.compile(
    r'<link rel="stylesheet" type="text/css" href="([^"]*?)_static/([\w.-]+\.css)'
    r'(?:\?v=([0-9a-f]+))?"'
)


@pytest.mark.parametrize("page", pages())
def test_the_small_style_sheets_arrive_as_one(page):
    """flowdocs_weight.py joins the sheets every page links from _static/ into site.css."""
    site = SITE / "_static" / "site.css"
    css = site.read_bytes()
    joined = css.partition(b"\n")[0].decode().split()[2:-1]
    assert "pygments.css" in joined, joined
    assert "flowdocs.css" in joined, joined
    links = SHEET_LINK.findall((SITE / page).read_text(encoding="utf-8"))
    names = [name for _, name, _ in links]
    assert names.count("site.css") == 1, f"{page} links {names}"
    assert not set(names) & set(joined), f"{page} still links a joined sheet: {names}"
    checksum = next(v for _, name, v in links if name == "site.css")
    assert checksum == f"{zlib.crc32(css):08x}", "the link's checksum is not the bundle's"


def test_the_bundle_keeps_the_themes_code_colours():
    """The theme rewrites pygments.css for its light and dark modes at the end of the
    build; the bundle must be joined after that, or code loses its accessible colours."""
    css = (SITE / "_static" / "site.css").read_text(encoding="utf-8")
    for mode in ("light", "dark"):
        assert f'html[data-theme="{mode}"] .highlight' in css, mode

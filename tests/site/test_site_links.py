"""Every internal link and anchor of the built site resolves (a static crawl of build/html)."""

import functools
import html.parser
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

import pytest

SITE = Path(__file__).resolve().parents[2] / "build" / "html"
PREFIX = "/flowdocs/"  # the 404 page links absolutely, under the published prefix


class LinkParser(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.links = set(), []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name"):
            if attrs.get(key):
                self.ids.add(attrs[key])
        for key in ("href", "src"):
            if attrs.get(key) and not (tag == "a" and key == "src"):
                self.links.append(attrs[key])


@functools.cache
def parse(path):
    parser = LinkParser()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def pages():
    if not (SITE / "index.html").is_file():
        pytest.fail(f"No built site in {SITE}: run `nox -s docs` first.")
    found = (p.relative_to(SITE).as_posix() for p in SITE.rglob("*.html"))
    return sorted(p for p in found if not p.startswith("_"))


def resolve(page, link):
    """The file and fragment an internal link points to, or None for an external one."""
    parts = urlsplit(link)
    if parts.scheme or parts.netloc or link.startswith(("mailto:", "javascript:", "data:")):
        return None
    if parts.path.startswith(PREFIX):
        target = SITE / parts.path[len(PREFIX) :]
    elif parts.path:
        target = SITE / PurePosixPath(page).parent / unquote(parts.path)
    else:
        target = SITE / page
    target = Path(*target.resolve().parts)
    if target.is_dir():
        target = target / "index.html"
    return target, unquote(parts.fragment)


@pytest.mark.parametrize("page", pages())
def test_internal_links_and_anchors_resolve(page):
    broken = []
    for link in parse(SITE / page).links:
        resolved = resolve(page, link)
        if resolved is None:
            continue
        target, fragment = resolved
        if not target.is_file():
            broken.append(f"{link} (no file)")
        elif fragment and target.suffix == ".html" and fragment not in parse(target).ids:
            broken.append(f"{link} (no anchor #{fragment})")
    assert not broken, f"{page}: broken links {broken}"


def test_site_is_ready_for_github_pages():
    """GitHub Pages skips folders starting with _ unless .nojekyll says not to."""
    assert (SITE / ".nojekyll").is_file()
    assert (SITE / "404.html").is_file()

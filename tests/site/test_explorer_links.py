"""The gallery's links into the explorer open it on a stage (and order) it knows.

The explorer (docs/explorer.md, conf/_static/explorer.js) reads ``?stage=`` (``base`` or
a stage name of the flow, which the page takes from ``five_stage_flow().stages``) and
``?order=`` (the five stage names, comma-separated). A link with a misspelt stage opens
the explorer on its default view without a word, so these tests read every link to it
from the built site and check the query against the library's stage names.
"""

import html.parser
import warnings
from pathlib import Path, PurePosixPath
from urllib.parse import parse_qs, urlsplit

import pytest

with warnings.catch_warnings():
    # TFP 0.25 compares TensorFlow versions with distutils' LooseVersion when first
    # imported; the warning comes from setuptools, which pyproject's gast filter misses.
    warnings.filterwarnings(
        "ignore", "distutils Version classes are deprecated", DeprecationWarning
    )
    import flowdocs

SITE = Path(__file__).resolve().parents[2] / "build" / "html"
EXPLORER = SITE / "explorer.html"
PREFIX = "/flowdocs/"  # the 404 page links absolutely, under the published prefix
STAGES = [stage.name for stage in flowdocs.five_stage_flow(seed=0).stages]
MAP_PAGES = {  # the gallery page of each map -> the stage its link must select
    "plot_01_base_distribution": "base",
    "plot_02_shift": STAGES[0],
    "plot_03_scale": STAGES[1],
    "plot_04_shift_and_cube": STAGES[2],
    "plot_05_rotation": STAGES[3],
    "plot_06_sigmoid": STAGES[4],
}


class _Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append(href)


def explorer_queries(page):
    """The parsed query of every link from ``page`` (relative to SITE) to the explorer."""
    parser = _Links()
    parser.feed((SITE / page).read_text(encoding="utf-8"))
    queries = []
    for link in parser.links:
        parts = urlsplit(link)
        if parts.scheme or parts.netloc or not parts.path.endswith("explorer.html"):
            continue
        if parts.path.startswith(PREFIX):
            target = (SITE / parts.path[len(PREFIX) :]).resolve()
        else:
            target = (SITE / PurePosixPath(page).parent / parts.path).resolve()
        assert target == EXPLORER.resolve(), f"{page}: {link} is not the explorer page"
        queries.append((link, parse_qs(parts.query, keep_blank_values=True)))
    return queries


def problems(link, query):
    """What the explorer would not understand in one link's query."""
    found = [f"{link}: unknown key {key!r}" for key in query if key not in ("stage", "order")]
    for stage in query.get("stage", []):
        if stage not in ["base", *STAGES]:
            found.append(f"{link}: stage {stage!r} is not base or one of {STAGES}")
    for order in query.get("order", []):
        if sorted(order.split(",")) != sorted(STAGES):
            found.append(f"{link}: order {order!r} is not the five stages {STAGES}")
    return found


@pytest.fixture(scope="module")
def site_pages():
    if not EXPLORER.is_file():
        pytest.fail(f"No explorer page at {EXPLORER}: run `nox -s docs` first.")
    return sorted(p.relative_to(SITE).as_posix() for p in SITE.rglob("*.html"))


def test_every_explorer_link_names_a_known_stage_and_order(site_pages):
    queried, found = 0, []
    for page in site_pages:
        for link, query in explorer_queries(page):
            queried += bool(query)
            found += problems(link, query)
    assert not found, found
    assert queried >= len(MAP_PAGES), f"only {queried} links into the explorer carry a query"


@pytest.mark.parametrize("name", sorted(MAP_PAGES))
def test_each_map_page_opens_the_explorer_on_its_stage(name):
    page = f"auto_examples/building_blocks/{name}.html"
    if not (SITE / page).is_file():
        pytest.fail(f"No built page {page}: run `nox -s docs` first.")
    stages = [query.get("stage") for _, query in explorer_queries(page)]
    assert [MAP_PAGES[name]] in stages, f"{page} links the explorer with stages {stages}"


def test_the_checks_reject_what_the_explorer_would_not_understand():
    """The check itself: a misspelt stage, a short order and a stray key are caught."""
    assert problems("x", {"stage": ["rotate"]})
    assert problems("x", {"order": ["shift,scale"]})
    assert problems("x", {"angle": ["1"]})
    assert not problems("x", {"stage": ["base"], "order": [",".join(reversed(STAGES))]})

"""Equations (1) to (9) of the built site carry the original post's numbers and are cited.

Sphinx numbers displayed equations with one counter across all pages, in toctree order,
so a numbered equation placed before the theory pages, or a reordered toctree, shifts
every number after it. These tests read the built HTML (``nox -s docs`` first) and check
that each of the post's equations has its number, lives on its page, and is referenced
by number at least once.
"""

import functools
import html.parser
from collections import defaultdict
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

import pytest

SITE = Path(__file__).resolve().parents[2] / "build" / "html"

ORIGINAL_EQUATIONS = {
    # label: (number in the original post, page that displays it)
    "base-distribution": (1, "theory/change_of_variables.html"),
    "flow-step": (2, "theory/change_of_variables.html"),
    "change-of-variables": (3, "theory/change_of_variables.html"),
    "log-change-of-variables": (4, "theory/change_of_variables.html"),
    "normalizing-direction": (5, "theory/composing.html"),
    "log-likelihood": (6, "theory/composing.html"),
    "composition-jacobian": (7, "theory/composing.html"),  # the step the post skips
    "sampling": (8, "theory/composing.html"),
    "five-stage-flow": (9, "theory/five_stage_flow.html"),
}
STAGE_JACOBIANS = {
    # label: page; numbered after (9), in stage order
    "jacobian-shift": "theory/five_stage_flow.html",
    "jacobian-scale": "theory/five_stage_flow.html",
    "jacobian-shift-and-cube": "theory/five_stage_flow.html",
    "jacobian-rotation": "theory/five_stage_flow.html",
    "jacobian-sigmoid": "theory/five_stage_flow.html",
}
ANCHOR_PREFIX = "equation-"


class EquationParser(html.parser.HTMLParser):
    """Collects numbered equations (``<div id="equation-...">`` with its ``eqno``) and
    links to equations (``<a href="...#equation-...">``, not the equation's own ``#``)."""

    def __init__(self):
        super().__init__()
        self.numbers = {}  # label -> "(n)"
        self.ids = set()  # every element id, to tell equations from headings
        self.links = []  # (href, text)
        self._equation = None  # label of the equation whose number is being read
        self._reading_number = False
        self._link = None  # [href, text] of the link being read

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        element_id = attrs.get("id") or ""
        if element_id:
            self.ids.add(element_id)
        if tag == "div" and "math" in classes and element_id.startswith(ANCHOR_PREFIX):
            self._equation = element_id[len(ANCHOR_PREFIX) :]
            self.numbers[self._equation] = ""
        elif tag == "span" and "eqno" in classes and self._equation:
            self._reading_number = True
        elif tag == "a" and "headerlink" in classes:
            self._reading_number = False  # the eqno ends where its permalink starts
        elif tag == "a" and urlsplit(attrs.get("href") or "").fragment.startswith(ANCHOR_PREFIX):
            self._link = [attrs["href"], ""]

    def handle_endtag(self, tag):
        if tag == "span" and self._reading_number:
            self._reading_number = False
        if tag == "div" and self._equation:
            self._equation = None
        if tag == "a" and self._link is not None:
            self.links.append(tuple(self._link))
            self._link = None

    def handle_data(self, data):
        if self._reading_number:
            self.numbers[self._equation] += data.strip()
        if self._link is not None:
            self._link[1] += data


@functools.cache
def site():
    """The numbered equations (label -> (number, page)) and the links to them (label ->
    [(source page, target page, link text)]).

    A link counts when its ``#equation-...`` anchor is an equation or exists nowhere; a
    heading whose anchor happens to start with ``equation-`` is not an equation."""
    if not (SITE / "index.html").is_file():
        pytest.fail(f"No built site in {SITE}: run `nox -s docs` first.")
    numbers, references, ids = {}, defaultdict(list), {}
    for path in sorted(SITE.rglob("*.html")):
        page = path.relative_to(SITE).as_posix()
        if page.startswith("_"):  # _static and friends hold templates, not pages
            continue
        parser = EquationParser()
        parser.feed(path.read_text(encoding="utf-8"))
        ids[page] = parser.ids
        for label, number in parser.numbers.items():
            numbers[label] = (number, page)
        for href, text in parser.links:
            parts = urlsplit(href)
            target = PurePosixPath(page).parent / unquote(parts.path) if parts.path else page
            target = PurePosixPath(*_normalize(PurePosixPath(target).parts))
            label = unquote(parts.fragment)[len(ANCHOR_PREFIX) :]
            references[label].append((page, str(target), text.strip()))
    references = {
        label: [link for link in links if label in numbers or _missing(ids, link, label)]
        for label, links in references.items()
    }
    return numbers, defaultdict(list, references)


def _missing(ids, link, label):
    _, target, _ = link
    return ANCHOR_PREFIX + label not in ids.get(target, set())


def _normalize(parts):
    """Resolve ``..`` in a relative path without touching the file system."""
    out = []
    for part in parts:
        if part == "..":
            out.pop()
        elif part != ".":
            out.append(part)
    return out


@pytest.mark.parametrize("label", ORIGINAL_EQUATIONS)
def test_equation_has_the_original_posts_number(label):
    number, page = ORIGINAL_EQUATIONS[label]
    numbers, _ = site()
    assert label in numbers, (
        f"No displayed equation labelled {label!r} in the built site; it should be "
        f"equation ({number}) on {page}."
    )
    shown, found_on = numbers[label]
    assert (shown, found_on) == (f"({number})", page), (
        f"Equation {label!r} is numbered {shown} on {found_on}; the original post's "
        f"numbering needs ({number}) on {page}. A numbered equation earlier in the "
        f"toctree, or a reordered toctree, shifts the numbers."
    )


@pytest.mark.parametrize("label", ORIGINAL_EQUATIONS)
def test_equation_is_referenced_by_number(label):
    number, page = ORIGINAL_EQUATIONS[label]
    _, references = site()
    citing = [
        source
        for source, target, text in references[label]
        if target == page and text == f"({number})"
    ]
    assert citing, (
        f"Equation ({number}) {label!r} is never referenced by number; cite it with "
        f"{{eq}}`{label}` from a page, gallery script or docstring that uses it."
    )


@pytest.mark.parametrize("label", STAGE_JACOBIANS)
def test_stage_jacobians_are_numbered_after_the_posts_equations(label):
    numbers, references = site()
    assert label in numbers, f"No displayed equation labelled {label!r}."
    shown, page = numbers[label]
    assert page == STAGE_JACOBIANS[label]
    assert int(shown.strip("()")) > len(ORIGINAL_EQUATIONS)
    assert any(text == shown for _, _, text in references[label]), (
        f"Equation {shown} {label!r} is never referenced by number."
    )


def test_every_equation_number_is_shown_once():
    numbers, _ = site()
    by_number = defaultdict(list)
    for label, (shown, page) in numbers.items():
        by_number[shown].append(f"{page}#{label}")
    repeated = {shown: where for shown, where in by_number.items() if len(where) > 1}
    assert not repeated, f"Equation numbers shown more than once: {repeated}"


def test_every_equation_reference_resolves():
    numbers, references = site()
    broken = [
        f"{source} -> {target}#{ANCHOR_PREFIX}{label} {text!r}"
        for label, links in references.items()
        for source, target, text in links
        if label not in numbers or numbers[label] != (text, target)
    ]
    assert not broken, f"References to equations with the wrong target or number: {broken}"

"""Offline and accessibility repairs for what sphinx-gallery, matplotlib and the theme emit.

- Gallery thumbnails come with ``alt=""`` and a link whose only text is hidden with
  ``display: none``; the image gets the example's title as alt text, and
  ``flowdocs.css`` hides the link text visually while keeping it for screen readers.
- matplotlib's JavaScript animations load Font Awesome 4 from a CDN for their button
  icons and leave the frame image and the frame slider unnamed; the CDN link goes, the
  icons become plain characters (each button already has an ``aria-label``), and the
  image and slider get names.
- The theme's sidebar toggles are ``<summary>`` elements holding only an icon;
  ``flowdocs.js`` names each after the section it opens.
"""

import re

from docutils import nodes

ANIMATION_ICONS = {
    "fa-minus": "\u2212",
    "fa-fast-backward": "\u21e4",
    "fa-step-backward": "\u2190",
    "fa-play fa-flip-horizontal": "\u25c0",
    "fa-pause": "\u275a\u275a",
    "fa-play": "\u25b6",
    "fa-step-forward": "\u2192",
    "fa-fast-forward": "\u21e5",
    "fa-plus": "+",
}
FONT_AWESOME_LINK = re.compile(r"<link[^>]*font-awesome[^>]*>", re.IGNORECASE)
ICON = re.compile(r'<i class="fa ([^"]+)"></i>')


def name_gallery_thumbnails(doctree):
    for image in doctree.findall(nodes.image):
        uri = image.get("uri", "")
        if "sphx_glr_" not in uri or "_thumb." not in uri or image.get("alt"):
            continue
        link = next(image.findall(nodes.reference, include_self=False, siblings=True), None)
        if link is None:
            link = next(image.parent.findall(nodes.reference, siblings=True), None)
        if link is not None:
            image["alt"] = f"Thumbnail: {link.astext()}"


def repair_animation_html(html):
    """matplotlib's jshtml animation, with no CDN and every control named."""
    html = FONT_AWESOME_LINK.sub("", html)
    html = ICON.sub(
        lambda icon: f'<span aria-hidden="true">{ANIMATION_ICONS[icon.group(1)]}</span>', html
    )
    html = html.replace(
        '<img id="_anim_img',
        '<img alt="Animation frame: play it or step through it with the controls below" '
        'id="_anim_img',
    )
    return html.replace('<input id="_anim_slider', '<input aria-label="Frame" id="_anim_slider')


def repair_animations(doctree):
    for raw in doctree.findall(nodes.raw):
        if "html" in raw.get("format", "") and "_anim_img" in raw.astext():
            repaired = repair_animation_html(raw.astext())
            raw.replace(raw.children[0], nodes.Text(repaired))


def repair(app, doctree, docname):
    name_gallery_thumbnails(doctree)
    repair_animations(doctree)


def setup(app):
    app.connect("doctree-resolved", repair)
    app.add_css_file("flowdocs.css")
    app.add_js_file("flowdocs.js")
    return {"parallel_read_safe": True, "parallel_write_safe": True}

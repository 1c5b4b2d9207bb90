"""Accessibility repairs for what sphinx-gallery and the theme emit.

- Gallery thumbnails come with ``alt=""`` and a link whose only text is hidden with
  ``display: none``; the image gets the example's title as alt text, and
  ``flowdocs.css`` hides the link text visually while keeping it for screen readers.
- The theme's sidebar toggles are ``<summary>`` elements holding only an icon;
  ``flowdocs.js`` names each after the section it opens.
"""

from docutils import nodes


def name_gallery_thumbnails(app, doctree, docname):
    for image in doctree.findall(nodes.image):
        uri = image.get("uri", "")
        if "sphx_glr_" not in uri or not uri.endswith("_thumb.png") or image.get("alt"):
            continue
        link = next(image.findall(nodes.reference, include_self=False, siblings=True), None)
        if link is None:
            link = next(image.parent.findall(nodes.reference, siblings=True), None)
        if link is not None:
            image["alt"] = f"Thumbnail: {link.astext()}"


def setup(app):
    app.connect("doctree-resolved", name_gallery_thumbnails)
    app.add_css_file("flowdocs.css")
    app.add_js_file("flowdocs.js")
    return {"parallel_read_safe": True, "parallel_write_safe": True}

"""Pages that paint before they have everything: scripts deferred, images below the
first loaded as the reader scrolls to them.

Sphinx and its extensions (doctools, copybutton, togglebutton, ...) list their scripts
in the page head without ``defer``, so the browser stops laying out the page until each
has arrived and run. None of them draws anything the first paint needs: they attach
behaviour to the page once it is parsed. Each script file gets ``defer`` here, which
keeps their order (a deferred script runs after the ones before it, once the page is
parsed), except the ones inline scripts after them need at once:
``documentation_options.js``, which defines ``DOCUMENTATION_OPTIONS`` for the inline
lines that set the page's name. Scripts already ``async`` or ``defer`` are left alone,
and so is the search page, whose template adds Sphinx's search scripts after these,
without ``defer``, and they call doctools.js at once.

Every image of a page but its first (a figure, a gallery thumbnail: often what the
reader sees first, and Lighthouse's largest paint) gets ``loading="lazy"``: the browser
fetches it only as it nears the screen, so a long page's figures do not share the
first screen's bandwidth. docutils writes the attribute from the image node's
``loading``; sphinx-gallery writes its figures' ``<img>`` (``imgsgnode``) itself, and
its HTML visitor is wrapped here to add the attribute.

Every ``<img>`` of a built page gets the ``width`` and ``height`` of its file (read after
the build, from the copied image): the browser reserves each figure's
box before the figure arrives, so the text below it does not jump down as it loads
(layout shift, which Lighthouse scores). ``flowdocs.css`` keeps ``height: auto``, so a
figure still shrinks to a phone's width at its own aspect ratio.

The rest of the head's diet is ``conf/_templates/layout.html`` (the search index only on
the search page, no Font Awesome script) and ``flowdocs_weight.py`` (the style sheet).
"""

import re
from pathlib import Path

from docutils import nodes
from PIL import Image
from sphinx.builders.html._assets import _JavaScript

KEPT_BLOCKING = {"_static/documentation_options.js"}


def deferred(script):
    """``script`` (a Sphinx ``_JavaScript``) with ``defer``, unless it must block or is inline."""
    if not isinstance(script, _JavaScript) or not script.filename:
        return script
    attributes = dict(script.attributes)
    if str(script.filename) in KEPT_BLOCKING or {"async", "defer"} & set(attributes):
        return script
    attributes["defer"] = "defer"
    return _JavaScript(script.filename, priority=script.priority, **attributes)


def defer_scripts(app, pagename, templatename, context, doctree):
    if pagename != "search" and "script_files" in context:
        context["script_files"] = [deferred(script) for script in context["script_files"]]


def _is_image(node):
    return isinstance(node, nodes.image) or node.tagname == "imgsgnode"


def lazy_images(app, doctree, docname):
    for number, image in enumerate(doctree.findall(_is_image)):
        if number and "loading" not in image:
            image["loading"] = "lazy"


def visit_gallery_image(self, node):
    """sphinx-gallery's HTML visitor of its figures, with the node's ``loading``."""
    from sphinx_gallery.directives import visit_imgsg_html

    start = len(self.body)
    visit_imgsg_html(self, node)
    if node.get("loading") == "lazy" and node["srcset"] is not None:  # else docutils wrote it
        for index in range(start, len(self.body)):
            self.body[index] = self.body[index].replace("<img ", '<img loading="lazy" ', 1)


IMG = re.compile(r"<img\b[^>]*>")
SRC = re.compile(r'\ssrc="([^"]+)"')


def image_size(page, src):
    """``(width, height)`` in pixels of the image ``src`` of the built ``page``, or None
    for one that is not a local raster file (SVG, a URL, a missing file)."""
    source = page.parent / src.split("?")[0].split("#")[0]
    if source.suffix.lower() == ".svg" or not source.is_file():
        return None
    try:
        with Image.open(source) as image:
            return image.size
    except OSError:
        return None


def sized_tag(page, tag):
    """``tag`` with ``width`` and ``height`` of its image, unless it has either already."""
    if re.search(r"\s(?:width|height)=", tag) or not (src := SRC.search(tag)):
        return tag
    size = image_size(page, src.group(1))
    if size is None:
        return tag
    return tag.replace("<img ", f'<img width="{size[0]}" height="{size[1]}" ', 1)


def size_images(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    for page in Path(app.outdir).rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        sized = IMG.sub(lambda match, page=page: sized_tag(page, match.group(0)), text)
        if sized != text:
            page.write_text(sized, encoding="utf-8")


def setup(app):
    from sphinx_gallery.directives import depart_imgsg_html, imgsgnode

    app.setup_extension("sphinx_gallery.gen_gallery")  # its node first, then this visitor
    app.add_node(imgsgnode, override=True, html=(visit_gallery_image, depart_imgsg_html))
    app.connect("doctree-resolved", lazy_images)
    # Late (priority 900): after the extensions that add scripts as a page is written.
    app.connect("html-page-context", defer_scripts, priority=900)
    app.connect("build-finished", size_images)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

"""Doctrees pickled without the build environment: no-op rebuilds that read them fast.

Sphinx pickles each page's doctree after reading it, with the document's
``settings.env`` cleared. The nodes made inside a MyST ``{eval-rst}`` block (autodoc's
entries on the API pages, matplotlib's plot directive on the theory pages) belong to
the nested parse's own document, whose settings still hold the whole build environment
(intersphinx inventories included), and every node keeps a reference to its document.
So each such doctree carried a copy of the environment, 12 to 19 MB per page, and a
no-op rebuild spent seconds unpickling them to number the figures. Here every node is
given its page's document before the doctree is pickled.
"""


def adopt_nodes(app, doctree):
    for node in doctree.findall(include_self=False):
        if node.document is not doctree:
            node.document = doctree


def setup(app):
    app.connect("doctree-read", adopt_nodes)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

"""Write ``tensorflow.inv``: a Sphinx inventory of the TensorFlow, TFP and tf-keras names
this site's pages and gallery code use, pointing at their pages on tensorflow.org.

TensorFlow and TFP publish no inventory, so this one is made here, from the names below,
and kept in the repository (the build never fetches anything). Run it in the docs
environment after adding a name, and commit the result::

    .nox/docs/bin/python conf/inventories/make_tensorflow_inventory.py

Each object is listed under the names a reference may use for it:

- its name on tensorflow.org (``tfp.bijectors.Chain``, ``tf.linalg.lu``), as the
  docstrings write it;
- the same with the package's own name (``tensorflow_probability.bijectors.Chain``);
- every module on the path of its ``__module__`` that holds it
  (``tensorflow_probability.python.bijectors.Chain``): that is where sphinx-gallery finds
  the objects a gallery script calls, and so what its code links look up.

Methods link to their anchor on the class's page (``.../Chain#forward``).
"""

import importlib
import sys
import zlib
from pathlib import Path

import tensorflow as tf
import tensorflow_probability as tfp

BASE = "https://www.tensorflow.org/"
OUT = Path(__file__).with_name("tensorflow.inv")

BIJECTOR_METHODS = (
    "forward",
    "inverse",
    "forward_log_det_jacobian",
    "inverse_log_det_jacobian",
)
DISTRIBUTION_METHODS = ("sample", "log_prob", "prob", "mean", "stddev", "covariance")

# public name on tensorflow.org -> (role, methods documented on its page)
NAMES = {
    "tf.Tensor": ("class", ("numpy",)),  # an EagerTensor's numpy(), on tf.Tensor's page
    "tf.Variable": ("class", ("assign",)),
    "tf.Module": ("class", ()),
    "tf.DType": ("class", ()),
    "tf.GradientTape": ("class", ("gradient",)),
    "tf.constant": ("function", ()),
    "tf.convert_to_tensor": ("function", ()),
    "tf.cos": ("function", ()),
    "tf.sin": ("function", ()),
    "tf.stack": ("function", ()),
    "tf.ones": ("function", ()),
    "tf.zeros": ("function", ()),
    "tf.function": ("function", ()),
    "tf.linalg.lu": ("function", ()),
    "tfp.bijectors.Bijector": ("class", BIJECTOR_METHODS),
    "tfp.bijectors.AutoregressiveNetwork": ("class", ()),
    "tfp.bijectors.Chain": ("class", BIJECTOR_METHODS),
    "tfp.bijectors.MaskedAutoregressiveFlow": ("class", BIJECTOR_METHODS),
    "tfp.bijectors.Permute": ("class", BIJECTOR_METHODS),
    "tfp.bijectors.RealNVP": ("class", BIJECTOR_METHODS),
    "tfp.bijectors.Scale": ("class", (*BIJECTOR_METHODS, "scale")),
    "tfp.bijectors.ScaleMatvecLU": ("class", BIJECTOR_METHODS),
    "tfp.bijectors.Shift": ("class", (*BIJECTOR_METHODS, "shift")),
    "tfp.bijectors.Sigmoid": ("class", BIJECTOR_METHODS),
    "tfp.bijectors.Softsign": ("class", BIJECTOR_METHODS),
    "tfp.distributions.Distribution": ("class", DISTRIBUTION_METHODS),
    "tfp.distributions.MixtureSameFamily": ("class", DISTRIBUTION_METHODS),
    "tfp.distributions.MultivariateNormalDiag": ("class", DISTRIBUTION_METHODS),
    "tfp.distributions.Normal": ("class", DISTRIBUTION_METHODS),
    "tfp.distributions.TransformedDistribution": ("class", DISTRIBUTION_METHODS),
    # tf-keras (Keras 2) is documented on tensorflow.org as tf.keras.
    "tf.keras.optimizers.schedules.CosineDecay": ("class", ()),
}
# Objects the gallery meets by another name: tensors are EagerTensors, dtypes DType
# instances, and tf-keras is imported as itself.
ALSO = {
    "tf.Tensor": ["tensorflow.python.framework.ops.EagerTensor"],
    "tf.keras.optimizers.schedules.CosineDecay": ["tf_keras.optimizers.schedules.CosineDecay"],
}

# Short names whose page on tensorflow.org is under another, canonical name.
CANONICAL = {"tf.DType": "tf.dtypes.DType", "tf.cos": "tf.math.cos", "tf.sin": "tf.math.sin"}


def resolve(public):
    """The object tensorflow.org calls ``public``."""
    head, *rest = public.split(".")
    obj = {"tf": tf, "tfp": tfp}[head]
    if rest[:1] == ["keras"]:  # tf.keras is Keras 3 in TF 2.16+; this site uses tf-keras
        obj, rest = importlib.import_module("tf_keras"), rest[1:]
    for part in rest:
        obj = getattr(obj, part)
    return obj


def module_paths(obj, name):
    """Each prefix of ``obj.__module__`` whose module holds ``obj`` as ``name``."""
    parts = getattr(obj, "__module__", "").split(".")
    found = []
    for end in range(len(parts), 0, -1):
        module = sys.modules.get(".".join(parts[:end]))
        if module is not None and getattr(module, name, None) is obj:
            found.append(".".join(parts[:end]))
    return found


def names_for(public):
    """Every name an inventory entry is listed under for the object called ``public``."""
    head, _, tail = public.partition(".")
    full = {"tf": "tensorflow", "tfp": "tensorflow_probability"}[head]
    names = [public, f"{full}.{tail}"]
    obj = resolve(public)
    short = public.rsplit(".", 1)[1]
    names += [f"{path}.{short}" for path in module_paths(obj, short)]
    names += ALSO.get(public, [])
    return list(dict.fromkeys(names))


def uri(public):
    """The page of ``public`` on tensorflow.org (under its canonical name there)."""
    path = CANONICAL.get(public, public).replace(".", "/")
    return (
        f"probability/api_docs/python/{path}"
        if public.startswith("tfp.")
        else f"api_docs/python/{path}"
    )


def entries():
    lines = []
    for public, (role, methods) in NAMES.items():
        names = names_for(public)
        for name in names:
            lines.append(f"{name} py:{role} 1 {uri(public)} {public}")
        for method in methods:
            for name in names:
                lines.append(
                    f"{name}.{method} py:method 1 {uri(public)}#{method} {public}.{method}"
                )
    return sorted(set(lines))


def main():
    header = (
        "# Sphinx inventory version 2\n"
        "# Project: TensorFlow and TensorFlow Probability\n"
        f"# Version: {tf.__version__} / {tfp.__version__}\n"
        "# The remainder of this file is compressed using zlib.\n"
    )
    body = "".join(line + "\n" for line in entries())
    OUT.write_bytes(header.encode() + zlib.compress(body.encode(), 9))
    print(f"{OUT}: {body.count(chr(10))} entries")


if __name__ == "__main__":
    main()

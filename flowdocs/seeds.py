"""Seeds that give the same random numbers on every call."""

import numpy as np
import tensorflow as tf

__all__ = ["stateless_seed"]

_INT32_RANGE = (-(2**31), 2**31 - 1)  # TFP stateless seeds are pairs of int32


def stateless_seed(seed):
    """A TFP stateless seed: an int ``s`` becomes the pair ``[0, s]``, the same on every call.

    ``tfp.random.sanitize_seed`` treats an int as a *stateful* seed and draws a new pair
    each time, so the same int would not give the same numbers twice; this function gives
    the pair that does.

    Parameters
    ----------
    seed : int or tf.Tensor
        An int in the int32 range, or a seed pair (two int32, as a tensor or a
        sequence), which passes through unchanged.

    Returns
    -------
    tf.Tensor, shape ``[2]``, int32
        ``[0, seed]`` for an int; the pair itself otherwise.

    Raises
    ------
    ValueError
        For an int outside the int32 range (it would wrap around and repeat another
        seed's numbers), a bool, or anything that is not an int or a pair of ints.
    """
    if isinstance(seed, bool):
        raise ValueError(f"seed must be an integer or a pair of int32; got the bool {seed}.")
    if isinstance(seed, (int, np.integer)):
        low, high = _INT32_RANGE
        if not low <= seed <= high:
            raise ValueError(
                f"seed must lie in the int32 range [{low}, {high}]; got {seed}, which "
                f"would wrap around to another seed's numbers."
            )
        return tf.constant([0, int(seed)], dtype=tf.int32)
    if tf.is_tensor(seed):
        if seed.dtype.is_integer and seed.shape.is_compatible_with([2]):
            return seed
    else:
        pair = np.asarray(seed)
        if pair.shape == (2,) and np.issubdtype(pair.dtype, np.integer):
            return seed
    raise ValueError(f"seed must be an int or a pair of two ints; got {seed!r}.")

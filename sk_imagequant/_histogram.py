"""Grey-level histograms: the distinct values of an image and their weights.

No scikit-learn here: plain numpy kernels used by the estimator.
"""

import numpy as np

#: Integer images whose values span at most this many levels are fitted
#: exactly from their histogram (every pixel counts, nothing is subsampled).
MAX_HISTOGRAM_LEVELS = 1 << 16

# Pixels handed to ``np.bincount`` at a time. ``bincount`` converts its input
# to intp (8 bytes a value); working in chunks bounds that temporary.
_CHUNK = 1 << 18


def is_histogram_dtype(dtype):
    """Whether values of ``dtype`` can be counted in a bounded histogram."""
    dtype = np.dtype(dtype)
    return dtype.kind == "b" or (dtype.kind in "iu" and dtype.itemsize <= 2)


def fits_histogram(values):
    """Whether the integer ``values`` span at most ``MAX_HISTOGRAM_LEVELS``."""
    if values.dtype.kind not in "biu":
        return False
    if is_histogram_dtype(values.dtype):
        return True
    return int(values.max()) - int(values.min()) < MAX_HISTOGRAM_LEVELS


def level_counts(values, weights=None):
    """Distinct grey levels of integer ``values`` and their total weight.

    Exact on every value, in chunks so that no full-size temporary is made.

    Parameters
    ----------
    values : ndarray of integers or booleans, 1-D
        Values spanning at most ``MAX_HISTOGRAM_LEVELS`` levels.
    weights : ndarray of float, 1-D, or None
        Weight of each value; ``None`` counts each value once.

    Returns
    -------
    levels : ndarray of float64
        The levels that occur with a positive weight, increasing.
    counts : ndarray of float64
        Total weight of each level.
    """
    if values.dtype.kind == "b":
        values = values.view(np.uint8)
    low = int(values.min())
    n_levels = int(values.max()) - low + 1
    counts = np.zeros(n_levels, dtype=np.float64)
    for start in range(0, values.size, _CHUNK):
        chunk = values[start : start + _CHUNK].astype(np.intp) - low
        chunk_weights = None if weights is None else weights[start : start + _CHUNK]
        counts += np.bincount(chunk, weights=chunk_weights, minlength=n_levels)
    present = np.flatnonzero(counts > 0)
    return (present + low).astype(np.float64), counts[present]


def value_counts(values, weights=None):
    """Distinct values of any numeric ``values`` and their total weight.

    Same output as :func:`level_counts`, by sorting: for float data (or
    integer data too wide for a histogram).
    """
    levels, inverse = np.unique(values, return_inverse=True)
    counts = np.bincount(inverse.ravel(), weights=weights, minlength=levels.size)
    present = counts > 0
    return levels[present].astype(np.float64), counts[present].astype(np.float64)

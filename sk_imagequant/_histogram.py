"""Grey-level histograms: the distinct values of an image and their weights.

No scikit-learn here: plain numpy kernels used by the estimator.
"""

import numpy as np

#: Integer images whose values span at most this many levels are fitted
#: exactly from their histogram (every pixel counts, nothing is subsampled).
MAX_HISTOGRAM_LEVELS = 1 << 16

#: Values handed to ``np.bincount`` (or ``np.take``) at a time. Both convert
#: their input to intp, 8 bytes a value: chunks bound that temporary to 512 KiB,
#: small enough to stay in cache.
CHUNK = 1 << 16


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


def table_index(values):
    """``values`` of an 8- or 16-bit type viewed as unsigned integers.

    They index a table with one entry per value of the type. For signed
    types the two's-complement view sends negative values to the upper half
    of the table, where :func:`table_values` puts them too.
    """
    if values.dtype.kind == "b":
        return values.view(np.uint8)
    return values.view(np.dtype(f"u{values.dtype.itemsize}"))


def table_values(dtype):
    """Every value of the 8- or 16-bit ``dtype``, in the order of :func:`table_index`."""
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return np.arange(2, dtype=np.uint8)
    unsigned = np.arange(1 << (8 * dtype.itemsize), dtype=f"u{dtype.itemsize}")
    return unsigned.view(dtype)


def chunks(size, chunk=CHUNK):
    """Slices cutting ``range(size)`` into pieces of ``chunk`` items."""
    return (slice(start, start + chunk) for start in range(0, size, chunk))


def flat_chunks(values, weights=None):
    """Flat chunks of ``values`` (and of ``weights``, the same shape), in step.

    Slices when the arrays are C-contiguous; otherwise a buffered
    ``np.nditer`` copies ``CHUNK`` items at a time, so no full-size copy of a
    strided view (a colour channel, a transposed image) is made. Yields
    ``(values_chunk, weights_chunk or None)``, valid until the next one.
    """
    operands = [values] if weights is None else [values, weights]
    if all(operand.flags.c_contiguous for operand in operands):
        flats = [operand.reshape(-1) for operand in operands]
        for piece in chunks(values.size):
            yield flats[0][piece], None if weights is None else flats[1][piece]
        return
    with np.nditer(
        operands,
        flags=["external_loop", "buffered", "zerosize_ok"],
        op_flags=[["readonly"]] * len(operands),
        buffersize=CHUNK,
    ) as iterator:
        for pieces in iterator:
            if weights is None:
                yield pieces, None
            else:
                yield pieces[0], pieces[1]


def _table_counts(values, weights):
    """Weight of every value of the 8/16-bit type of ``values``, by table index."""
    n_entries = 1 << (8 * max(values.dtype.itemsize, 1))
    if weights is None and values.dtype.itemsize == 1 and values.flags.c_contiguous:
        # Two pixels at a time: bytes viewed in pairs index a 65536-bin
        # histogram, half the values to count; its rows and columns are the
        # first and second pixel of each pair.
        index = table_index(values.reshape(-1))
        n_pairs = index.size // 2
        pairs = index[: 2 * n_pairs].view(np.uint16)
        pair_counts = np.zeros(1 << 16, dtype=np.int64)
        for piece in chunks(n_pairs, 4 * CHUNK):  # its output is as big as CHUNK
            pair_counts += np.bincount(pairs[piece], minlength=1 << 16)
        pair_counts = pair_counts.reshape(256, 256)
        counts = pair_counts.sum(axis=0) + pair_counts.sum(axis=1)
        counts[index[2 * n_pairs :]] += 1
        return counts
    counts = np.zeros(n_entries, dtype=np.int64 if weights is None else np.float64)
    for piece, piece_weights in flat_chunks(values, weights):
        counts += np.bincount(
            table_index(piece), weights=piece_weights, minlength=n_entries
        )
    return counts


def level_counts(values, weights=None):
    """Distinct grey levels of integer ``values`` and their total weight.

    Exact on every value. The values are counted in chunks of ``CHUNK``, so
    that no full-size temporary is made; 8- and 16-bit types index a table of
    the whole type, without a pass for the minimum and maximum.

    Parameters
    ----------
    values : ndarray of integers or booleans, any shape (a view is fine)
        Values spanning at most ``MAX_HISTOGRAM_LEVELS`` levels.
    weights : ndarray of float of the same shape, or None
        Weight of each value; ``None`` counts each value once.

    Returns
    -------
    levels : ndarray of float64
        The levels that occur with a positive weight, increasing.
    counts : ndarray of float64
        Total weight of each level.

    Examples
    --------
    >>> import numpy as np
    >>> level_counts(np.array([3, -1, 3, 7], dtype=np.int8))
    (array([-1.,  3.,  7.]), array([1., 2., 1.]))
    """
    if is_histogram_dtype(values.dtype):
        levels = table_values(values.dtype)
        counts = _table_counts(values, weights)[: levels.size]  # bool: 2 levels
        if values.dtype.kind == "i":  # negative values sit in the upper half
            half = levels.size // 2
            counts, levels = np.roll(counts, half), np.roll(levels, half)
        present = np.flatnonzero(counts > 0)
        return levels[present].astype(np.float64), counts[present].astype(np.float64)
    low = int(values.min())
    n_levels = int(values.max()) - low + 1
    counts = np.zeros(n_levels, dtype=np.float64)
    for piece, piece_weights in flat_chunks(values, weights):
        offsets = piece.astype(np.intp) - low
        counts += np.bincount(offsets, weights=piece_weights, minlength=n_levels)
    present = np.flatnonzero(counts > 0)
    return (present + low).astype(np.float64), counts[present]


def value_counts(values, weights=None):
    """Distinct values of any numeric ``values`` and their total weight.

    Same output as :func:`level_counts`, by sorting: for float data (or
    integer data too wide for a histogram).
    """
    levels, inverse = np.unique(values, return_inverse=True)
    weights = None if weights is None else np.ravel(weights)
    counts = np.bincount(inverse.ravel(), weights=weights, minlength=levels.size)
    present = counts > 0
    return levels[present].astype(np.float64), counts[present].astype(np.float64)


def merge_counts(histogram, other):
    """Sum of two histograms ``(levels, counts)``, as :func:`level_counts` gives them.

    Examples
    --------
    >>> import numpy as np
    >>> merge_counts(
    ...     (np.array([0.0, 2.0]), np.array([1.0, 1.0])),
    ...     (np.array([2.0, 5.0]), np.array([3.0, 1.0])),
    ... )
    (array([0., 2., 5.]), array([1., 4., 1.]))
    """
    levels, inverse = np.unique(np.r_[histogram[0], other[0]], return_inverse=True)
    counts = np.bincount(inverse.ravel(), weights=np.r_[histogram[1], other[1]])
    return levels, counts

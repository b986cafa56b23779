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
    of the table, where :func:`table_values` puts them too. The view keeps
    the values' byte order (a big-endian image is read as such, without a
    copy); ``np.bincount`` and ``np.take`` swap the bytes chunk by chunk.
    """
    if values.dtype.kind == "b":
        return values.view(np.uint8)
    unsigned = np.dtype(f"u{values.dtype.itemsize}")
    return values.view(unsigned.newbyteorder(values.dtype.byteorder))


def table_values(dtype):
    """Every value of the 8- or 16-bit ``dtype``, in the order of :func:`table_index`.

    In native byte order, whatever the order of ``dtype``.
    """
    dtype = np.dtype(dtype).newbyteorder("=")
    if dtype.kind == "b":
        return np.arange(2, dtype=np.uint8)
    unsigned = np.arange(1 << (8 * dtype.itemsize), dtype=f"u{dtype.itemsize}")
    return unsigned.view(dtype)


def chunks(size, chunk=CHUNK):
    """Slices cutting ``range(size)`` into pieces of ``chunk`` items."""
    return (slice(start, start + chunk) for start in range(0, size, chunk))


def flat_chunks(values, weights=None, mask=None):
    """Flat chunks of ``values`` (and of ``weights``, the same shape), in step.

    Slices when the arrays are C-contiguous; otherwise a buffered
    ``np.nditer`` copies ``CHUNK`` items at a time, so no full-size copy of a
    strided view (a colour channel, a transposed image) is made. Yields
    ``(values_chunk, weights_chunk or None)``, valid until the next one.
    With a boolean ``mask`` of the same shape, the items where it is True are
    left out (masked pixels do not count).
    """
    operands = [values] + [op for op in (weights, mask) if op is not None]
    if all(operand.flags.c_contiguous for operand in operands):
        flats = [operand.reshape(-1) for operand in operands]
        pieces = ([flat[piece] for flat in flats] for piece in chunks(values.size))
        yield from _select(pieces, weights is not None, mask is not None)
        return
    with np.nditer(
        operands,
        flags=["external_loop", "buffered", "zerosize_ok"],
        op_flags=[["readonly"]] * len(operands),
        buffersize=CHUNK,
    ) as iterator:
        # One operand: the iterator yields arrays; several: tuples of them.
        yield from _select(
            (list(pieces) if len(operands) > 1 else [pieces] for pieces in iterator),
            weights is not None,
            mask is not None,
        )


def _select(pieces, weighted, masked):
    """``(values, weights or None)`` of each list of chunks, without the masked items."""
    for operands in pieces:
        values = operands[0]
        weights = operands[1] if weighted else None
        if masked:
            keep = ~operands[-1]
            values = values[keep]
            weights = None if weights is None else weights[keep]
        yield values, weights


def _table_counts(values, weights, mask):
    """Weight of every value of the 8/16-bit type of ``values``, by table index."""
    n_entries = 1 << (8 * max(values.dtype.itemsize, 1))
    paired = weights is None and mask is None and values.dtype.itemsize == 1
    if paired and values.flags.c_contiguous:
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
    for piece, piece_weights in flat_chunks(values, weights, mask):
        counts += np.bincount(
            table_index(piece), weights=piece_weights, minlength=n_entries
        )
    return counts


def level_counts(values, weights=None, mask=None):
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
    mask : ndarray of bool of the same shape, or None
        True where a value is masked: it does not count.

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
        counts = _table_counts(values, weights, mask)[: levels.size]  # bool: 2 levels
        if values.dtype.kind == "i":  # negative values sit in the upper half
            half = levels.size // 2
            counts, levels = np.roll(counts, half), np.roll(levels, half)
        present = np.flatnonzero(counts > 0)
        return levels[present].astype(np.float64), counts[present].astype(np.float64)
    # Wider integers spanning at most MAX_HISTOGRAM_LEVELS levels: offsets
    # from the minimum, taken in the values' own type (no overflow, even for
    # uint64 values at or above 2**63).
    if mask is not None:
        values = values[~mask]
        weights = None if weights is None else weights[~mask]
        mask = None
    low = values.min()
    n_levels = int(values.max()) - int(low) + 1
    counts = np.zeros(n_levels, dtype=np.float64)
    for piece, piece_weights in flat_chunks(values, weights):
        offsets = np.subtract(piece, low, dtype=low.dtype).astype(np.intp)
        counts += np.bincount(offsets, weights=piece_weights, minlength=n_levels)
    present = np.flatnonzero(counts > 0)
    levels = (present.astype(low.dtype) + low).astype(np.float64)
    return _merge_equal_levels(levels, counts[present])


def _merge_equal_levels(levels, counts):
    """Sum the counts of levels made equal by their conversion to float64.

    Integers beyond 2**53 in magnitude are not all floats: like
    ``KBinsDiscretizer``, which works in float64, neighbours become one level.
    """
    if levels.size < 2 or np.all(levels[1:] > levels[:-1]):
        return levels, counts
    starts = np.flatnonzero(np.r_[True, levels[1:] > levels[:-1]])
    return levels[starts], np.add.reduceat(counts, starts)


def value_counts(values, weights=None):
    """Distinct values of any numeric ``values`` and their total weight.

    Same output as :func:`level_counts`, by sorting: for float data (or
    integer data too wide for a histogram).
    """
    if weights is None:
        # One sort, where the inverse would cost an argsort (1.3 against 8.5
        # ms on 262,144 floats), and no run lengths when every value is new.
        ordered = np.sort(values, axis=None)
        new = np.empty(ordered.size, dtype=bool)
        new[:1] = True
        np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
        if new.all():
            return ordered.astype(np.float64, copy=False), np.ones(ordered.size)
        starts = np.flatnonzero(new)
        counts = np.diff(np.append(starts, ordered.size)).astype(np.float64)
        return ordered[starts].astype(np.float64), counts
    levels, inverse = np.unique(values, return_inverse=True)
    counts = np.bincount(inverse.ravel(), weights=np.ravel(weights), minlength=levels.size)
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

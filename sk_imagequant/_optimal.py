"""The exactly optimal one-dimensional quantiser, by dynamic programming.

The partition of sorted levels into contiguous bins with the least weighted
squared error (each bin decoded to its weighted mean): the problem
Ckmeans.1d.dp solves (Wang and Song 2011), in numpy. No scikit-learn here.

With ``D[k][i]`` the least error of levels ``0..i`` in ``k`` bins and
``SSE(j, i)`` the error of one bin holding levels ``j..i``::

    D[k][i] = min over j of D[k - 1][j - 1] + SSE(j, i)

``SSE`` obeys the quadrangle inequality, so the best ``j`` (the start of the
last bin) never decreases as ``i`` grows, nor as ``k`` grows (Knuth's bound
``J[k - 1][i] <= J[k][i]``). Each layer is filled by divide and conquer on
that monotonicity, breadth first: at each depth the middle rows of all the
current row ranges are solved at once, each against its own candidate range,
with flat numpy arrays and a segmented minimum. A layer thus costs about
``log2(n_levels)`` rounds of numpy calls over ``O(n_levels)`` values. Small
problems use a dense ``(n_levels, n_levels)`` table of bin errors instead.
"""

import numpy as np

# Below these sizes the bin errors of all (start, end) pairs are tabulated
# once and each layer is a dense row-wise argmin; above them, divide and
# conquer, whose ~30 numpy calls per depth dominate small problems. Measured
# on 2 cores (ms, divide / dense): 256 levels at 8 bins 1.5 / 0.46; 512 at 32
# bins 9.1 / 6.5, at 16 bins 4.2 / 4.6; 768 at 64 bins 21 / 20; 1024 at 64
# bins 23 / 58.
_DENSE_LEVELS = 256
_DENSE_LEVELS_MAX = 768


def optimal_bin_edges(levels, counts, n_bins):
    """Bin edges of the least squared error partition into contiguous bins.

    The ``levels`` are cut into ``n_bins`` runs of consecutive levels so that
    the total weighted squared distance of every level to the weighted mean
    of its run is the least possible: the exact optimum, as computed by
    Ckmeans.1d.dp (Wang and Song 2011), not a local one as Lloyd's k-means.

    Parameters
    ----------
    levels : ndarray of float64, 1-D
        Distinct values, strictly increasing.
    counts : ndarray of float64, 1-D
        Positive weight (pixel count) of each level; need not be integers.
    n_bins : int
        Number of bins, at least 1. When it is at least ``levels.size``, each
        level gets a bin of its own.

    Returns
    -------
    bin_edges : ndarray of float64
        ``min(n_bins, levels.size) + 1`` increasing edges. The outer ones are
        ``levels[0]`` and ``levels[-1]``; each inner one lies halfway between
        the last level of a bin and the first of the next (the upper one when
        the two are adjacent floats), so that
        ``np.searchsorted(bin_edges[1:-1], levels, side="right")`` is each
        level's bin. A single level gives ``[level, level]``.

    Notes
    -----
    Time ``O(n_bins * n_levels * log(n_levels))``; memory ``O(n_levels)``
    floats plus a table of the best split points, ``n_bins * n_levels``
    integers of 2 bytes (4 above 65536 levels): 32 MB at 256 bins on 65536
    levels.

    Bin errors come from prefix sums of the weights and of the levels,
    shifted to the weighted median level and scaled by powers of two (exact
    operations). For integer levels and counts, as from an image, the sums
    are exact while ``sum(counts * (levels - median) ** 2) < 2**53`` (an
    8-bit image of up to 2**37 pixels); what rounding is left is relative to
    each bin's weight times the squared distance of its mean to the median.
    So the returned partition can miss the optimum only by a near tie: its
    true error exceeds the least by at most about ``n_bins`` roundings
    (``2**-52``) of the error of a single bin holding every level, which
    matters only when the optimum is some ``10**12`` times smaller than
    that. Between exactly tied partitions the choice is arbitrary.

    References
    ----------
    H. Wang and M. Song (2011), "Ckmeans.1d.dp: optimal k-means clustering in
    one dimension by dynamic programming", The R Journal 3(2), 29-33.

    Examples
    --------
    >>> import numpy as np
    >>> levels = np.array([0.0, 1.0, 2.0, 10.0, 11.0, 12.0])
    >>> optimal_bin_edges(levels, np.ones(6), 2)
    array([ 0.,  6., 12.])
    >>> optimal_bin_edges(levels, np.array([1.0, 1.0, 30.0, 1.0, 1.0, 1.0]), 3)
    array([ 0. ,  1.5,  6. , 12. ])
    >>> optimal_bin_edges(np.array([3.0]), np.array([2.0]), 4)
    array([3., 3.])
    """
    levels = np.asarray(levels, dtype=np.float64)
    counts = np.asarray(counts, dtype=np.float64)
    if levels.ndim != 1 or levels.size == 0 or counts.shape != levels.shape:
        raise ValueError(
            "levels and counts must be non-empty 1-D arrays of the same length, got "
            f"shapes {levels.shape} and {counts.shape}."
        )
    n_bins = int(n_bins)
    if n_bins < 1:
        raise ValueError(f"n_bins must be at least 1, got {n_bins}.")
    starts = optimal_bin_starts(levels, counts, n_bins)
    return _edges(levels, starts)


def optimal_bin_starts(levels, counts, n_bins):
    """Index of the first level of each bin of the optimal partition.

    Parameters
    ----------
    levels, counts : ndarray of float64
        As in :func:`optimal_bin_edges`.
    n_bins : int
        At least 1.

    Returns
    -------
    starts : ndarray of intp
        ``min(n_bins, levels.size)`` increasing indices, the first one 0.
    """
    n_levels = levels.size
    if n_bins >= n_levels:
        return np.arange(n_levels)
    if n_bins == 1:
        return np.zeros(1, dtype=np.intp)
    sums = _prefix_sums(levels, counts)
    p0, p1, p2 = sums
    # Layer k holds the best errors of levels 0..i in k + 1 bins, for the
    # rows i = k..n - K + k (the bins after the k + 1 need a level each).
    # ``shifted[j]`` is layer k's error of levels 0..j - 1, so that a next
    # bin holding levels j..i costs ``shifted[j] + SSE(j, i)``.
    last = n_levels - n_bins
    shifted = np.full(n_levels + 1, np.inf)
    s1 = p1[1 : last + 2]
    shifted[1 : last + 2] = p2[1 : last + 2] - s1 * s1 / p0[1 : last + 2]
    # Layers 1..K - 2, all of whose rows matter.
    if n_bins == 2:
        split = None
    elif _use_dense(n_levels, n_bins):
        split, shifted = _middle_layers_dense(sums, shifted, n_bins)
    else:
        split, shifted = _middle_layers_divide(sums, shifted, n_bins)
    # The last layer needs only its last row: the whole partition.
    j = np.arange(n_bins - 1, n_levels)
    s1 = p1[-1] - p1[j]
    cost = (p2[-1] - p2[j]) - s1 * s1 / (p0[-1] - p0[j])
    cost += shifted[j]
    # Backtrack: bin k + 1 starts where split[k] says for the levels before
    # bin k + 2.
    starts = np.zeros(n_bins, dtype=np.intp)
    starts[-1] = j[np.argmin(cost)]
    for k in range(n_bins - 2, 0, -1):
        starts[k] = split[k, starts[k + 1] - 1]
    return starts


def _edges(levels, starts):
    """Edges halfway between the levels either side of each bin start."""
    low = levels[starts[1:] - 1]
    high = levels[starts[1:]]
    # Halves first: no overflow near the float64 limits. The edge must be
    # above ``low`` for ``low`` to stay in the lower bin; between adjacent
    # floats the midpoint can round down to ``low``, then ``high`` is taken.
    middle = 0.5 * low + 0.5 * high
    middle = np.where(middle > low, middle, high)
    return np.concatenate(([levels[0]], middle, [levels[-1]]))


def _prefix_sums(levels, counts):
    """Prefix sums of ``w``, ``w * u`` and ``w * u**2``, each with a leading 0.

    ``u`` is the level minus the weighted median level and ``w`` the count,
    both scaled by powers of two to about 1 (exact, and safe from overflow
    and underflow). Integer levels and counts keep integer-valued sums.
    """
    cumulative = np.cumsum(counts)
    median = levels[min(np.searchsorted(cumulative, 0.5 * cumulative[-1]), levels.size - 1)]
    _, exponent = np.frexp(0.5 * levels[-1] - 0.5 * levels[0])
    shift = 1 - int(exponent)
    u = np.ldexp(levels, shift) - np.ldexp(median, shift)
    _, exponent = np.frexp(counts.max())
    w = np.ldexp(counts, -int(exponent))
    # Every weight must raise the running total, or a bin could weigh 0 and
    # its error be 0 / 0. Only weights below 2**-50 of the total are raised:
    # never integer counts totalling less than 2**50.
    w = np.maximum(w, 4 * np.spacing(w.sum()))
    sums = np.zeros((3, levels.size + 1))
    np.cumsum(w, out=sums[0, 1:])
    wu = w * u
    np.cumsum(wu, out=sums[1, 1:])
    np.cumsum(wu * u, out=sums[2, 1:])
    return sums


def _index_dtype(n_levels):
    return np.uint16 if n_levels <= 1 << 16 else np.int32


def _use_dense(n_levels, n_bins):
    """Whether a dense table of bin errors beats divide and conquer."""
    return n_levels <= _DENSE_LEVELS or (
        n_levels <= _DENSE_LEVELS_MAX and 16 * n_bins >= n_levels
    )


def _middle_layers_dense(sums, shifted, n_bins):
    """Split points of layers ``1..n_bins - 2`` from a dense table of bin errors.

    Returns ``split``, where ``split[k, i]`` is the first level of the last
    bin of the best partition of levels ``0..i`` into ``k + 1`` bins, and
    the ``shifted`` errors of layer ``n_bins - 2``.
    """
    p0, p1, p2 = sums
    n_levels = p0.size - 1
    # error[i - 1, j - 1]: one bin holding levels j..i, for the rows and
    # starts 1..n - 2 that these layers use; infinite when j > i.
    w = p0[2:-1, None] - p0[None, 1:-2]
    error = p1[2:-1, None] - p1[None, 1:-2]
    error *= error
    with np.errstate(divide="ignore", invalid="ignore"):
        error /= w
    np.subtract(p2[2:-1, None], p2[None, 1:-2], out=w)
    w -= error
    error = w
    index = np.arange(n_levels - 2)
    np.putmask(error, index[:, None] < index[None, :], np.inf)
    split = np.zeros((n_bins - 1, n_levels), dtype=_index_dtype(n_levels))
    last = n_levels - n_bins
    for k in range(1, n_bins - 1):
        last += 1
        rows = error[k - 1 : last, k - 1 : last] + shifted[k : last + 1]
        arg = np.argmin(rows, axis=1)
        best = np.take_along_axis(rows, arg[:, None], axis=1)[:, 0]
        split[k, k : last + 1] = arg + k
        shifted = np.full(n_levels + 1, np.inf)
        shifted[k + 1 : last + 2] = best
    return split, shifted


def _middle_layers_divide(sums, shifted, n_bins):
    """As :func:`_middle_layers_dense`, by breadth-first divide and conquer."""
    n_levels = sums.shape[1] - 1
    split = np.zeros((n_bins - 1, n_levels), dtype=_index_dtype(n_levels))
    last = n_levels - n_bins
    lower = np.zeros(n_levels, dtype=np.intp)  # Knuth's bound from layer k - 1
    for k in range(1, n_bins - 1):
        last += 1
        best, arg = _layer(sums, shifted, lower, k, last)
        split[k, k : last + 1] = arg[k : last + 1]
        shifted = np.full(n_levels + 1, np.inf)
        shifted[k + 1 : last + 2] = best[k : last + 1]
        # Rows past ``last`` were not solved: the bound of the last row
        # holds for them too, as split points never decrease.
        lower = arg
        lower[last + 1 :] = arg[last]
    return split, shifted


def _layer(sums, shifted, lower, k, last):
    """Least errors and best split points of rows ``k..last`` of layer ``k``.

    Rows are solved breadth first: each pending row range ``[a, b]`` with
    candidate starts ``[lo, hi]`` solves its middle row ``m`` over candidates
    ``max(lo, lower[m])..min(hi, m)`` and hands ``[a, m - 1]`` the candidates
    ``lo..j*`` and ``[m + 1, b]`` the candidates ``j*..hi``.
    """
    n_levels = sums.shape[1] - 1
    best = np.empty(n_levels)
    arg = np.zeros(n_levels, dtype=np.intp)
    a = np.array([k])
    b = np.array([last])
    lo = np.array([k])
    hi = np.array([last])
    while a.size:
        mid = (a + b) >> 1
        start = np.minimum(np.maximum(lo, lower[mid]), mid)
        stop = np.maximum(np.minimum(hi, mid), start)
        lengths = stop - start + 1
        offsets = np.cumsum(lengths)
        total = int(offsets[-1])
        offsets -= lengths
        # Flattened (row, candidate) pairs, segment by segment.
        j = np.repeat(start - offsets, lengths)
        j += np.arange(total)
        # cost = shifted[j] + SSE(j, mid), SSE as in the dense table.
        w, s1, cost = np.repeat(np.take(sums, mid + 1, axis=1), lengths, axis=1) - np.take(
            sums, j, axis=1
        )
        s1 *= s1
        s1 /= w
        cost -= s1
        cost += np.take(shifted, j)
        lowest = np.minimum.reduceat(cost, offsets)
        # The first candidate reaching each segment's minimum.
        hits = np.flatnonzero(cost == np.repeat(lowest, lengths))
        chosen = np.take(j, np.take(hits, np.searchsorted(hits, offsets)))
        best[mid] = lowest
        arg[mid] = chosen
        left = mid > a
        right = mid < b
        a = np.concatenate((a[left], mid[right] + 1))
        b = np.concatenate((mid[left] - 1, b[right]))
        lo = np.concatenate((lo[left], chosen[right]))
        hi = np.concatenate((chosen[left], hi[right]))
    return best, arg

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

Many bins on many levels (1000 bins on the 49,410 levels of a 16-bit photo:
8 s by layers) are found instead by Lagrangian relaxation, whose cost does
not grow with the number of bins: a price ``penalty`` per bin turns the
problem into one without layers, ``F[i] = penalty + min over j of F[j - 1] +
SSE(j, i)``, solved in one sweep of blocks (:func:`penalized_bin_starts`).
Its answer, with some number ``k`` of bins, is an optimal partition into
``k`` bins; the least error is convex in the number of bins (the bin errors
are Monge), so searching the price until ``k == n_bins`` gives the optimum
in a few sweeps (Aggarwal, Schieber and Tokuyama 1994; the "Lagrangian"
algorithm of Gronlund et al. 2017). A cut's first best start never moves
up as the price rises, so the sweeps at prices either side bound each cut's
start in the next sweep (:func:`_sweep`): once the price is bracketed, a
cut tries only the few starts between them. Where the error is linear in
the number of bins around ``n_bins``, no price gives ``n_bins`` bins
exactly; the two optimal partitions either side are then spliced into one
of ``n_bins`` bins, as optimal as both. Should the search not settle in a
few sweeps (levels so close that the error no longer falls measurably with
more bins), the layers are filled after all.
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

# From this many bins, where the dense table is not used, the bins are
# searched by Lagrangian relaxation: a sweep costs about 1 us a level (40 ms
# on 49,410 levels, 2 cores), a layer about 0.2 us a level, and the search
# takes a few sweeps after a search on every eighth level (itself started
# on coarser levels, while they hold 16 a bin), those after the first
# bounded by the sweeps either side (256 bins on 49,410 levels: 66,
# then 27 and 9 ms). Measured (ms, layers / search) on 4051 levels (the
# 16-bit camera's top 12 bits): 8 bins 6 / 6, 16 bins 14 / 8, 64 bins
# 54 / 8, 256 bins 195 / 29, 1000 bins 626 / 69; on 49,410 levels: 4 bins
# 31 / 25, 8 bins 78 / 40, 16 bins 171 / 59, 64 bins 630 / 66, 256 bins
# 2373 / 142, 1000 bins 8078 / 135.
_PENALIZED_BINS = 8
# On more levels, from fewer bins: (levels, bins as eighths of
# _PENALIZED_BINS). A layer costs more there than the search's sweeps (ms,
# layers / search, on 262,144 levels: 3 bins 133 / 95; 49,410: 3 bins 15 /
# 15, 4 bins 29 / 17; 32,768: 3 bins 10 / 10, 4 bins 19 / 12; 10,300: 4
# bins 4.6 / 5.8, 5 bins 6.8 / 6.6; 5029: 6 bins 5.0 / 5.8, 8 bins 7.3 /
# 7.0; 4051: 6 bins 4.1 / 4.6, 8 bins 6.1 / 5.1).
_FEWER_BINS_FROM = ((32768, 3), (16384, 4), (8192, 5))
_MAX_SWEEPS = 12
# Rows of a block of the sweep: half the last bin's levels, within these
# bounds (long blocks spare the scans of the candidates before each block,
# short ones the relaxation inside); a block's candidates before it are
# tried all at once up to this many (row, candidate) pairs, by divide and
# conquer beyond, between the best starts of its first and last rows. Sweep
# times (ms) on 49,410 levels at about 8, 64, 256 and 1000 bins: 15, 43, 65,
# 48; on 262,144 distinct floats: 82, 94, 174, 297 (an earlier version, with
# two bins' worth of rows, at most 128: 41, 44, 83, 70 and 805, 313, 269,
# 321).
_BLOCK_MIN, _BLOCK_MAX = 16, 4096
# A block ends before its first row that a bin starting inside it could
# lower, or after this many rows, relaxed, when that row comes sooner than
# _BLOCK_MIN.
_BLOCK_RELAXED = 64
_BLOCK_PAIRS = 1 << 15
# A sweep bounded by sweeps at prices either side tries each row's own
# candidates while those average at most _BOUNDED_WIDTH a row (256 bins on
# 49,410 levels 9 ms, 1000 bins on 262,144 distinct floats 41 ms, against
# 63 and 302 unbounded; about 19 a row at 64 bins on the floats: 116 ms,
# 92 with the whole blocks' candidates); the bound from a lower price is
# used only while the last bins it leaves average at least _BOUNDED_GAP
# levels (1000 bins on 8235 levels, about 8: 20 ms a sweep, 18 unbounded).
_BOUNDED_WIDTH = 8
_BOUNDED_GAP = 16


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
    From 8 bins on more than 768 levels (from 5, 4 and 3 bins on 8192,
    16384 and 32768 levels), the partition is searched by
    Lagrangian relaxation: a few sweeps of ``O(n_levels)`` blocks each, about
    0.14 s for 256 or 1000 bins on 49,410 levels, and memory
    ``O(n_levels)``. Else, and as a fallback, the layers are filled: time
    ``O(n_bins * n_levels * log(n_levels))``; memory ``O(n_levels)`` floats
    plus a table of the best split points, ``n_bins * n_levels`` integers of
    2 bytes (4 above 65536 levels): 32 MB at 256 bins on 65536 levels.

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

    A. Aggarwal, B. Schieber and T. Tokuyama (1994), "Finding a minimum-weight
    k-link path in graphs with the concave Monge property and applications",
    Discrete & Computational Geometry 12, 263-280.

    A. Gronlund, K. G. Larsen, A. Mathiasen, J. S. Nielsen, S. Schneider and
    M. Song (2017), "Fast exact k-means, k-medians and Bregman divergence
    clustering in 1D", arXiv:1701.07204.

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
    if n_bins >= _penalized_bins(n_levels) and not _use_dense(n_levels, n_bins):
        starts = _searched_bin_starts(sums, n_bins)
        if starts is not None:
            return starts
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


def _penalized_bins(n_levels):
    """The fewest bins from which the price is searched rather than layers filled."""
    for least_levels, eighths in _FEWER_BINS_FROM:
        if n_levels >= least_levels:
            return _PENALIZED_BINS * eighths // 8
    return _PENALIZED_BINS


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

    Row ``i`` (levels ``0..i``) takes its last bin from a start ``j`` in
    ``lower[i]..i`` (Knuth's bound), at ``shifted[j] + SSE(j, i)``.
    """
    n_levels = sums.shape[1] - 1
    rows = np.arange(k, last + 1)
    best = np.empty(n_levels)
    arg = np.zeros(n_levels, dtype=np.intp)
    best[rows], arg[rows] = _monotone_minima(sums, shifted, rows + 1, k, last, lower[rows])
    return best, arg


def penalized_bin_starts(sums, penalty):
    """The partition of least error plus ``penalty`` per bin, any number of bins.

    ``F[c]``, the least cost of levels ``0..c - 1``, is
    ``penalty + min over b < c of F[b] + SSE(b, c - 1)``, with ``F[0] = 0``.
    The best ``b`` never decreases as ``c`` grows (the bin errors are Monge),
    so the cuts ``c`` are taken in blocks of rows: the candidates before a
    block, from the last row's best start on, are tried for all its rows at
    once (between the best starts of its first and last rows, by divide and
    conquer when they are many), then the candidates inside the block are
    added by relaxing its triangle of bin errors until no row improves (once
    per bin that starts inside the block, plus one), for the rows that can
    gain: a bin starting inside costs at least ``F[first] + penalty``.

    Parameters
    ----------
    sums : ndarray of shape (3, n_levels + 1)
        Prefix sums, as from :func:`_prefix_sums`.
    penalty : float
        Price of a bin, positive.

    Returns
    -------
    starts : ndarray of intp
        First level of each bin of an optimal partition, the first one 0;
        the first best start of each cut is taken.
    """
    return _sweep(sums, penalty)[0]


def _sweep(sums, penalty, lower=None, upper=None):
    """:func:`penalized_bin_starts`, and the best start of every cut.

    ``lower`` and ``upper``, the best starts of every cut from sweeps at a
    higher and a lower price, bound the best starts at this one: a higher
    price never moves a cut's first best start up (the bin errors are Monge:
    the optimal number of bins of levels ``0..c - 1`` does not decrease with
    ``c``, so ``F[b'] - F[b]`` does not decrease with the price for
    ``b < b'``). Blocks whose rows all have their bounded starts before the
    block need neither the candidates inside it nor those past the bound;
    with both bounds and few starts between them, each row tries only its
    own.
    """
    p0 = sums[0]
    n_levels = p0.size - 1
    best = np.empty(n_levels + 1)  # F
    best[0] = 0.0
    start = np.zeros(n_levels + 1, dtype=np.intp)
    if lower is not None:
        # The least bound of each cut and all later ones: a bound of blocks.
        lower = np.minimum.accumulate(lower[::-1])[::-1]
    if upper is not None:
        upper = np.maximum.accumulate(upper)
        if n_levels * (n_levels + 1) // 2 - np.sum(upper) < _BOUNDED_GAP * n_levels:
            upper = None  # short bins: blocks before the bounds would be short
    # Each row's own candidates only when they are few.
    narrow = (
        lower is not None
        and upper is not None
        and np.sum(upper - lower) <= _BOUNDED_WIDTH * n_levels
    )
    first, low, rows = 1, 0, _BLOCK_MIN
    while first <= n_levels:
        stop = min(n_levels + 1, first + rows)
        size = stop - first
        if lower is not None:
            low = max(low, int(lower[first]))
        if narrow and upper[first] < first:
            # Bounds either side: each row's own candidates, for the rows
            # whose candidates all precede the block, up to _BLOCK_PAIRS
            # pairs.
            end = first + int(np.searchsorted(upper[first : first + _BLOCK_MAX], first))
            lo = np.maximum(lower[first:end], low)
            hi = np.maximum(upper[first:end], lo)
            fit = int(np.searchsorted(np.cumsum(hi - lo + 1), _BLOCK_PAIRS, side="right"))
            if fit == end - first or fit >= _BLOCK_MIN:
                cuts = np.arange(first, first + fit)
                block, arg = _segment_minima(sums, best, cuts, lo[:fit], hi[:fit])
                block += penalty
                best[first : first + fit] = block
                start[first : first + fit] = arg
                low = int(arg[-1])
                first += fit
                continue
        if upper is not None and upper[stop - 1] < first:
            # Every row's best start lies in low..top, before the block.
            top = max(low, int(upper[stop - 1]))
            block, arg = _block_minima(sums, best, first, stop, low, top)
            block += penalty
            best[first:stop] = block
            start[first:stop] = arg
            low = int(arg[-1])
            rows = min(_BLOCK_MAX, max(_BLOCK_MIN, (stop - 1 - low) // 2))
            first = stop
            continue
        # Candidates before the block.
        inside = None
        if size * (first - low) <= _BLOCK_PAIRS:
            # All (row, candidate) pairs, those inside the block included.
            cost = _bin_errors(sums, first, stop, low, stop - 1)
            before = cost[:, : first - low]
            before += best[low:first]
            arg = np.argmin(before, axis=1)
            block = before[np.arange(size), arg]
            arg += low
            inside = cost[:, first - low :]
        else:
            # The best start of every row lies between those of its first
            # and last rows.
            _, a_first = _row_minimum(sums, best, first, low, first - 1)
            _, a_last = _row_minimum(sums, best, stop - 1, a_first, first - 1)
            block, arg = _block_minima(sums, best, first, stop, a_first, a_last)
        block += penalty
        # Candidates inside: a bin from first + q on costs at least
        # F[first] + penalty, so only rows above that can gain.
        gain = np.flatnonzero(block[1:] > block[0] + penalty) + 1
        if gain.size and (gain[0] >= _BLOCK_MIN or size > _BLOCK_RELAXED):
            # The rows before the first that can gain are final: the block
            # ends there, or, when that is too soon, after a few rows.
            keep = gain[0] if gain[0] >= _BLOCK_MIN else _BLOCK_RELAXED
            stop, size = first + keep, keep
            block, arg, gain = block[:keep], arg[:keep], gain[gain < keep]
            if inside is not None:
                inside = inside[:keep, : keep - 1]
        if gain.size:
            if inside is None:
                inside = _bin_errors(sums, first + gain[0], stop, first, stop - 1)
            else:
                inside = inside[gain[0] :]
            rows_in = np.arange(gain[0], size)
            inside[rows_in[:, None] <= np.arange(size - 1)[None, :]] = np.inf
            inside += penalty
            index = np.arange(rows_in.size)
            while True:
                candidates = inside + block[:-1]
                chosen = np.argmin(candidates, axis=1)
                lowest = candidates[index, chosen]
                better = lowest < block[rows_in]
                if not better.any():
                    break
                block[rows_in[better]] = lowest[better]
                arg[rows_in[better]] = chosen[better] + first
        best[first:stop] = block
        start[first:stop] = arg
        low = int(arg[-1])
        rows = min(_BLOCK_MAX, max(_BLOCK_MIN, (stop - 1 - low) // 2))
        first = stop
    cuts = [n_levels]
    while cuts[-1] > 0:
        cuts.append(int(start[cuts[-1]]))
    return np.array(cuts[-1:0:-1], dtype=np.intp), start


def _block_minima(sums, best, first, stop, low, high):
    """Least ``best[b] + SSE(b, c - 1)`` over ``b`` in ``low..high``, for the cuts ``c``
    in ``first..stop - 1`` (``high < first``); the first best ``b`` of each.

    All pairs at once up to ``_BLOCK_PAIRS`` of them, by divide and conquer
    beyond (the best ``b`` never decreases along the cuts).
    """
    size = stop - first
    if size * (high + 1 - low) <= _BLOCK_PAIRS:
        cost = _bin_errors(sums, first, stop, low, high + 1)
        cost += best[low : high + 1]
        arg = np.argmin(cost, axis=1)
        return cost[np.arange(size), arg], arg + low
    return _monotone_minima(sums, best, np.arange(first, stop), low, high)


def _row_minimum(sums, best, cut, low, high):
    """Least ``best[b] + SSE(b, cut - 1)`` over ``b`` in ``low..high``; its first ``b``."""
    cost = _bin_errors(sums, cut, cut + 1, low, high + 1)[0]
    cost += best[low : high + 1]
    arg = int(np.argmin(cost))
    return cost[arg], arg + low


def _bin_errors(sums, row_start, row_stop, column_start, column_stop):
    """``errors[r, q]``: a bin from level ``column_start + q`` to cut ``row_start + r``.

    Not a number or infinite where the bin would be empty or reversed.
    """
    p0, p1, p2 = sums
    w = p0[row_start:row_stop, None] - p0[None, column_start:column_stop]
    s1 = p1[row_start:row_stop, None] - p1[None, column_start:column_stop]
    errors = p2[row_start:row_stop, None] - p2[None, column_start:column_stop]
    with np.errstate(divide="ignore", invalid="ignore"):
        s1 *= s1
        s1 /= w
    errors -= s1
    return errors


def _monotone_minima(sums, base, ends, low, high, lower=None):
    """Least ``base[j] + SSE(j, end - 1)`` for each ``end`` of ``ends``; its first ``j``.

    The candidates ``j`` run from ``low`` (or ``lower[r]`` for row ``r``,
    if larger) to ``high`` (or ``end - 1``, if smaller). The best ``j``
    never decreases along the rows (the bin errors are Monge; ``ends``
    increase), so the rows are solved breadth first by divide and conquer:
    each pending row range ``[a, b]`` with candidates ``[lo, hi]`` solves
    its middle row ``m`` and hands ``[a, m - 1]`` the candidates ``lo..j*``
    and ``[m + 1, b]`` the candidates ``j*..hi``, all ranges at once with
    flat arrays and a segmented minimum.
    """
    n_rows = ends.size
    lowest = np.empty(n_rows)
    arg = np.empty(n_rows, dtype=np.intp)
    a, b = np.array([0]), np.array([n_rows - 1])
    lo, hi = np.array([low]), np.array([high])
    while a.size:
        mid = (a + b) >> 1
        end = ends[mid]
        start = lo if lower is None else np.maximum(lo, lower[mid])
        start = np.minimum(start, end - 1)
        stop = np.maximum(np.minimum(hi, end - 1), start)
        minima, chosen = _segment_minima(sums, base, end, start, stop)
        lowest[mid] = minima
        arg[mid] = chosen
        left, right = mid > a, mid < b
        a, b = (
            np.concatenate((a[left], mid[right] + 1)),
            np.concatenate((mid[left] - 1, b[right])),
        )
        lo, hi = (
            np.concatenate((lo[left], chosen[right])),
            np.concatenate((chosen[left], hi[right])),
        )
    return lowest, arg


def _segment_minima(sums, base, ends, start, stop):
    """Least ``base[j] + SSE(j, end - 1)`` over ``j`` in ``start..stop``, row by row.

    Returns the least values and, for each row, the first ``j`` reaching it.
    """
    p0, p1, p2 = sums
    lengths = stop - start + 1
    offsets = np.cumsum(lengths)
    total = int(offsets[-1])
    offsets -= lengths
    # Flattened (row, candidate) pairs, segment by segment.
    j = np.repeat(start - offsets, lengths)
    j += np.arange(total)
    c = np.repeat(ends, lengths)
    w = p0[c] - p0[j]
    s1 = p1[c] - p1[j]
    cost = p2[c] - p2[j]
    s1 *= s1
    s1 /= w
    cost -= s1
    cost += base[j]
    minima = np.minimum.reduceat(cost, offsets)
    # The first candidate reaching each segment's minimum.
    hits = np.flatnonzero(cost == np.repeat(minima, lengths))
    return minima, j[hits[np.searchsorted(hits, offsets)]]


def _partition_error(sums, starts):
    """Squared error of the bins starting at ``starts``, from the prefix sums."""
    p0, p1, p2 = sums
    bounds = np.append(starts, p0.size - 1)
    w = p0[bounds[1:]] - p0[bounds[:-1]]
    s1 = p1[bounds[1:]] - p1[bounds[:-1]]
    return float(np.sum((p2[bounds[1:]] - p2[bounds[:-1]]) - s1 * s1 / w))


def _splice(fewer, more, n_levels, n_bins):
    """A partition into ``n_bins`` bins from optimal ones with fewer and more.

    Some bin of ``more`` lies within a bin of ``fewer``; exchanging the tails
    after them turns the pair into two partitions whose errors add up to at
    most the pair's (Monge), one of them with ``n_bins`` bins. When both are
    optimal for the same price per bin, so are the two new ones.
    """
    a = np.append(fewer, n_levels)
    b = np.append(more, n_levels)
    # Bin t of ``more`` (levels b[t]..b[t + 1] - 1) starts within bin s - 1
    # of ``fewer``; taking more's bins 0..t then fewer's s.. gives
    # t - s + 1 + fewer.size bins.
    within = np.searchsorted(a, b[:-1], side="right")
    nested = b[1:] <= a[within]
    t = np.flatnonzero(nested & (np.arange(more.size) - within == n_bins - fewer.size - 1))[
        0
    ]
    return np.concatenate((more[: t + 1], fewer[within[t] :]))


def _searched_bin_starts(sums, n_bins):
    """The optimal ``n_bins`` bin starts by searching the price of a bin.

    The search on every level starts from the price :func:`_coarse_price`
    finds. Returns None when it does not settle in ``_MAX_SWEEPS`` sweeps.
    """
    starts, _ = _search(sums, n_bins, _coarse_price(sums, n_bins))
    return starts


def _coarse_price(sums, n_bins):
    """A first price per bin, searched on the levels taken ``step`` at a time.

    Bins may then only start at every ``step``-th level, and sweeps cost
    ``step`` times less; that search starts in turn from a price found on
    coarser levels, and so on while there are at least 16 levels a bin.
    None below that.
    """
    n_levels = sums.shape[1] - 1
    step = min(8, n_levels // (8 * n_bins))
    if step < 2:
        return None
    coarse = sums[:, np.r_[0:n_levels:step, n_levels]]
    _, penalty = _search(coarse, n_bins, _coarse_price(coarse, n_bins))
    return penalty


def _search(sums, n_bins, penalty):
    """The search of :func:`_searched_bin_starts`: ``(starts, last price)``.

    ``starts`` is None where the search does not settle; ``penalty`` is the
    first price to try, or None to guess it.
    """
    p0 = sums[0]
    n_levels = p0.size - 1
    # First guess: twice the error per bin of the equal-weight partition
    # (about the slope of the error in the number of bins, as the error of
    # fine quantisers falls as 1 / bins**2).
    cuts = np.unique(np.searchsorted(p0, np.linspace(0.0, p0[-1], n_bins + 1)[1:-1]))
    start_error = _partition_error(
        sums, np.concatenate(([0], cuts[(cuts > 0) & (cuts < n_levels)]))
    )
    if penalty is None:
        penalty = 2.0 * start_error / n_bins
    fewer = more = None  # (bins, error, starts, penalty) either side of n_bins
    chord = False
    for _ in range(_MAX_SWEEPS):
        if not penalty > 2.0**-40 * start_error:
            return None, penalty  # the error hardly falls with more bins: near ties
        # The sweeps either side bound each cut's best start.
        starts, start = _sweep(
            sums,
            penalty,
            None if fewer is None or penalty > fewer[3] else fewer[4],
            None if more is None or penalty < more[3] else more[4],
        )
        k = starts.size
        if k == n_bins:
            return starts, penalty
        between = fewer is None or more is None or fewer[0] < k < more[0]
        if chord and not between:
            # At the slope of the chord, the partitions either side are as
            # good as any: the error is linear in the bins between them.
            return _splice(fewer[2], more[2], n_levels, n_bins), penalty
        found = (k, _partition_error(sums, starts), starts, penalty, start)
        if k < n_bins:
            fewer = found
        else:
            more = found
        if fewer is None or more is None:
            # The slope goes as bins**-3; aim half a bin past n_bins.
            aim = n_bins + 0.5 if k < n_bins else n_bins - 0.5
            penalty *= min(64.0, max(1.0 / 64.0, (k / aim) ** 3))
            continue
        # Within a few bins, or when the last guess fell outside, take the
        # chord; interpolation only narrows wide brackets faster.
        chord = not between or more[0] - fewer[0] <= 8
        if not chord:
            # Interpolate log(penalty) linearly in log(bins).
            x = np.log(n_bins / fewer[0]) / np.log(more[0] / fewer[0])
            penalty = float(fewer[3] ** (1.0 - x) * more[3] ** x)
            chord = not more[3] < penalty < fewer[3]
        if chord:
            # The slope of the chord: a partition strictly between the two
            # if the error is not linear there.
            penalty = (fewer[1] - more[1]) / (more[0] - fewer[0])
    return None, penalty

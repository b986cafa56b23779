"""One-dimensional k-means (Lloyd) on a weighted histogram of levels.

No scikit-learn here. Each step costs O(levels), not O(pixels).
"""

import numpy as np


def bin_labels(levels, bin_edges):
    """Bin index of each level: ``bin_edges[i] <= level < bin_edges[i + 1]``.

    The outer edges are ignored, so values outside the edges fall in the
    first or last bin (as ``KBinsDiscretizer.transform`` does).
    """
    return np.searchsorted(bin_edges[1:-1], levels, side="right")


def bin_means(levels, counts, labels, n_bins):
    """Weighted mean of the levels in each bin, NaN for an empty bin.

    ``labels`` must be non-decreasing (levels sorted). Each mean is taken
    about the bin's lowest level, so a bin holding one level gets exactly it.
    """
    first = np.minimum(np.searchsorted(labels, np.arange(n_bins)), levels.size - 1)
    base = levels[first]
    weight = np.bincount(labels, weights=counts, minlength=n_bins)
    total = np.bincount(labels, weights=counts * (levels - base[labels]), minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        return base + total / weight


def _prefix_sums(levels, counts):
    """Cumulative weight and weighted offset from the first level, from 0.

    The weight and mean of the levels ``i:j`` are then two differences away,
    so a Lloyd step costs O(n_bins log n_levels), not O(n_levels). For
    integer levels and counts the sums are exact.
    """
    weight = np.zeros(levels.size + 1)
    offset = np.zeros(levels.size + 1)
    np.cumsum(counts, out=weight[1:])
    np.cumsum(counts * (levels - levels[0]), out=offset[1:])
    return weight, offset


def _bin_sums(prefix, bounds):
    """Weight and weighted offset of the levels ``bounds[i]:bounds[i + 1]``."""
    weight, offset = prefix[0][bounds], prefix[1][bounds]
    return weight[1:] - weight[:-1], offset[1:] - offset[:-1]


def _bounds(levels, inner_edges, side):
    """Index of the first level of each bin, with 0 and ``levels.size`` around."""
    bounds = np.empty(inner_edges.size + 2, dtype=np.intp)
    bounds[0], bounds[-1] = 0, levels.size
    bounds[1:-1] = np.searchsorted(levels, inner_edges, side=side)
    return bounds


def refine_kmeans(levels, counts, bin_edges, max_iter=10_000):
    """Run Lloyd's iterations from ``bin_edges`` until no level changes bin.

    Parameters
    ----------
    levels : ndarray of float64, increasing
        Distinct values.
    counts : ndarray of float64
        Weight (pixel count) of each level.
    bin_edges : ndarray of float64
        Starting edges, ``n_bins + 1`` of them, increasing; the outer ones are
        the data's minimum and maximum.
    max_iter : int
        A bound on the iterations; 1-D Lloyd converges long before it.

    Returns
    -------
    bin_edges : ndarray of float64
        Edges halfway between consecutive centres, with the same outer edges.
        The within-bin squared error never increases from the start's.

    Examples
    --------
    >>> import numpy as np
    >>> levels, counts = np.array([0.0, 1.0, 2.0, 9.0, 10.0]), np.ones(5)
    >>> refine_kmeans(levels, counts, np.array([0.0, 1.5, 10.0]))
    array([ 0.  ,  5.25, 10.  ])
    """
    bin_edges = np.asarray(bin_edges, dtype=np.float64).copy()
    prefix = _prefix_sums(levels, counts)
    # A level on an edge belongs to the upper bin, as in bin_labels.
    bounds = _bounds(levels, bin_edges[1:-1], "left")
    for _ in range(max_iter):
        weight, offset = _bin_sums(prefix, bounds)
        with np.errstate(invalid="ignore", divide="ignore"):
            means = levels[0] + offset / weight
        # An empty bin keeps the middle of its edges: it holds no level, so
        # wherever its centre sits the error can only go down next step.
        centres = np.where(weight > 0, means, 0.5 * (bin_edges[1:] + bin_edges[:-1]))
        centres.sort()
        bin_edges[1:-1] = 0.5 * (centres[1:] + centres[:-1])
        new_bounds = _bounds(levels, bin_edges[1:-1], "left")
        if np.array_equal(new_bounds, bounds):
            break
        bounds = new_bounds
    return bin_edges


def squared_error(levels, counts, bin_edges):
    """Weighted squared error of the bins, each level decoded to its bin's mean."""
    labels = bin_labels(levels, bin_edges)
    means = bin_means(levels, counts, labels, bin_edges.size - 1)
    return float(np.sum(counts * (levels - means[labels]) ** 2))


def edges_from_centres(centres, low, high):
    """Bin edges halfway between sorted centres, within ``low`` and ``high``."""
    return np.r_[low, 0.5 * (centres[1:] + centres[:-1]), high]


#: How far (relative to the span of the levels, plus the midpoint's own
#: magnitude) ``KMeans``' centres can stray from the replay's through the
#: rounding of its sums. It sums a cluster's pixels in float64, 256 at a time
#: and then chunk by chunk, so a centre of ``m`` pixels is off by at most
#: about ``(256 + m / 256) * 2**-53`` times the span: below ``2**-32`` up to
#: 2**29 pixels a cluster, four times below this slack.
CERTAIN_SLACK = 2.0**-30


def lloyd_pixels(
    levels, counts, centres, max_iter=300, max_runs=128, max_steps=3000, tol=None
):
    """scikit-learn's Lloyd k-means on every pixel, replayed on the histogram.

    The iterations of ``sklearn.cluster.KMeans(init=centres, n_init=1)`` fitted
    on the pixels themselves: each level goes to its nearest centre, and an
    empty cluster takes the pixel farthest from its centre, which leaves that
    pixel's old cluster with one pixel less (fitted on the weighted levels,
    ``KMeans`` would move a whole level). Levels (nearly) halfway between two
    centres go where ``KMeans``' rounding sends them (see
    :func:`_kmeans_rounding`). Runs until no level changes cluster, or, given
    ``tol``, until ``KMeans`` certainly stops at its tolerance: further
    steps only lower the error, and are left to :func:`refine_kmeans`, whose
    steps cost less.

    Where ``KMeans`` could go more than one way, every way is followed, as a
    run of its own: a level within rounding reach of a midpoint
    (:data:`CERTAIN_SLACK`), pixels of several levels tied for a relocation
    (:func:`_relocations`), a cluster a relocation empties (:func:`_centres`).
    A run back at a state it visited ends there (a cycle, at equal error),
    and runs that meet are followed once.

    Parameters
    ----------
    levels : ndarray of float64, increasing
    counts : ndarray of float64
        Pixel count of each level (a weight; one unit is moved on relocation).
    centres : ndarray of float64
        Initial centres.
    max_iter : int
        ``KMeans``' bound on its iterations: it stops there at the latest.
    max_runs : int
        A bound on the runs followed.
    max_steps : int
        A bound on the steps of all runs together.
    tol : float or None
        ``KMeans``' tolerance on the pixels: ``1e-4`` times their variance.
        A run ends at a step (without relocation) whose centres moved, in
        sum of squares, below it even with every centre off by its rounding
        slack, where ``KMeans`` stops at the latest. None (the pixels'
        variance unknown, as with sample weights): runs go on until no level
        changes cluster.

    Returns
    -------
    runs : list of ndarray of float64, sorted
        The centres each run ends on; the first is the way ``KMeans``'
        rounding and the stable order take.
    certain : bool
        True when ``KMeans``' run on the pixels is certainly one of the runs
        up to where it stops (at its tolerance): every way it could go was
        followed within ``max_runs`` and ``max_steps``, and the counts are
        whole (pixels, or whole sample weights taken as repeated pixels)
        wherever a pixel was relocated. Each run, followed further, has no
        more squared error than any of its earlier states, so the least of
        the runs' errors is then at most ``KMeans``'. When False, its run may
        have gone elsewhere; once unsure, no further ways are followed.
    """
    prefix = _prefix_sums(levels, counts)
    mean = float(np.sum(counts * levels) / np.sum(counts))
    slack = CERTAIN_SLACK * (levels[-1] - levels[0])
    runs, certain = [], True
    # Whole counts are pixels (or whole sample weights, as repeated pixels):
    # a relocation moves one of them. Fractional weights leave KMeans' moved
    # sample's weight unknown.
    whole = bool(np.all(counts == np.round(counts)))
    # Each pending run: its centres, its last bounds, the starts of its bins
    # for the next step if already chosen, and the iterations it has left.
    pending = [(np.sort(np.asarray(centres, dtype=np.float64)), None, None, max_iter)]
    # Runs that meet again are followed once; all runs together take at most
    # ``max_steps`` steps (ties that keep recurring would multiply them).
    seen, steps = set(), 0

    def follow(state):
        key = state[0].tobytes() + (b"" if state[2] is None else state[2].tobytes())
        if key not in seen:
            seen.add(key)
            pending.append(state)

    while pending:
        centres, bounds, starts, left = pending.pop()
        visited = set()  # a run back at a state it visited cycles at equal error
        while True:
            if starts is None:
                if left == 0:  # where KMeans stops at the latest
                    runs.append(centres)
                    break
                steps += 1
                if steps > max_steps:
                    return [*runs, centres], False
                if not certain:
                    # Unsure now: the optimal partition will join the
                    # candidates; this run alone is finished.
                    pending.clear()
                left -= 1
                starts, others = _assign(levels, mean, centres, slack)
                if others is None:
                    certain = False
                elif others and certain:
                    if len(runs) + len(pending) + 1 + len(others) > max_runs:
                        certain = False
                    else:
                        for other in others:
                            follow((centres, bounds, other, left))
            if bounds is not None and (starts == bounds[1:-1]).all():
                runs.append(centres)
                break
            if starts.tobytes() in visited:
                runs.append(centres)
                break
            visited.add(starts.tobytes())
            bounds = np.concatenate(([0], starts, [levels.size]))
            weight, offset = _bin_sums(prefix, bounds)
            sums = [(weight, offset)]
            moved = not weight.all()
            if moved:
                empty = np.flatnonzero(weight == 0)
                ways, every = _relocations(levels, counts, centres, bounds, empty.size)
                certain = certain and every and whole
                if ways is not None:
                    sums = [(weight.copy(), offset.copy()) for _ in ways]
                    for (w, o), pixels in zip(sums, ways, strict=True):
                        _move(levels, counts, bounds, w, o, empty, pixels)
            options = []
            for weight, offset in sums:
                ways, every = _centres(levels, mean, weight, offset)
                certain = certain and every
                options += [
                    way for way in ways if not any(np.array_equal(way, o) for o in options)
                ]
            starts = None
            stopped = [
                tol is not None
                and not moved
                and _within_tolerance(centres, way, tol, slack)
                for way in options
            ]
            centres = options[0]
            if len(runs) + len(pending) + len(options) > max_runs:
                certain = False
            elif certain:
                for option, stop in zip(options[1:], stopped[1:], strict=True):
                    if stop:
                        runs.append(option)
                    else:
                        follow((option, bounds, None, left))
            if stopped[0]:
                runs.append(centres)
                break
    return runs, certain


def _within_tolerance(old, new, tol, slack):
    """Whether ``KMeans`` certainly stops after its centres moved from ``old`` to ``new``.

    It stops when the sum of the squared shifts is at most ``tol``; each of
    its centres may differ from the replay's by rounding (``slack`` and
    :data:`CERTAIN_SLACK` of its magnitude), and its tolerance too.
    """
    shift = np.abs(new - old)
    if float(np.dot(shift, shift)) > tol:
        return False  # most steps: no need for the reach
    shift += 2.0 * (slack + CERTAIN_SLACK * np.maximum(np.abs(old), np.abs(new)))
    return float(np.dot(shift, shift)) <= tol * (1.0 - 1e-9)


def _centres(levels, mean, weight, offset):
    """The sorted centres after an update step: the clusters' means.

    A cluster a relocation emptied (its only pixels moved): older ``KMeans``
    leaves it at the data's mean (0, centred); newer ones where the heaviest
    cluster is, or at that cluster's undivided sum when it comes later in
    ``KMeans``' order. Returns each way, and whether they are all the ways.
    """
    filled = weight > 0
    shifts = np.divide(offset, weight, out=np.zeros_like(offset), where=filled)
    means = levels[0] + shifts
    if filled.all():
        return [np.sort(means)], True
    big = int(np.argmax(weight))
    ways = []
    for place in (means[big], mean, mean + weight[big] * (means[big] - mean)):
        way = np.sort(np.where(filled, means, place))
        if not any(np.array_equal(way, other) for other in ways):
            ways.append(way)
    # Two heaviest clusters, or several emptied ones: more ways than these.
    every = np.count_nonzero(weight == weight[big]) == 1 and np.count_nonzero(~filled) == 1
    return ways, every


def _assign(levels, mean, centres, slack):
    """One assignment step: the first level of each bin but the first.

    Returns the starts ``KMeans``' rounding gives, as far as it can be
    redone, and the other starts it could give: a list of arrays (empty when
    no level is ambiguous), or None when there are too many to follow (two
    or more levels within reach of one midpoint).
    """
    # The sorted centres' clusters are runs of consecutive levels; a level
    # exactly halfway goes to the lower centre, unless rounding says otherwise.
    midpoints = 0.5 * (centres[1:] + centres[:-1])
    starts = levels.searchsorted(midpoints, "right")
    _kmeans_rounding(levels, mean, centres, midpoints, starts)
    # Equal centres: KMeans gives their pixels to the first; the others stay
    # empty (and are relocated).
    for i in np.flatnonzero(centres[1:] == centres[:-1])[::-1]:
        starts[i] = starts[i + 1] if i + 1 < starts.size else levels.size
    # Rounding near centres a few ulps apart can say a later bin starts
    # before an earlier one: the bins stay runs, in order.
    np.maximum.accumulate(starts, out=starts)
    reach = slack + CERTAIN_SLACK * np.abs(midpoints)
    first = levels.searchsorted(midpoints - reach, "left")
    last = levels.searchsorted(midpoints + reach, "right")
    near = np.flatnonzero(last > first)
    if near.size == 0:
        return starts, []
    if np.any(last[near] - first[near] > 1) or near.size > 3:
        return starts, None
    # One level near each of these midpoints: it may go to either side.
    others = []
    for flips in range(1, 1 << near.size):
        other = starts.copy()
        for bit, i in enumerate(near):
            if flips >> bit & 1:
                other[i] = first[i] if starts[i] != first[i] else last[i]
        np.maximum.accumulate(other, out=other)
        if not np.array_equal(other, starts):
            others.append(other)
    return starts, others


def _kmeans_rounding(levels, mean, centres, midpoints, starts):
    """Where ``KMeans`` starts each bin, for the levels near a midpoint.

    ``KMeans`` subtracts the data's mean and compares ``c**2 - 2 * x * c``
    between centres ``c``, in float64, taking the first centre on equality.
    Only levels within the reach of that rounding of a midpoint can go
    elsewhere than the exact rule sends them; their bin is recomputed the
    same way, and ``starts`` updated in place.
    """
    shifted = centres - mean
    lower, upper = shifted[:-1], shifted[1:]
    with np.errstate(divide="ignore", invalid="ignore"):
        reach = 64 * np.finfo(np.float64).eps * (np.abs(lower) + np.abs(upper)) ** 2
        reach = reach / (upper - lower)
    # Centres too close for that reach to stay between them are left to the
    # exact rule, so that the bins stay runs of consecutive levels.
    reach[~(reach < 0.25 * (upper - lower))] = 0.0
    first = levels.searchsorted(midpoints - reach, "left")
    last = levels.searchsorted(midpoints + reach, "right")
    for i in np.flatnonzero(last > first):
        x = levels[first[i] : last[i]] - mean
        to_lower = lower[i] * lower[i] - 2.0 * x * lower[i]
        to_upper = upper[i] * upper[i] - 2.0 * x * upper[i]
        starts[i] = first[i] + np.count_nonzero(to_lower <= to_upper)


def _relocations(levels, counts, centres, bounds, n_empty, max_ways=8):
    """The pixels ``KMeans`` may move to its ``n_empty`` empty clusters.

    It moves the pixels farthest from their centres, one to each empty
    cluster. Which cluster gets which pixel does not matter (the set of
    centres is the same), nor which of a level's identical pixels; but when
    levels tie (within rounding) for the last places, it may take their
    pixels in any proportion.

    Returns a list of ways (arrays of level indices, one per pixel moved;
    the first is the stable order's) and whether the list holds every way,
    or None when every pixel sits on its centre (nothing is moved).
    """
    labels = np.repeat(np.arange(centres.size), np.diff(bounds))
    distance = (levels - centres[labels]) ** 2
    if distance.max() == 0:
        return None, False
    order = np.argsort(-distance, kind="stable")
    needed = np.ceil(counts[order]).astype(np.intp)
    n_levels = min(int(np.searchsorted(np.cumsum(needed), n_empty)) + 1, order.size)
    first_way = np.repeat(order[:n_levels], needed[:n_levels])[:n_empty]
    last = distance[order[n_levels - 1]]
    # Distances move with the centres' rounding (CERTAIN_SLACK of the span).
    span = levels[-1] - levels[0]
    slack = 4 * CERTAIN_SLACK * span * np.sqrt(np.maximum(distance, last))
    tied = np.abs(distance - last) <= slack + 8 * np.finfo(np.float64).eps * last
    farther = np.flatnonzero(~tied & (distance > last))
    ties = np.flatnonzero(tied)
    taken = n_empty - int(np.ceil(counts[farther]).sum())
    room = np.ceil(counts[ties]).astype(np.intp)
    if ties.size == 1 or taken == room.sum():
        return [first_way], True
    if ties.size > max_ways:
        return [first_way], False
    # Every split of ``taken`` pixels among the tied levels.
    ways = []
    for split in _splits(taken, room):
        if len(ways) == max_ways:
            return [first_way], False
        way = np.concatenate(
            (
                np.repeat(farther, np.ceil(counts[farther]).astype(np.intp)),
                np.repeat(ties, split),
            )
        )
        ways.append(np.sort(way))
    ways.sort(key=lambda way: not np.array_equal(way, np.sort(first_way)))
    return ways, True


def _splits(total, room):
    """Every way to put ``total`` items into boxes of capacities ``room``."""
    if room.size == 1:
        if total <= room[0]:
            yield np.array([total])
        return
    for here in range(min(total, room[0]), -1, -1):
        if total - here <= room[1:].sum():
            for rest in _splits(total - here, room[1:]):
                yield np.r_[here, rest]


def _move(levels, counts, bounds, weight, offset, empty, pixels):
    """Move the ``pixels`` (level indices) to the ``empty`` clusters, one
    each: their weight and offset leave their clusters for the empty ones."""
    labels = np.repeat(np.arange(weight.size), np.diff(bounds))
    for cluster, level in zip(empty, pixels, strict=True):
        moved = min(1.0, counts[level])
        level_offset = (levels[level] - levels[0]) * moved
        offset[labels[level]] -= level_offset
        weight[labels[level]] -= moved
        offset[cluster] = level_offset
        weight[cluster] = moved

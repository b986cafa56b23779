"""Numeric kernels of ColorQuantizer. No scikit-learn here.

- :func:`distinct_colours`, :func:`merge_colours`: the colour histogram, every
  distinct colour (a row of C values) with its total weight;
- :func:`wu_palette`: Xiaolin Wu's greedy variance-minimising splitting of
  the RGB cube ("Efficient statistical computations for optimal color
  quantization", Graphics Gems II, 1991): the moments of the colours are
  summed in a 33 x 33 x 33 table of 5-bit cells (index 0 is a zero border),
  whose cumulative sums give the weight, sum and sum of squares of any box in
  8 look-ups; the box whose best cut along an axis lowers the squared error
  most is cut next;
- :func:`lloyd`: Lloyd's iterations (k-means) on weighted colours;
- :func:`nearest_codes`: the exact nearest palette entry of every pixel,
  in chunks, so that the memory used is a few megabytes whatever the image.
"""

import heapq

import numpy as np

# Pixels mapped at a time by nearest_codes, and the largest block of distances
# (rows x palette entries) held at once: about 1 MB.
CHUNK_PIXELS = 1 << 15
BLOCK_BYTES = 1 << 20

# Integer colours whose squared distances float32 holds exactly: with C
# channels of 8 bits, |c|^2 - 2 x.c stays below 2 * C * 255**2 < 2**24.
MAX_EXACT_FLOAT32_CHANNELS = 129

_WU_SIDE = 33  # 32 cells of 5 bits a channel, and the zero border


# Colour histograms ---------------------------------------------------------


def _pack_keys(pixels):
    """One integer a uint8 row (at most 8 channels), ordered as the rows."""
    keys = np.zeros(pixels.shape[0], dtype=np.uint32 if pixels.shape[1] <= 4 else np.uint64)
    for channel in range(pixels.shape[1]):
        keys <<= keys.dtype.type(8)
        keys |= pixels[:, channel]
    return keys


def _unpack_keys(keys, n_channels):
    colours = np.empty((keys.size, n_channels), dtype=np.uint8)
    for channel in range(n_channels):
        shift = keys.dtype.type(8 * (n_channels - 1 - channel))
        colours[:, channel] = (keys >> shift) & keys.dtype.type(255)
    return colours


def _unique_keys(keys, return_inverse=False):
    """The sorted distinct ``keys``, with their counts or the inverse.

    ``np.unique`` without its hashing and general paths: a sort (or an
    argsort for the inverse) of the integer keys.

    Returns
    -------
    distinct : ndarray
    counts_or_inverse : ndarray of int
        How many times each distinct key occurs, or with ``return_inverse``
        the index in ``distinct`` of each key.
    """
    order = np.argsort(keys) if return_inverse else None
    ordered = keys[order] if return_inverse else np.sort(keys)
    first = np.empty(ordered.size, dtype=bool)
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    if return_inverse:
        inverse = np.empty(keys.size, dtype=np.intp)
        inverse[order] = np.cumsum(first) - 1
        return ordered[first], inverse
    starts = np.flatnonzero(first)
    return ordered[starts], np.diff(starts, append=ordered.size)


def distinct_colours(pixels, weights=None, *, return_inverse=False):
    """The distinct rows of ``pixels`` and their total weights.

    Parameters
    ----------
    pixels : ndarray of shape (n_pixels, n_channels)
    weights : ndarray of shape (n_pixels,) or None
        ``None`` counts each pixel once.

    Returns
    -------
    colours : ndarray of shape (n_colours, n_channels), same dtype
        Sorted in lexicographic order; colours of zero total weight dropped.
    counts : ndarray of shape (n_colours,), float64
    inverse : ndarray of shape (n_pixels,), int
        With ``return_inverse=True`` (and no weights): the index of each
        pixel's colour in ``colours``.
    """
    if return_inverse:
        if pixels.dtype == np.uint8 and 1 <= pixels.shape[1] <= 8:
            keys, inverse = _unique_keys(_pack_keys(pixels), return_inverse=True)
            colours = _unpack_keys(keys, pixels.shape[1])
        else:
            colours, inverse = np.unique(pixels, axis=0, return_inverse=True)
        inverse = inverse.reshape(-1)
        counts = np.bincount(inverse, minlength=colours.shape[0]).astype(np.float64)
        return colours, counts, inverse
    if pixels.dtype == np.uint8 and 1 <= pixels.shape[1] <= 8:
        keys = _pack_keys(pixels)
        if weights is None:
            keys, counts = _unique_keys(keys)
            counts = counts.astype(np.float64)
        else:
            keys, inverse = _unique_keys(keys, return_inverse=True)
            counts = np.bincount(inverse.reshape(-1), weights=weights, minlength=keys.size)
        colours = _unpack_keys(keys, pixels.shape[1])
    else:
        colours, inverse = np.unique(pixels, axis=0, return_inverse=True)
        inverse = inverse.reshape(-1)
        if weights is None:
            counts = np.bincount(inverse, minlength=colours.shape[0]).astype(np.float64)
        else:
            counts = np.bincount(inverse, weights=weights, minlength=colours.shape[0])
    keep = counts > 0
    if not keep.all():
        colours, counts = colours[keep], counts[keep]
    return colours, counts


def merge_colours(first, second):
    """The histogram of two histograms ``(colours, counts)`` put together."""
    colours = np.concatenate([first[0], second[0]])
    return distinct_colours(colours, np.concatenate([first[1], second[1]]))


# Nearest palette entries ----------------------------------------------------


def _block_rows(n_entries, n_channels=1):
    return max(1, BLOCK_BYTES // (8 * n_entries * max(1, n_channels)))


def _nearest_float32(points, palette):
    """Index of the nearest palette entry, in float32 (exact for small integers).

    ``points`` and ``palette`` are float32. Ties go to the lower index.
    """
    # |p|^2 - 2 x.p as one product: [x, 1] @ [-2 p, |p|^2].T
    n_points, n_channels = points.shape
    weights = np.empty((n_channels + 1, palette.shape[0]), dtype=np.float32)
    weights[:n_channels] = -2.0 * palette.T
    weights[n_channels] = np.einsum("ij,ij->i", palette, palette)
    codes = np.empty(n_points, dtype=np.intp)
    step = min(n_points, _block_rows(palette.shape[0]))
    rows = np.ones((step, n_channels + 1), dtype=np.float32)
    block = np.empty((step, palette.shape[0]), dtype=np.float32)
    for start in range(0, n_points, step):
        stop = min(start + step, n_points)
        rows[: stop - start, :n_channels] = points[start:stop]
        np.matmul(rows[: stop - start], weights, out=block[: stop - start])
        codes[start:stop] = block[: stop - start].argmin(axis=1)
    return codes


def _nearest_float64(points, palette):
    """Index of the nearest palette entry by ``((x - p) ** 2).sum()``, in float64.

    The distances are expanded as ``|x|^2 - 2 x.p + |p|^2`` (fast), and
    recomputed directly for the rows where rounding could change the order of
    the nearest entries: the result is the argmin of the direct sum, ties to
    the lower index.
    """
    n_channels = palette.shape[1]
    norms = np.einsum("ij,ij->i", palette, palette)
    slack = 4.0 * (n_channels + 2) * np.finfo(np.float64).eps
    codes = np.empty(points.shape[0], dtype=np.intp)
    step = _block_rows(palette.shape[0], n_channels)
    palette_t = np.ascontiguousarray(palette.T)
    largest_norm = norms.max()
    for start in range(0, points.shape[0], step):
        rows = points[start : start + step]
        block = rows @ palette_t
        block *= -2.0
        block += norms
        point_norms = np.einsum("ij,ij->i", rows, rows)
        block_codes = block.argmin(axis=1)
        least = np.take_along_axis(block, block_codes[:, np.newaxis], axis=1)
        tolerance = slack * (point_norms + largest_norm)[:, np.newaxis]
        unsure = np.count_nonzero(block <= least + tolerance, axis=1) > 1
        if unsure.any():
            differences = rows[unsure, np.newaxis, :] - palette
            block_codes[unsure] = np.square(differences).sum(axis=2).argmin(axis=1)
        codes[start : start + step] = block_codes
    return codes


def nearest_codes(pixels, palette, dtype=np.uint8, out=None, *, distinct=False):
    """Code of the nearest palette entry of every pixel, exactly.

    Nearest by squared Euclidean distance, ties to the lower index. uint8
    pixels on a uint8 palette are compared in float32, where their integer
    distances are exact; anything else in float64, checked against the direct
    sum of squares where the order of the nearest entries is in doubt. Pixels
    are mapped a chunk at a time, each chunk by its distinct colours (for
    uint8 RGB), so the memory used beyond the codes is a few megabytes.

    Parameters
    ----------
    pixels : ndarray of shape (n_pixels, n_channels)
    palette : ndarray of shape (n_entries, n_channels)
    dtype : dtype of the codes
    out : ndarray of shape (n_pixels,), optional
    distinct : bool, default=False
        Whether the pixels are known to be distinct colours (not worth
        deduplicating).

    Returns
    -------
    codes : ndarray of shape (n_pixels,)
    """
    codes = np.empty(pixels.shape[0], dtype=dtype) if out is None else out
    n_channels = palette.shape[1]
    exact32 = (
        pixels.dtype == np.uint8
        and palette.dtype == np.uint8
        and n_channels <= MAX_EXACT_FLOAT32_CHANNELS
    )
    pal = palette.astype(np.float32 if exact32 else np.float64)
    for start in range(0, pixels.shape[0], CHUNK_PIXELS):
        chunk = pixels[start : start + CHUNK_PIXELS]
        if exact32 and n_channels <= 4 and not distinct:
            keys, inverse = _unique_keys(_pack_keys(chunk), return_inverse=True)
            colours = _unpack_keys(keys, n_channels).astype(np.float32)
            codes[start : start + chunk.shape[0]] = _nearest_float32(colours, pal)[inverse]
        elif exact32:
            codes[start : start + chunk.shape[0]] = _nearest_float32(
                chunk.astype(np.float32), pal
            )
        else:
            codes[start : start + chunk.shape[0]] = _nearest_float64(
                chunk.astype(np.float64), pal
            )
    return codes


def squared_error(pixels, palette, codes=None):
    """Sum of the squared differences between the pixels and their palette entries."""
    total = 0.0
    for start in range(0, pixels.shape[0], CHUNK_PIXELS):
        chunk = pixels[start : start + CHUNK_PIXELS]
        chunk_codes = (
            nearest_codes(chunk, palette, np.intp)
            if codes is None
            else codes[start : start + CHUNK_PIXELS]
        )
        error = chunk.astype(np.float64) - palette[chunk_codes]
        total += float(np.einsum("ij,ij->", error, error))
    return total


# Wu's box splitting -----------------------------------------------------------


def _wu_table(colours, counts):
    """Cumulative moments (weight, sums of R, G, B, sum of squares) of the boxes."""
    cells = (colours >> 3).astype(np.intp) + 1
    index = (cells[:, 0] * _WU_SIDE + cells[:, 1]) * _WU_SIDE + cells[:, 2]
    values = colours.astype(np.float64)
    size = _WU_SIDE**3
    moments = np.empty((size, 5))
    moments[:, 0] = np.bincount(index, weights=counts, minlength=size)
    for channel in range(3):
        moments[:, 1 + channel] = np.bincount(
            index, weights=counts * values[:, channel], minlength=size
        )
    moments[:, 4] = np.bincount(
        index, weights=counts * np.einsum("ij,ij->i", values, values), minlength=size
    )
    table = moments.reshape(_WU_SIDE, _WU_SIDE, _WU_SIDE, 5)
    # Running sums along each axis, a slab at a time (the sums np.cumsum
    # makes, in the same order, faster on this layout).
    for axis in range(3):
        slabs = np.moveaxis(table, axis, 0)
        for cell in range(1, _WU_SIDE):
            np.add(slabs[cell], slabs[cell - 1], out=slabs[cell])
    return table


# The 8 corners of a box (lower bound exclusive, upper inclusive), with the
# sign each cumulative sum takes: + for an odd number of upper bounds.
_CORNERS = np.array([[r, g, b] for r in (1, 0) for g in (1, 0) for b in (1, 0)])
_SIGNS = np.where(_CORNERS.sum(axis=1) % 2 == 1, 1.0, -1.0)
# Every possible cut: the last cell of the lower part, along each axis.
_POSITIONS = np.arange(1, _WU_SIDE)
# _MOVED_ON_AXIS[k, c]: corner c takes its upper bound on axis k (so moves with a cut on k).
_MOVED_ON_AXIS = _CORNERS.T == 1
_STRIDES = np.array([_WU_SIDE * _WU_SIDE, _WU_SIDE, 1])


def _best_cuts(table, boxes):
    """The best cut of each box.

    Parameters
    ----------
    table : ndarray of shape (33, 33, 33, 5)
        Cumulative moments (:func:`_wu_table`).
    boxes : ndarray of shape (n_boxes, 3, 2)
        Lower (exclusive) and upper (inclusive) bound of each box on each axis.

    Returns
    -------
    gains : ndarray of shape (n_boxes,)
        The drop in squared error of the best cut, ``|S_1|^2 / w_1 + |S_2|^2
        / w_2 - |S|^2 / w`` for the weights ``w`` and sums ``S`` of the two
        parts and the box; -1 when no cut leaves colours on both sides.
    axes, positions : ndarray of shape (n_boxes,), int
        Axis and position (last cell of the lower part) of the best cut.
    wholes : ndarray of shape (n_boxes, 5)
        Moments of each box: weight, sums of R, G and B, sum of squares.
    """
    corners = boxes[:, np.arange(3), _CORNERS]  # (n_boxes, 8, 3)
    flat_corners = corners @ _STRIDES  # (n_boxes, 8): flat indices into the table
    table = table.reshape(-1, 5)
    wholes = _SIGNS @ table[flat_corners]
    # A cut at p on axis k moves the upper bound on k of the corners that have it.
    shifts = (_POSITIONS - boxes[:, :, 1:]) * _STRIDES[:, np.newaxis]  # (n_boxes, 3, 32)
    flat = flat_corners[:, np.newaxis, np.newaxis, :] + (
        _MOVED_ON_AXIS[np.newaxis, :, np.newaxis, :] * shifts[..., np.newaxis]
    )  # (n_boxes, 3 axes, 32 positions, 8 corners)
    lower = np.einsum("c,nkpcm->nkpm", _SIGNS, table[flat])
    upper = wholes[:, np.newaxis, np.newaxis] - lower
    with np.errstate(divide="ignore", invalid="ignore"):
        score = (
            np.einsum("...j,...j->...", lower[..., 1:4], lower[..., 1:4]) / lower[..., 0]
        )
        score += (
            np.einsum("...j,...j->...", upper[..., 1:4], upper[..., 1:4]) / upper[..., 0]
        )
    # Inside the box, with colours (a weight above rounding noise) on both sides.
    tiny = 1e-9 * wholes[:, 0, np.newaxis, np.newaxis]
    valid = (
        (boxes[:, :, :1] < _POSITIONS)
        & (boxes[:, :, 1:] > _POSITIONS)
        & (lower[..., 0] > tiny)
        & (upper[..., 0] > tiny)
    )
    score = np.where(valid, score, -np.inf).reshape(boxes.shape[0], -1)
    best = score.argmax(axis=1)
    with np.errstate(invalid="ignore"):
        gains = score[np.arange(boxes.shape[0]), best] - np.einsum(
            "ij,ij->i", wholes[:, 1:4], wholes[:, 1:4]
        ) / np.maximum(wholes[:, 0], tiny[:, 0, 0])
    gains = np.where(valid.reshape(boxes.shape[0], -1).any(axis=1), gains, -1.0)
    axes, positions = np.divmod(best, _POSITIONS.size)
    return gains, axes, _POSITIONS[positions], wholes


def wu_palette(colours, counts, n_colors):
    """Initial palette of uint8 RGB colours by Wu's greedy box splitting.

    Parameters
    ----------
    colours : ndarray of shape (n_colours, 3), uint8
    counts : ndarray of shape (n_colours,)
    n_colors : int
        Number of boxes wanted.

    Returns
    -------
    centres : ndarray of shape (n_boxes, 3), float64
        The mean colour of each box; fewer than ``n_colors`` boxes when every
        box that holds several colours is a single 5-bit cell.
    """
    table = _wu_table(colours, counts)
    boxes = np.array([[[0, _WU_SIDE - 1]] * 3])
    gains, axes, positions, wholes = _best_cuts(table, boxes)
    # A max-heap of the boxes by gain; ties to the older box.
    heap = [(-gains[0], 0, boxes[0], int(axes[0]), int(positions[0]), wholes[0])]
    done = []  # moments of the boxes no cut can improve
    n_boxes = serial = 1
    while heap and n_boxes < n_colors:
        negative_gain, _, box, axis, position, whole = heapq.heappop(heap)
        if not -negative_gain > 0.0:
            done.append(whole)
            continue
        children = np.stack([box, box])
        children[0, axis, 1] = position
        children[1, axis, 0] = position
        gains, axes, positions, wholes = _best_cuts(table, children)
        for child in range(2):
            entry = (-gains[child], serial, children[child], int(axes[child]))
            heapq.heappush(heap, (*entry, int(positions[child]), wholes[child]))
            serial += 1
        n_boxes += 1
    moments = np.array(done + [entry[5] for entry in sorted(heap, key=lambda e: e[1])])
    return moments[:, 1:4] / moments[:, :1]


def cell_means(colours, counts, bits):
    """Weighted mean colour and weight of each occupied cell of ``bits`` bits a channel."""
    shift = 8 - bits
    index = np.zeros(colours.shape[0], dtype=np.intp)
    for channel in range(colours.shape[1]):
        index <<= bits
        index |= colours[:, channel] >> shift
    size = 1 << (bits * colours.shape[1])
    weights = np.bincount(index, weights=counts, minlength=size)
    occupied = np.flatnonzero(weights)
    # The rank of each occupied cell: the sums below fill only those.
    rank = np.zeros(size, dtype=np.intp)
    rank[occupied] = np.arange(occupied.size)
    index = rank[index]
    weights = weights[occupied]
    means = np.empty((occupied.size, colours.shape[1]))
    for channel in range(colours.shape[1]):
        means[:, channel] = np.bincount(
            index, weights=counts * colours[:, channel], minlength=occupied.size
        )
    means /= weights[:, np.newaxis]
    return means, weights


# Lloyd's iterations -----------------------------------------------------------


def _weighted_channels(points, weights):
    """The products ``weights * points[:, channel]``, channel by channel."""
    return [weights * points[:, channel] for channel in range(points.shape[1])]


def weighted_means(points, weights, codes, centres, weighted=None):
    """The weighted mean of the points of each code; ``centres`` where a code has none.

    ``weighted``: :func:`_weighted_channels` of the points, when already known.
    """
    if weighted is None:
        weighted = _weighted_channels(points, weights)
    totals = np.bincount(codes, weights=weights, minlength=centres.shape[0])
    means = centres.copy()
    filled = totals > 0
    for channel in range(points.shape[1]):
        sums = np.bincount(codes, weights=weighted[channel], minlength=centres.shape[0])
        means[filled, channel] = sums[filled] / totals[filled]
    return means, filled


def lloyd(points, weights, centres, max_iter):
    """Weighted Lloyd's iterations from ``centres``.

    Each pass assigns every point to its nearest centre (float32 distances:
    a step of the search, not the final mapping) and moves each centre to the
    weighted mean of its points. A centre left without points moves to the
    point that costs most (weight times squared distance), as scikit-learn's
    KMeans relocates empty clusters. Stops after ``max_iter`` passes, or when
    no point changed centre.

    Returns
    -------
    centres : ndarray, float64
    n_iter : int
        Number of passes made.
    """
    points32 = points.astype(np.float32)
    weighted = _weighted_channels(points, weights)
    codes = None
    n_iter = 0
    for n_iter in range(1, max_iter + 1):  # noqa: B007 (n_iter is returned)
        new_codes = _nearest_float32(points32, centres.astype(np.float32))
        if codes is not None and np.array_equal(codes, new_codes):
            break
        codes = new_codes
        centres, filled = weighted_means(points, weights, codes, centres, weighted)
        if not filled.all():
            centres = _relocate_empty(points, weights, codes, centres, ~filled)
    return centres, n_iter


def _relocate_empty(points, weights, codes, centres, empty):
    errors = weights * np.square(points - centres[codes]).sum(axis=1)
    n_empty = int(np.count_nonzero(empty))
    farthest = np.argsort(-errors, kind="stable")[:n_empty]
    farthest = farthest[errors[farthest] > 0]
    centres = centres.copy()
    centres[np.flatnonzero(empty)[: farthest.size]] = points[farthest]
    return centres


def add_centres(points, weights, centres, n_colors):
    """Add centres at the points that cost most, up to ``n_colors`` centres."""
    n_missing = n_colors - centres.shape[0]
    if n_missing <= 0:
        return centres
    codes = _nearest_float64(points.astype(np.float64), centres)
    errors = weights * np.square(points - centres[codes]).sum(axis=1)
    farthest = np.argsort(-errors, kind="stable")[:n_missing]
    return np.concatenate([centres, points[farthest].astype(np.float64)])


def round_palette(colours, counts, centres, n_rounds=2):
    """A uint8 palette from float centres: rounded means of exact assignments.

    The rounded mean of a cluster is the integer colour that costs it least,
    so each round (assign every distinct colour to its exact nearest entry,
    then take the rounded weighted means) can only lower the error.
    """
    palette = np.clip(np.rint(centres), 0, 255).astype(np.uint8)
    values = colours.astype(np.float64)
    values32 = colours.astype(np.float32)
    weighted = _weighted_channels(values, counts) if n_rounds > 1 else None
    for _ in range(n_rounds):
        codes = _nearest_float32(values32, palette.astype(np.float32))
        means, _ = weighted_means(
            values, counts, codes, palette.astype(np.float64), weighted
        )
        palette = np.clip(np.rint(means), 0, 255).astype(np.uint8)
    return palette


STAGES = {5: 5, 6: 5, 8: 2, "round": 1}


def fit_rgb_palette(colours, counts, n_colors, max_iter):
    """Palette of a uint8 RGB histogram: Wu's splitting, then Lloyd from coarse to fine.

    Lloyd's passes run on the mean colours of the occupied 5-bit cells, then
    of the 6-bit cells, then on the distinct colours themselves, each stage
    starting from the centres of the one before; the centres are then
    rounded to uint8 (:func:`round_palette`).

    Returns
    -------
    palette : ndarray of shape (n_colors, 3), uint8
    n_iter : int
        Number of passes on the distinct colours.
    """
    centres = wu_palette(colours, counts, n_colors)
    values = colours.astype(np.float64)
    for bits in (5, 6):
        points, weights = cell_means(colours, counts, bits)
        if points.shape[0] > n_colors:
            centres = add_centres(points, weights, centres, n_colors)
            centres, _ = lloyd(points, weights, centres, STAGES[bits])
    centres = add_centres(values, counts, centres, n_colors)
    centres, n_iter = lloyd(values, counts, centres, STAGES[8])
    return round_palette(colours, counts, centres, STAGES["round"]), n_iter

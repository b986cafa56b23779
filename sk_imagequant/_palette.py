"""Numeric kernels of ColorQuantizer. No scikit-learn here.

- :func:`distinct_colours`, :func:`merge_colours`: the colour histogram, every
  distinct colour (a row of C values) with its total weight;
- :func:`morton_histogram`, :func:`cell_moments`: uint8 RGB colours by Morton
  key, so that the colours of every cell of the colour cube lie together;
- :func:`fit_rgb_palette`: palettes of up to 64 colours: principal-axis
  splitting (:func:`principal_splits`, Orchard and Bouman 1991) of the
  occupied cells, then over-relaxed Lloyd's passes on the cells' mean
  colours (:func:`lloyd`);
- :func:`histogram_codes`: the exact codes of the pixels, whole cells at a
  time where a cell lies on one palette entry's side (:func:`resolved_cells`);
- :func:`wu_palette`, :func:`fit_large_rgb_palette`: palettes of more than
  64 colours: Xiaolin Wu's greedy variance-minimising splitting of the RGB
  cube ("Efficient statistical computations for optimal color
  quantization", Graphics Gems II, 1991): the moments of the colours are
  summed in a 33 x 33 x 33 table of 5-bit cells (index 0 is a zero border),
  whose cumulative sums give the weight, sum and sum of squares of any box in
  8 look-ups; the box whose best cut along an axis lowers the squared error
  most is cut next; then Lloyd's passes from coarse cells to the colours;
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


# Morton order -------------------------------------------------------------------
#
# The Morton key of a uint8 RGB colour interleaves the bits of its channels,
# most significant first: r7 g7 b7 r6 g6 b6 ... r0 g0 b0 (24 bits). Sorted by
# key, the colours of every cell of any size (those sharing the top ``bits``
# bits of each channel) lie together, and a colour's cell is its key shifted
# right by ``3 * (8 - bits)``: the histogram of the distinct colours gives the
# moments of the cells of every size by sums over runs.


def _spread_bits(values):
    """Bit i of each value moved to bit 3 i."""
    spread = np.zeros_like(values)
    for bit in range(8):
        spread |= ((values >> bit) & 1) << (3 * bit)
    return spread


def _gather_bits(values, channel):
    """The 4 bits of ``channel`` in 12 bits of Morton key, as a 4-bit number."""
    gathered = np.zeros_like(values)
    for bit in range(4):
        gathered |= ((values >> (3 * bit + 2 - channel)) & 1) << bit
    return gathered


_SPREAD = _spread_bits(np.arange(256, dtype=np.uint32))
_MORTON = (_SPREAD << 2, _SPREAD << 1, _SPREAD)
# 12 bits of key (4 of each channel) -> those bits of the colour as 0x00RRGGBB.
_TWELVE = np.arange(4096, dtype=np.uint32)
_UNMORTON_LOW = (
    (_gather_bits(_TWELVE, 0) << 16)
    | (_gather_bits(_TWELVE, 1) << 8)
    | _gather_bits(_TWELVE, 2)
)
_UNMORTON_HIGH = _UNMORTON_LOW << 4


# The bits of R and G of a Morton key, looked up by 256 R + G (256 KB).
_MORTON_RG = (_MORTON[0][:, np.newaxis] | _MORTON[1]).ravel()


def morton_keys(pixels):
    """The Morton key (uint32) of each uint8 RGB row."""
    # Two look-ups: R and G together, then B. (mode="clip": no bounds to check.)
    pairs = pixels[:, 0].astype(np.uint16)
    pairs <<= np.uint16(8)
    pairs |= pixels[:, 1]
    keys = np.take(_MORTON_RG, pairs, mode="clip")
    keys |= np.take(_MORTON[2], pixels[:, 2], mode="clip")
    return keys


def morton_colours(keys):
    """The uint8 RGB colours of Morton keys, shape ``(n, 3)``."""
    packed = np.take(_UNMORTON_HIGH, keys >> 12)
    packed |= np.take(_UNMORTON_LOW, keys & 0xFFF)
    # The bytes of 0x00RRGGBB, least significant first.
    return packed.astype("<u4", copy=False).view(np.uint8).reshape(-1, 4)[:, 2::-1]


def morton_histogram(pixels):
    """The distinct uint8 RGB colours of ``pixels`` by Morton key, with their counts.

    Returns
    -------
    pixel_keys : ndarray of shape (n_pixels,), uint32
        The key of each pixel.
    keys : ndarray of shape (n_colours,), uint32
        The distinct keys, sorted.
    counts : ndarray of shape (n_colours,), float64
    """
    pixel_keys = morton_keys(pixels)
    keys, counts = _unique_keys(pixel_keys)
    return pixel_keys, keys, counts.astype(np.float64)


def sort_by_morton(colours, counts):
    """The histogram ``(colours, counts)`` of uint8 RGB colours as sorted Morton keys."""
    keys = morton_keys(colours)
    order = np.argsort(keys, kind="stable")
    return keys[order], counts[order]


def _run_starts(values):
    """Indices where a run of equal values starts, in a sorted array."""
    first = np.empty(values.size, dtype=bool)
    first[:1] = True
    np.not_equal(values[1:], values[:-1], out=first[1:])
    return np.flatnonzero(first)


def cell_moments(keys, counts, bits, colours=None):
    """Weight and weighted sums of the channels of each occupied cell.

    Parameters
    ----------
    keys : ndarray of shape (n_colours,), uint32
        Sorted Morton keys of the distinct colours.
    counts : ndarray of shape (n_colours,)
    bits : int
        Size of the cells: the top ``bits`` bits of each channel (8: the
        colours themselves).
    colours : ndarray of shape (n_colours, 3), optional
        ``morton_colours(keys)``, when known.

    Returns
    -------
    cells : ndarray of shape (n_cells,), uint32
        Each occupied cell's Morton key, sorted.
    moments : ndarray of shape (4, n_cells)
        Weight, and the weighted sums of R, G and B, of each cell.
    """
    if colours is None:
        colours = morton_colours(keys)
    if bits == 8:
        moments = np.empty((4, keys.size))
        moments[0] = counts
        np.multiply(counts, colours.T, out=moments[1:])
        return keys, moments
    cells = keys >> np.uint32(3 * (8 - bits))
    starts = _run_starts(cells)
    return cells[starts], _run_moments(counts, colours, keys, starts)


def _run_moments(counts, colours, keys, starts):
    """Weight and weighted channel sums of the runs of colours from ``starts``."""
    if colours is None:
        colours = morton_colours(keys)
    moments = np.empty((4, starts.size))
    moments[0] = np.add.reduceat(counts, starts)
    for channel in range(3):
        moments[1 + channel] = np.add.reduceat(counts * colours[:, channel], starts)
    return moments


def coarser_cells(cells, moments, n_levels=1):
    """:func:`cell_moments` of cells ``n_levels`` bits coarser, from finer ones."""
    cells = cells >> np.uint32(3 * n_levels)
    starts = _run_starts(cells)
    return cells[starts], np.add.reduceat(moments, starts, axis=1)


def _n_runs(values):
    """Number of runs of equal values in a sorted array."""
    return int(np.count_nonzero(values[1:] != values[:-1])) + 1


def _means(moments):
    """The mean colours ``(3, n)`` of moments ``(4, n)``."""
    return moments[1:] / moments[0]


# Principal-axis splitting ---------------------------------------------------------


def principal_splits(moments, n_colors):
    """Initial centres by greedy splitting across principal axes.

    Orchard and Bouman's binary splitting ("Color quantization of images",
    IEEE Trans. Signal Processing 39(12), 1991), with the best cut along the
    principal axis rather than one through the mean: starting from one
    cluster of every point, the cluster of largest squared error is cut
    next, until there are ``n_colors`` clusters or none can be cut. A cut
    orders the cluster's points by their projection on its principal axis
    (the eigenvector of the largest eigenvalue of their weighted scatter
    matrix) and keeps, of every cut of that order in
    two, the one that lowers the squared error most, ``|S_1|^2 / w_1 +
    |S_2|^2 / w_2 - |S|^2 / w`` for the weights ``w`` and sums ``S`` of the
    two parts and the whole.

    Parameters
    ----------
    moments : ndarray of shape (4, n_points)
        Weight and weighted channels of each point (cell).
    n_colors : int

    Returns
    -------
    centres : ndarray of shape (n_clusters, 3), float64
        The weighted mean of each cluster, ``n_clusters <= n_colors``.
    """
    points = _means(moments)
    # Each point's weight, weighted channels and weighted products of
    # channels (xx, xy, xz, yy, yz, zz): sums over a cluster give its
    # weight, mean and scatter matrix.
    products = np.empty((10, points.shape[1]))
    products[:4] = moments
    for row, (i, j) in enumerate(_PAIRS, start=4):
        np.multiply(moments[1 + i], points[j], out=products[row])

    def error(total):
        w, r, g, b, rr, _, _, gg, _, bb = total.tolist()
        return rr + gg + bb - (r * r + g * g + b * b) / w

    whole = products.sum(axis=1)
    # A max-heap by squared error, ties to the older cluster.
    heap = [(-error(whole), 0, np.arange(points.shape[1]), whole)]
    done = []
    serial = 1
    while heap and len(heap) + len(done) < n_colors:
        item = heapq.heappop(heap)
        members, total = item[2], item[3]
        if members.size < 2 or not -item[0] > 0.0:
            done.append(item)
            continue
        scatter = total[_SCATTER]
        scatter -= total[1:4, np.newaxis] * (total[1:4] / total[0])
        axis = np.linalg.eigh(scatter)[1][:, -1]
        order = np.argsort(axis @ np.take(points, members, axis=1))
        ordered = np.take(products, members[order], axis=1)
        lower = np.cumsum(ordered[:4, :-1], axis=1)
        upper = total[:4, np.newaxis] - lower
        scores = np.einsum("ij,ij->j", lower[1:], lower[1:]) / lower[0]
        scores += np.einsum("ij,ij->j", upper[1:], upper[1:]) / upper[0]
        best = int(np.argmax(scores)) + 1
        lower_total = ordered[:, :best].sum(axis=1)
        for part, part_total in (
            (members[order[:best]], lower_total),
            (members[order[best:]], total - lower_total),
        ):
            heapq.heappush(heap, (-error(part_total), serial, part, part_total))
            serial += 1
    totals = np.array([item[3] for item in done + sorted(heap, key=lambda item: item[1])])
    return totals[:, 1:4] / totals[:, :1]


# The channel pairs of the products, and where the scatter matrix takes them.
_PAIRS = ((0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2))
_SCATTER = np.array([[4, 5, 6], [5, 7, 8], [6, 8, 9]])


# Lloyd's iterations ---------------------------------------------------------------

# Largest block of distances (centres x points) held at once.
BLOCK_ENTRIES = 1 << 18
# The same for the exact codes: blocks that stay in cache.
CODES_BLOCK_ENTRIES = 1 << 16


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


def lloyd(moments, centres, max_iter, tol=0.0, relax=1.0, error_tol=0.0):
    """Weighted Lloyd's iterations from ``centres``.

    Each pass assigns every point to its nearest centre and moves each
    centre to the weighted mean of its points. A centre left without points
    moves to the point that costs most (weight times squared distance), as
    scikit-learn's KMeans relocates empty clusters. Over-relaxed with
    ``relax`` > 1: each centre then moves ``relax`` times its step, past the
    mean (2 halves the passes needed here). Stops after ``max_iter`` passes,
    when no point changed centre, when no mean moved by ``tol`` or more on
    any channel, or when the squared error of the points about their means
    fell by at most ``error_tol`` times itself; the means are returned.

    The nearest centres are found with float distances (float32 up to 256
    centres), each centre's index written in the lowest bits of its
    distances (their bit patterns, as integers, are in the order of the
    floats), so that one minimum over the centres gives the nearest: a step
    of the search, not the exact final mapping.

    Parameters
    ----------
    moments : ndarray of shape (4, n_points)
        Each point's weight and weighted channels (:func:`cell_moments`).
    centres : ndarray of shape (n_centres, 3)
    max_iter : int
    tol : float
    relax : float
    error_tol : float

    Returns
    -------
    centres : ndarray of shape (n_centres, 3), float64
    n_iter : int
        Number of passes made.
    """
    n_centres, n_points = centres.shape[0], moments.shape[1]
    points = _means(moments)
    dtype, as_int = (np.float32, np.int32) if n_centres <= 256 else (np.float64, np.int64)
    mask = as_int((1 << max(1, (n_centres - 1).bit_length())) - 1)
    augmented = np.empty((5, n_points), dtype)  # the columns [x, 1, |x|^2]
    augmented[:3] = points
    augmented[3] = 1.0
    augmented[4] = np.einsum("ij,ij->j", points, points)
    weights = np.empty((n_centres, 5), dtype)  # the rows [-2 c, |c|^2, 1]
    weights[:, 4] = 1.0
    index = np.arange(n_centres, dtype=as_int)[:, np.newaxis]
    step = max(1, BLOCK_ENTRIES // n_centres)
    block = np.empty((n_centres, min(step, n_points)), dtype)
    codes = np.empty(n_points, dtype=as_int)
    previous_codes = means = None
    # The squared error of an assignment: sum of w |x|^2, less |S|^2 / w of each centre.
    total_squares = float(np.einsum("ij,ij->", moments[1:], points))
    previous_error = np.inf
    n_iter = 0
    for n_iter in range(1, max_iter + 1):  # noqa: B007 (n_iter is returned)
        weights[:, :3] = centres
        weights[:, :3] *= -2.0
        weights[:, 3] = np.einsum("ij,ij->i", centres, centres)
        for start in range(0, n_points, step):
            part = block[:, : min(step, n_points - start)]
            np.matmul(weights, augmented[:, start : start + step], out=part)
            as_ints = part.view(as_int)
            as_ints &= ~mask
            as_ints |= index
            np.minimum.reduce(as_ints, axis=0, out=codes[start : start + step])
        codes &= mask
        if previous_codes is not None and np.array_equal(codes, previous_codes):
            break
        previous_codes = codes.copy()
        labels = codes.astype(np.intp)
        sums = np.array([np.bincount(labels, row, n_centres) for row in moments])
        previous_means = centres if means is None else means
        if sums[0].all():
            means = (sums[1:] / sums[0]).T
        else:
            filled = sums[0] > 0
            means = centres.copy()
            means[filled] = (sums[1:, filled] / sums[0, filled]).T
            # Empty centres move to the points that cost most.
            errors = moments[0] * np.square(points - means[labels].T).sum(axis=0)
            n_empty = n_centres - np.count_nonzero(filled)
            farthest = np.argsort(-errors, kind="stable")[:n_empty]
            farthest = farthest[errors[farthest] > 0]
            means[np.flatnonzero(~filled)[: farthest.size]] = points[:, farthest].T
        error = total_squares - float(np.einsum("ij,ij->", means, sums[1:].T))
        if np.abs(means - previous_means).max() < tol or (
            previous_error - error <= error_tol * error
        ):
            break
        previous_error = error
        # Over-relaxed: past the means, along the step.
        centres = centres + relax * (means - centres)
    return (centres if means is None else means), n_iter


def add_centres(moments, centres, n_colors):
    """Add centres at the points that cost most, up to ``n_colors`` centres."""
    n_missing = n_colors - centres.shape[0]
    if n_missing <= 0:
        return centres
    points = _means(moments).T
    codes = _nearest_float64(points, centres)
    errors = moments[0] * np.square(points - centres[codes]).sum(axis=1)
    farthest = np.argsort(-errors, kind="stable")[:n_missing]
    return np.concatenate([centres, points[farthest]])


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


# The fit of uint8 RGB palettes ---------------------------------------------------

# Occupied cells wanted at the level of Lloyd's passes: at least
# CELLS_PER_ROOT_COLOUR * sqrt(n_colors) (3000 at 16 colours, 12000 at 256).
CELLS_PER_ROOT_COLOUR = 750
# The initial splitting works on cells this many bits coarser.
INIT_OFFSET = 1
# Lloyd's passes stop when no mean moves by this much (in colour units).
TOLERANCE = 0.5
# ... or when the squared error of the cells fell by less than this fraction.
ERROR_TOLERANCE = 1e-3
# Over-relaxation of Lloyd's passes: each centre moves this many times its step.
RELAX = 2.0
# Lloyd's passes on the cells: at most max_iter + EXTRA_PASSES.
EXTRA_PASSES = 3
# Above this many colours, the fit of large palettes (fit_large_rgb_palette).
LARGE_PALETTE = 64


def _levels(keys, counts, wanted, colours=None):
    """The level of Lloyd's passes, and the cell moments there and coarser.

    Returns
    -------
    level : int
        The coarsest cells (4 to 7 bits a channel) with at least ``wanted``
        occupied, else 8: the distinct colours themselves.
    moments : dict
        :func:`cell_moments` by bits, from ``level - INIT_OFFSET`` to ``level``.
    """
    cells = keys >> np.uint32(6)
    starts = _run_starts(cells)
    occupied = cells[starts]
    sizes = {4: _n_runs(occupied >> np.uint32(6)), 5: _n_runs(occupied >> np.uint32(3))}
    sizes[6] = occupied.size
    level = next((bits for bits in (4, 5, 6) if sizes[bits] >= wanted), None)
    if level is None:
        level = 7 if _n_runs(keys >> np.uint32(3)) >= wanted else 8
    if level == 6:  # the runs of the 6-bit cells are known
        moments = {6: (occupied, _run_moments(counts, colours, keys, starts))}
    else:
        moments = {level: cell_moments(keys, counts, level, colours)}
    for bits in range(level - 1, level - 1 - INIT_OFFSET, -1):
        moments[bits] = coarser_cells(*moments[bits + 1])
    return level, {bits: moments[bits][1] for bits in range(level - INIT_OFFSET, level + 1)}


def fit_rgb_palette(keys, counts, n_colors, max_iter, colours=None):
    """Palette of a uint8 RGB histogram, from cell moments.

    The level: the coarsest cells (from 4 to 7 bits a channel) of which at
    least ``CELLS_PER_ROOT_COLOUR * sqrt(n_colors)`` are occupied, or the
    distinct colours themselves when there are fewer. Principal-axis
    splitting of the cells one bit coarser gives the initial centres
    (:func:`principal_splits`); over-relaxed Lloyd's passes on the mean
    colours of the cells of the level, weighted by their counts
    (:func:`lloyd`, each centre moved ``RELAX`` = 2 times its step), move
    them until the means settle (none moves by ``TOLERANCE``) or the cells'
    squared error falls by less than ``ERROR_TOLERANCE`` of itself in a
    pass, at most ``max_iter + EXTRA_PASSES`` passes. The means are rounded
    to uint8.

    Why not Wu's box splitting here, as above 64 colours: the principal axis
    of a cluster follows its colours where Wu's cuts follow the axes of the
    cube, so Lloyd's passes start nearer to a good palette. Followed by the
    same passes, on the five images of ``benchmarks/bench_color.py``, Wu's
    start gives 1.009 times the error of ``KMeans`` on every pixel in the
    geometric mean at 16 colours (worst 1.026, coffee) and 1.015 at 64;
    principal axes 0.991 (worst 1.005, chelsea) and 1.011.

    Above ``LARGE_PALETTE`` colours, whose clusters are small beside the
    cells, :func:`fit_large_rgb_palette` instead.

    Parameters
    ----------
    keys : ndarray of shape (n_colours,), uint32
        Sorted Morton keys of the distinct colours (:func:`sort_by_morton`).
    counts : ndarray of shape (n_colours,)
    n_colors : int
        Fewer than ``n_colours``.
    max_iter : int
    colours : ndarray of shape (n_colours, 3), optional
        ``morton_colours(keys)``, when known.

    Returns
    -------
    palette : ndarray of shape (n_colors, 3), uint8
    n_iter : int
        Number of Lloyd's passes.
    """
    if n_colors > LARGE_PALETTE:
        if colours is None:
            colours = morton_colours(keys)
        order = np.lexsort(colours.T[::-1])  # the colours in lexicographic order
        return fit_large_rgb_palette(colours[order], counts[order], n_colors, max_iter)
    wanted = CELLS_PER_ROOT_COLOUR * np.sqrt(n_colors)
    level, moments = _levels(keys, counts, wanted, colours)
    centres = principal_splits(moments[level - INIT_OFFSET], n_colors)
    centres = add_centres(moments[level], centres, n_colors)
    centres, n_iter = lloyd(
        moments[level], centres, max_iter + EXTRA_PASSES, TOLERANCE, RELAX, ERROR_TOLERANCE
    )
    return np.clip(np.rint(centres), 0, 255).astype(np.uint8), n_iter


# The exact codes of a histogram's pixels ------------------------------------------

# Up to this many entries, the integer distances below (scaled by 2**5 at most,
# with the entry's index in the low bits) stay under 2**24: float32 holds them
# exactly.
MAX_FLOAT32_ENTRIES = 32


def _scaled_distances(palette, factor):
    """Rows ``[factor * -p, |p|^2]`` scaled by ``2**b``, the index in the low bits.

    Multiplied by a column ``[x, 1]`` of integers, they give ``2**b * (|p|^2 -
    factor * x.p) + index`` for each entry ``p``: exact integers, whose least
    over the palette carries the nearest entry's index in its ``b`` low bits
    (ties to the lower index).

    Returns
    -------
    weights : ndarray of shape (n_entries, 4)
        float32 up to ``MAX_FLOAT32_ENTRIES`` entries, float64 above.
    scale : int
        ``2**b``, the smallest power of two above every index.
    """
    n_entries = palette.shape[0]
    scale = 1 << max(1, (n_entries - 1).bit_length())
    entries = palette.astype(np.int64)
    weights = np.empty((n_entries, 4), dtype=np.int64)
    weights[:, :3] = -factor * scale * entries
    weights[:, 3] = scale * np.einsum("ij,ij->i", entries, entries) + np.arange(n_entries)
    dtype = np.float32 if n_entries <= MAX_FLOAT32_ENTRIES else np.float64
    return weights.astype(dtype), scale


def exact_codes(colours, palette):
    """Index of the nearest palette entry of uint8 colours, exactly (ties low).

    The distances ``|p|^2 - 2 x.p`` of integer colours are integers, exact in
    float32 up to ``MAX_FLOAT32_ENTRIES`` entries (float64 above); each is
    scaled by ``2**b`` and the entry's index added, so that the least of them
    over the palette is the nearest entry.

    Parameters
    ----------
    colours : ndarray of shape (n_colours, 3), uint8, or (n_colours,), uint32
        The colours, or their Morton keys.
    palette : ndarray of shape (n_entries, 3), uint8

    Returns
    -------
    codes : ndarray of shape (n_colours,), int64
    """
    weights, scale = _scaled_distances(palette, 2)
    n_points = colours.shape[0]
    codes = np.empty(n_points, dtype=np.int64)
    # Blocks of distances that stay in cache (256 KB in float32).
    step = max(1, CODES_BLOCK_ENTRIES // palette.shape[0])
    rows = np.ones((4, min(step, n_points)), dtype=weights.dtype)
    for start in range(0, n_points, step):
        chunk = colours[start : start + step]
        width = chunk.shape[0]
        if colours.ndim == 1:  # Morton keys: their colours as 0x00RRGGBB
            packed = np.take(_UNMORTON_HIGH, chunk >> np.uint32(12))
            packed |= np.take(_UNMORTON_LOW, chunk & np.uint32(0xFFF))
            rows[0, :width] = packed >> np.uint32(16)
            rows[1, :width] = (packed >> np.uint32(8)) & np.uint32(255)
            rows[2, :width] = packed & np.uint32(255)
        else:
            rows[:3, :width] = chunk.T
        block = weights @ rows[:, :width]
        codes[start : start + width] = np.minimum.reduce(block, axis=0)
    codes &= scale - 1
    return codes


# Cells of this many bits a channel look up their code as a whole.
LOOKUP_BITS = 6
# Above this many entries no cell is tested: every colour gets its exact code.
MAX_TESTED_ENTRIES = 256


def resolved_cells(cells, palette, bits=LOOKUP_BITS):
    """Which cells of the colour cube lie wholly on the side of one palette entry.

    A colour ``x`` is nearer to entry ``n`` than to ``j`` when ``D_j(x) =
    |x - p_j|^2 - |x - p_n|^2 > 0`` (``>= 0`` for ``j > n``: ties go to the
    lower index). ``D_j`` is linear in ``x``, so its least over a cell, a box
    of centre ``c`` and half side ``h``, is ``D_j(c) - 2 h |p_j - p_n|_1``
    (at a corner). A cell is resolved when that least is positive for every
    ``j``, ``n`` being the entry nearest to its centre: every colour of the
    cell then has code ``n``. This test is exact for the whole box (every
    corner is an integer colour), unlike a sphere around the centre.

    Parameters
    ----------
    cells : ndarray of shape (n_cells,), uint32
        Morton keys of cells of ``bits`` bits a channel.
    palette : ndarray of shape (n_entries, 3), uint8
        At most ``MAX_TESTED_ENTRIES`` entries.
    bits : int

    Returns
    -------
    resolved : ndarray of shape (n_cells,), bool
    nearest : ndarray of shape (n_cells,), int
        The entry nearest to each cell's centre: the code of every colour of
        a resolved cell.
    """
    n_entries = palette.shape[0]
    shift = 3 * (8 - bits)
    width = (1 << (8 - bits)) - 1  # 2 h: the colours of a cell span width + 1 values
    # Twice the centres: integers. With them, the rows give 2**b * (|p|^2 - 2 c.p) + j.
    doubled = 2 * morton_colours(cells << np.uint32(shift)).astype(np.int32) + width
    weights, scale = _scaled_distances(palette, 1)
    # gaps[j, n] = 2**b * (2 h |p_j - p_n|_1 + [j < n]) + j - n: a cell is resolved
    # when every row j of its block, less gaps[j, n], stays at or above row n.
    entries = palette.astype(np.int64)
    index = np.arange(n_entries)
    l1 = np.abs(entries[:, np.newaxis, :] - entries[np.newaxis, :, :]).sum(axis=2)
    gaps = (
        scale * (width * l1 + (index[:, np.newaxis] < index)) + index[:, np.newaxis] - index
    )
    gaps[index, index] = -(1 << 30)  # row n against itself: always passes
    gaps = gaps.astype(weights.dtype)
    resolved = np.empty(cells.size, dtype=bool)
    nearest = np.empty(cells.size, dtype=np.int64)
    step = max(1, CODES_BLOCK_ENTRIES // n_entries)
    rows = np.ones((4, min(step, cells.size)), dtype=weights.dtype)
    for start in range(0, cells.size, step):
        stop = min(start + step, cells.size)
        rows[:3, : stop - start] = doubled[start:stop].T
        block = weights @ rows[:, : stop - start]
        least = np.minimum.reduce(block, axis=0)
        codes = least.astype(np.int64) & (scale - 1)
        block -= np.take(gaps, codes, axis=1)
        resolved[start:stop] = np.minimum.reduce(block, axis=0) >= least
        nearest[start:stop] = codes
    return resolved, nearest


def histogram_codes(pixel_keys, keys, palette, dtype):
    """The exact code of each pixel of a uint8 RGB image, from its Morton key.

    The occupied cells of ``LOOKUP_BITS`` bits a channel that lie wholly on
    one entry's side (:func:`resolved_cells`) give their code to their
    pixels by a look-up table. The distinct colours of the other cells get
    their exact codes (:func:`exact_codes`), which their pixels look up by
    their place in their cell in a second table.

    Parameters
    ----------
    pixel_keys : ndarray of shape (n_pixels,), uint32
        Morton key of each pixel.
    keys : ndarray of shape (n_colours,), uint32
        The sorted distinct keys of the pixels.
    palette : ndarray of shape (n_entries, 3), uint8
    dtype : dtype of the codes

    Returns
    -------
    codes : ndarray of shape (n_pixels,)
    """
    n_entries = palette.shape[0]
    shift = 3 * (8 - LOOKUP_BITS)
    colour_cells = keys >> np.uint32(shift)
    starts = _run_starts(colour_cells)
    cells = colour_cells[starts]
    if n_entries <= MAX_TESTED_ENTRIES:
        resolved, cell_codes = resolved_cells(cells, palette)
    else:
        resolved = np.zeros(cells.size, dtype=bool)
        cell_codes = np.zeros(cells.size, dtype=np.int64)
    # First table: the code of a resolved cell, or n_entries + its rank among
    # the others.
    unresolved = np.flatnonzero(~resolved)
    cell_codes[unresolved] = n_entries + np.arange(unresolved.size)
    small = n_entries + unresolved.size <= np.iinfo(np.uint16).max
    first = np.empty(1 << (3 * LOOKUP_BITS), dtype=np.uint16 if small else np.int32)
    first[cells] = cell_codes
    values = np.take(first, pixel_keys >> np.uint32(shift), mode="clip")
    codes = values.astype(dtype)
    if not unresolved.size:
        return codes
    # Second table: a block of codes for each unresolved cell, filled at the
    # places of its colours.
    low = np.uint32((1 << shift) - 1)
    lengths = np.diff(starts, append=keys.size)
    inside = np.flatnonzero(np.repeat(~resolved, lengths))
    places = np.repeat(np.arange(unresolved.size) << shift, lengths[unresolved])
    places |= keys[inside] & low
    second = np.zeros(unresolved.size << shift, dtype=dtype)
    second[places] = exact_codes(keys[inside], palette)
    far = np.flatnonzero(values >= n_entries)
    places = (values[far] - n_entries).astype(np.intp) << shift
    places |= pixel_keys[far] & low
    codes[far] = second[places]
    return codes


# Large palettes: Wu's box splitting, then Lloyd from coarse to fine ------------

_WU_SIDE = 33  # 32 cells of 5 bits a channel, and the zero border


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


def lloyd_rows(points, weights, centres, max_iter):
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
            centres = _relocate_empty_rows(points, weights, codes, centres, ~filled)
    return centres, n_iter


def _relocate_empty_rows(points, weights, codes, centres, empty):
    errors = weights * np.square(points - centres[codes]).sum(axis=1)
    n_empty = int(np.count_nonzero(empty))
    farthest = np.argsort(-errors, kind="stable")[:n_empty]
    farthest = farthest[errors[farthest] > 0]
    centres = centres.copy()
    centres[np.flatnonzero(empty)[: farthest.size]] = points[farthest]
    return centres


def add_centres_rows(points, weights, centres, n_colors):
    """Add centres at the points that cost most, up to ``n_colors`` centres."""
    n_missing = n_colors - centres.shape[0]
    if n_missing <= 0:
        return centres
    codes = _nearest_float64(points.astype(np.float64), centres)
    errors = weights * np.square(points - centres[codes]).sum(axis=1)
    farthest = np.argsort(-errors, kind="stable")[:n_missing]
    return np.concatenate([centres, points[farthest].astype(np.float64)])


LARGE_STAGES = {5: 5, 6: 5, 8: 2, "round": 1}


def fit_large_rgb_palette(colours, counts, n_colors, max_iter):
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
            centres = add_centres_rows(points, weights, centres, n_colors)
            centres, _ = lloyd_rows(points, weights, centres, LARGE_STAGES[bits])
    centres = add_centres_rows(values, counts, centres, n_colors)
    centres, n_iter = lloyd_rows(values, counts, centres, LARGE_STAGES[8])
    return round_palette(colours, counts, centres, LARGE_STAGES["round"]), n_iter

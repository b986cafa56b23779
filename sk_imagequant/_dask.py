"""Dask arrays in and out of :class:`ImageQuantizer`, never computed whole.

The package never imports dask: a dask array is recognised by duck typing
(:func:`is_dask_array`), and dask is imported inside the functions that
handle one.

- ``fit``, ``partial_fit`` and ``score`` count each block's grey levels per
  channel with the in-memory kernels (:func:`~._histogram.level_counts`,
  chunked), and sum the counts by a tree reduction, in one ``compute``. The
  histograms are those the in-memory path counts, so the fitted attributes
  are the same. scikit-learn's checks run on a one-row numpy sample of the
  same dtype and width (its errors, and ``n_features_in_``); the value checks
  (NaN, infinity, magnitude, sample weights) run inside the blocks.
- Float data larger than ``subsample`` is fitted on a subsample drawn across
  the blocks: the same flat indices ``resample`` draws in memory (without
  sample weights), so for a given ``random_state`` the same values.
- ``transform``, ``inverse_transform``, ``encode`` and ``decode`` return lazy
  dask arrays with the input's chunks, through module-level block functions
  that receive only the bin edges or centres.
"""

import itertools
import math
import sys

import numpy as np
from sklearn.utils import assert_all_finite, check_array, check_random_state
from sklearn.utils.validation import _check_sample_weight, validate_data

from . import _encoding
from ._histogram import (
    MAX_HISTOGRAM_LEVELS,
    flat_chunks,
    is_histogram_dtype,
    level_counts,
    merge_counts,
    value_counts,
)

#: Partial results merged by one task of the tree reduction.
FAN_IN = 8

_ESTIMATOR = "ImageQuantizer"


def is_dask_array(X):
    """Whether ``X`` is a dask collection (without importing dask).

    Dask collections other than arrays (a dask DataFrame) are rejected with
    a ``TypeError`` naming the conversion to make.
    """
    if "dask" in sys.modules:
        import dask

        is_collection = dask.is_dask_collection(X)
    else:
        is_collection = hasattr(X, "__dask_graph__")
    if not is_collection:
        return False
    import dask.array as da

    if not isinstance(X, da.Array):
        raise TypeError(
            f"ImageQuantizer takes dask arrays, got a {type(X).__name__}. Convert "
            "it first, for instance with .to_dask_array(lengths=True)."
        )
    return True


# Validation --------------------------------------------------------------


def _zeros(shape, dtype):
    """Zeros of ``shape`` without allocating them (a broadcast view)."""
    return np.broadcast_to(np.zeros((), dtype=dtype), shape)


def _sample(X):
    """A small numpy array that scikit-learn's checks treat as they treat ``X``.

    One row of zeros of the same dtype and width; the whole (empty) shape
    when ``X`` is empty, so that the messages quote it; and for arrays of
    fewer than two dimensions (an error for scikit-learn's checks, which
    print the values) the values as numpy prints them: all of them up to
    1000, else the first and last three around zeros.
    """
    if any(math.isnan(size) for size in X.shape):
        raise ValueError(
            "ImageQuantizer needs the chunk sizes of the dask array; call "
            "X.compute_chunk_sizes() first."
        )
    if X.size == 0:
        return _zeros(X.shape, X.dtype)
    if X.ndim < 2:
        if X.size <= 1000:
            return np.asarray(X.compute())
        head, tail = X[:3].compute(), X[-3:].compute()
        return np.concatenate([head, np.zeros(1001 - 6, dtype=X.dtype), tail])
    return _zeros((1, *X.shape[1:]), X.dtype)


def _as_checked(X, checked):
    """``X`` in the dtype scikit-learn's checks gave its sample (object -> float64)."""
    return X if X.dtype == checked.dtype else X.astype(checked.dtype)


def _finite_check(dtype, estimator_name, input_name):
    """What a block checks for NaN and infinity, or None for integer data."""
    return (estimator_name, input_name) if np.dtype(dtype).kind in "fc" else None


def _check_finite(block, finite_check):
    if finite_check is not None:
        estimator_name, input_name = finite_check
        assert_all_finite(block, estimator_name=estimator_name, input_name=input_name)


# Graph helpers -----------------------------------------------------------


def _channel_starts(X, channel_axis):
    """First channel of each block along the channel axis (None: one channel)."""
    if channel_axis is None:
        return (0,)
    return tuple(int(start) for start in np.cumsum((0,) + X.chunks[channel_axis])[:-1])


def _block_weights(X, sample_weight):
    """The weights of each block of rows: numpy slices or dask pieces, by row block."""
    if sample_weight is None:
        return [None] * len(X.chunks[0])
    bounds = np.cumsum((0,) + X.chunks[0])
    if is_dask_array(sample_weight):
        pieces = sample_weight.rechunk((X.chunks[0],)).to_delayed(optimize_graph=True)
        return list(pieces)
    return [sample_weight[start:stop] for start, stop in itertools.pairwise(bounds)]


def _tree(parts, combine, *args):
    """Partial results reduced by ``combine(*args, *parts)`` in a tree of delayed tasks."""
    from dask import delayed

    while len(parts) > 1:
        parts = [
            delayed(combine, pure=True)(*args, *parts[start : start + FAN_IN])
            for start in range(0, len(parts), FAN_IN)
        ]
    return parts[0]


def _compute(*values):
    import dask

    return dask.compute(*values)


# Per-block summaries -----------------------------------------------------


class _TooMany:
    """Stands for a histogram with more levels than the fit can keep."""

    def __init__(self, n_levels):
        self.n_levels = n_levels

    def __repr__(self):
        return f"_TooMany({self.n_levels})"


def _capped(histogram, cap):
    """The histogram, or ``_TooMany`` when it exceeds the cap.

    ``cap`` is None (keep all), ``"levels"`` (at most MAX_HISTOGRAM_LEVELS
    distinct values, as partial_fit keeps) or ``"range"`` (values spanning
    at most that many levels, as fit counts integer data).
    """
    if cap is None or isinstance(histogram, _TooMany):
        return histogram
    levels = histogram[0]
    if cap == "levels" and levels.size > MAX_HISTOGRAM_LEVELS:
        return _TooMany(levels.size)
    if cap == "range" and levels[-1] - levels[0] >= MAX_HISTOGRAM_LEVELS:
        return _TooMany(levels.size)
    return histogram


def _histogram(values, weights):
    """``(levels, counts)`` of one channel of a block, by the in-memory kernels."""
    if is_histogram_dtype(values.dtype):
        return level_counts(values, weights)
    if values.dtype.kind in "iu" and int(values.max()) - int(values.min()) < (
        MAX_HISTOGRAM_LEVELS
    ):
        return level_counts(values, weights)
    return value_counts(values, weights)


def _channel_views(block, channel_axis):
    if channel_axis is None:
        return [block]
    return [
        block[(slice(None),) * channel_axis + (channel,)]
        for channel in range(block.shape[channel_axis])
    ]


def _block_summary(block, weights, spec, channel_start, coords):
    """What fit, partial_fit or score needs of one block, as a dict.

    ``spec`` is a dict: ``n_channels``, ``channel_axis``, ``finite``
    (:func:`_finite_check`), ``hist`` (count the levels), ``cap`` (see
    :func:`_capped`), ``minmax``, ``weights_dtype`` and, for score of data
    without a bounded histogram, ``edges``, ``centers`` and ``codes_dtype``.
    ``coords`` is, per channel of the block, the coordinates of the values
    drawn for a subsample (or None).
    """
    block = np.asarray(block)
    _check_finite(block, spec["finite"])
    summary = {"positive": True, "hist": None, "samples": None, "sse": 0.0}
    if weights is not None:
        weights = np.asarray(weights)
        # A 1 appended: an all-zero block is fine, the total is checked at the end.
        weights = _check_sample_weight(
            np.r_[weights, 1.0],
            _zeros((weights.size + 1,), spec["weights_dtype"]),
            ensure_non_negative=True,
        )[:-1]
        summary["positive"] = bool(np.any(weights > 0))
        shape = (-1,) + (1,) * (block.ndim - 1)
        weights = np.broadcast_to(weights.reshape(shape), block.shape)
    if spec["minmax"]:
        low, high = block.min(), block.max()
        cast = int if block.dtype.kind in "biu" else float
        summary["low"], summary["high"] = cast(low), cast(high)
    n_channels, channel_axis = spec["n_channels"], spec["channel_axis"]
    values = _channel_views(block, channel_axis)
    weights = (
        [None] * len(values) if weights is None else _channel_views(weights, channel_axis)
    )
    channels = range(channel_start, channel_start + len(values))
    if spec["hist"]:
        summary["hist"] = [None] * n_channels
        for channel, channel_values, channel_weights in zip(
            channels, values, weights, strict=True
        ):
            histogram = _histogram(channel_values, channel_weights)
            summary["hist"][channel] = _capped(histogram, spec["cap"])
    if coords is not None:
        summary["samples"] = [[] for _ in range(n_channels)]
        for channel, channel_values in zip(channels, values, strict=True):
            if coords[channel - channel_start] is not None:
                drawn = channel_values[coords[channel - channel_start]]
                summary["samples"][channel].append(drawn)
    if "edges" in spec and _within_magnitude(summary):
        for channel, channel_values in zip(channels, values, strict=True):
            summary["sse"] += _squared_error(
                channel_values,
                spec["edges"][channel],
                spec["centers"][channel],
                spec["codes_dtype"],
            )
    return summary


def _within_magnitude(summary):
    """Whether the block's squared errors can be summed (else the fit raises)."""
    from ._quantizer import MAX_MAGNITUDE

    if "low" not in summary or not isinstance(summary["low"], float):
        return True
    return max(summary["high"], -summary["low"]) <= MAX_MAGNITUDE


def _squared_error(values, edges, centers, codes_dtype):
    """Sum of the squared errors of ``decode(encode(values))``, chunk by chunk."""
    total = 0.0
    for piece, _ in flat_chunks(values):
        codes = _encoding.encode(piece, edges, codes_dtype)
        errors = piece.astype(np.float64) - _encoding.decode(codes, centers)
        total += float(errors @ errors)
    return total


def _merge_histograms(first, second, cap):
    if first is None:
        return second
    if second is None:
        return first
    if isinstance(first, _TooMany) or isinstance(second, _TooMany):
        return _TooMany(
            max(
                part.n_levels if isinstance(part, _TooMany) else part[0].size
                for part in (first, second)
            )
        )
    return _capped(merge_counts(first, second), cap)


def _combine(cap, *summaries):
    """Merge the summaries of several blocks (a task of the tree reduction)."""
    result = dict(summaries[0])
    for summary in summaries[1:]:
        result["positive"] = result["positive"] or summary["positive"]
        result["sse"] += summary["sse"]
        if "low" in summary:
            result["low"] = min(result["low"], summary["low"])
            result["high"] = max(result["high"], summary["high"])
        if summary["hist"] is not None:
            result["hist"] = [
                _merge_histograms(first, second, cap)
                for first, second in zip(result["hist"], summary["hist"], strict=True)
            ]
        if summary["samples"] is not None:
            result["samples"] = [
                first + second
                for first, second in zip(result["samples"], summary["samples"], strict=True)
            ]
    return result


def _summarise(X, sample_weight, spec, coords=None):
    """The summaries of every block, reduced to one, computed once."""
    from dask import delayed

    blocks = X.to_delayed(optimize_graph=True)
    weights = _block_weights(X, sample_weight)
    starts = _channel_starts(X, spec["channel_axis"])
    parts = []
    for index in np.ndindex(blocks.shape):
        channel_start = (
            0 if spec["channel_axis"] is None else starts[index[spec["channel_axis"]]]
        )
        block_coords = None if coords is None else coords.get(index)
        parts.append(
            delayed(_block_summary, pure=True)(
                blocks[index], weights[index[0]], spec, channel_start, block_coords
            )
        )
    (summary,) = _compute(_tree(parts, _combine, spec["cap"]))
    if not summary["positive"]:
        raise ValueError("Sample weights must contain at least one non-zero number.")
    return summary


# Subsample across blocks -------------------------------------------------


def _channel_shape(shape, channel_axis):
    if channel_axis is None:
        return shape
    return shape[:channel_axis] + shape[channel_axis + 1 :]


def _draw_coords(X, channel_axis, subsample, random_state, sample_weight):
    """The coordinates of the values drawn from each channel, grouped by block.

    Without weights, the flat indices ``sklearn.utils.resample`` draws from
    each channel in memory (``random_state.choice``, with replacement). With
    weights, rows in proportion to their weight and a uniform position in
    the row (the same distribution; other draws). Returns
    ``{block index: [coordinates per channel of the block, or None]}``.
    """
    n_channels = 1 if channel_axis is None else X.shape[channel_axis]
    shape = _channel_shape(X.shape, channel_axis)
    n_values = math.prod(shape)
    bounds = [np.cumsum((0, *chunks)) for chunks in X.chunks]
    starts = _channel_starts(X, channel_axis)
    grouped = {}
    for channel in range(n_channels):
        random = check_random_state(random_state)
        if sample_weight is None:
            flat = random.choice(n_values, size=subsample, replace=True)
        else:
            row_weights = np.asarray(sample_weight, dtype=np.float64)
            cdf = np.cumsum(row_weights)
            rows = np.searchsorted(cdf / cdf[-1], random.random_sample(subsample), "right")
            per_row = n_values // shape[0]
            flat = rows * per_row + random.randint(0, per_row, size=subsample)
        coords = list(np.unravel_index(flat, shape))
        if channel_axis is not None:
            coords.insert(channel_axis, np.full(subsample, channel))
        block_ids = [
            np.searchsorted(axis_bounds, axis_coords, side="right") - 1
            for axis_bounds, axis_coords in zip(bounds, coords, strict=True)
        ]
        linear = np.ravel_multi_index(block_ids, [len(c) for c in X.chunks])
        order = np.argsort(linear, kind="stable")
        cuts = np.flatnonzero(np.diff(linear[order])) + 1
        for group in np.split(order, cuts):
            index = tuple(int(ids[group[0]]) for ids in block_ids)
            local = [
                axis_coords[group] - axis_bounds[block]
                for axis_coords, axis_bounds, block in zip(
                    coords, bounds, index, strict=True
                )
            ]
            if channel_axis is not None:
                del local[channel_axis]
                n_block_channels = X.chunks[channel_axis][index[channel_axis]]
                local_channel = channel - starts[index[channel_axis]]
            else:
                n_block_channels, local_channel = 1, 0
            entry = grouped.setdefault(index, [None] * n_block_channels)
            entry[local_channel] = tuple(local)
    return grouped


# Fit, partial_fit, score -------------------------------------------------


def _checked_weights(estimator, X, sample_weight, checked):
    """Numpy weights checked here; dask weights checked for shape (values in blocks)."""
    if sample_weight is None:
        return None
    rows = _zeros((X.shape[0], *checked.shape[1:2]), checked.dtype)
    if is_dask_array(sample_weight):
        if sample_weight.ndim != 1 or sample_weight.shape[0] != X.shape[0]:
            # scikit-learn's message (the values are checked in the blocks)
            _check_sample_weight(_zeros(sample_weight.shape, np.float64), rows)
        return sample_weight
    sample_weight = _check_sample_weight(sample_weight, rows, ensure_non_negative=True)
    if not np.any(sample_weight > 0):
        raise ValueError("Sample weights must contain at least one non-zero number.")
    return sample_weight


def _spec(estimator, X, channel_axis, **options):
    n_channels = 1 if channel_axis is None else X.shape[channel_axis]
    spec = {
        "n_channels": n_channels,
        "channel_axis": channel_axis,
        "finite": _finite_check(X.dtype, _ESTIMATOR, "X"),
        "hist": True,
        "cap": None,
        "minmax": False,
        "weights_dtype": X.dtype if X.dtype in (np.float32, np.float64) else np.float64,
    }
    spec.update(options)
    return spec


def _check_magnitude(summary, dtype):
    from ._quantizer import MAX_MAGNITUDE

    if dtype.kind != "f":
        return
    magnitude = max(summary["high"], -summary["low"])
    if magnitude > MAX_MAGNITUDE:
        raise ValueError(
            f"ImageQuantizer fits values up to {MAX_MAGNITUDE:g} in magnitude (their "
            f"squared errors must not overflow), got {magnitude:g}. Rescale the data."
        )


def fit(estimator, X, sample_weight=None):
    """``estimator.fit(X, sample_weight=sample_weight)`` for a dask array ``X``."""
    checked = validate_data(estimator, _sample(X), dtype="numeric", allow_nd=True)
    X = _as_checked(X, checked)
    sample_weight = _checked_weights(estimator, X, sample_weight, checked)
    estimator._check_code_dtype()
    channel_axis = estimator._checked_channel_axis(X.ndim)
    n_values = math.prod(_channel_shape(X.shape, channel_axis))
    subsample = estimator.subsample
    bounded = is_histogram_dtype(X.dtype)
    sampled = not bounded and subsample is not None and n_values > subsample
    coords = None
    if sampled:
        coords = _draw_coords(
            X, channel_axis, subsample, estimator.random_state, sample_weight
        )
    if bounded:
        options = {"hist": True}
    elif X.dtype.kind in "iu":  # counted while the values span few levels
        options = {"hist": True, "cap": "range" if sampled else None}
    else:  # float: counted when every value is fitted, else the subsample
        options = {"hist": not sampled}
    spec = _spec(estimator, X, channel_axis, minmax=X.dtype.kind == "f", **options)
    summary = _summarise(X, sample_weight, spec, coords)
    _check_magnitude(summary, X.dtype)
    histograms, exact = [], True
    for channel in range(spec["n_channels"]):
        histogram = summary["hist"][channel] if summary["hist"] is not None else None
        if histogram is None or isinstance(histogram, _TooMany):
            drawn = summary["samples"][channel]
            drawn = np.concatenate(drawn) if drawn else np.empty(0, X.dtype)
            histogram = value_counts(drawn)
            exact = False
        histograms.append(histogram)
    exact = exact and max(levels.size for levels, _ in histograms) <= MAX_HISTOGRAM_LEVELS
    estimator._histograms = histograms if exact else None
    return estimator._fit_histograms(histograms, weighted=sample_weight is not None)


def partial_fit(estimator, X, sample_weight=None):
    """``estimator.partial_fit(X, sample_weight=sample_weight)`` for a dask array."""
    # ImageQuantizer.partial_fit has checked that a previous fit was exact.
    first_call = not hasattr(estimator, "_histograms")
    checked = validate_data(
        estimator, _sample(X), dtype="numeric", allow_nd=True, reset=first_call
    )
    X = _as_checked(X, checked)
    sample_weight = _checked_weights(estimator, X, sample_weight, checked)
    estimator._check_code_dtype()
    channel_axis = estimator._checked_channel_axis(X.ndim)
    n_channels = 1 if channel_axis is None else X.shape[channel_axis]
    estimator._check_channels_seen(n_channels)
    spec = _spec(estimator, X, channel_axis, cap="levels", minmax=X.dtype.kind == "f")
    summary = _summarise(X, sample_weight, spec)
    _check_magnitude(summary, X.dtype)
    return estimator._add_histograms(
        summary["hist"], X.dtype, weighted=sample_weight is not None
    )


def score(estimator, X):
    """``estimator.score(X)`` for a dask array: exact, from the histograms."""
    from ._metrics import integer_data_range, psnr_from_mse

    checked = validate_data(
        estimator, _sample(X), dtype="numeric", allow_nd=True, reset=False
    )
    X = _as_checked(X, checked)
    channel_axis = estimator._channel_count_check(X)
    codes_dtype = estimator._codes_dtype()
    if is_histogram_dtype(X.dtype):
        spec = _spec(estimator, X, channel_axis)
        summary = _summarise(X, None, spec)
        squared_error, has_negative = 0.0, False
        for (levels, counts), edges, centers in zip(
            summary["hist"], estimator.bin_edges_, estimator.bin_centers_, strict=True
        ):
            codes = _encoding.encode(levels, edges, codes_dtype)
            errors = levels - _encoding.decode(codes, centers)
            squared_error += float(counts @ np.square(errors))
            has_negative = has_negative or bool(levels[0] < 0)
    else:
        spec = _spec(
            estimator,
            X,
            channel_axis,
            hist=False,
            minmax=True,
            edges=list(estimator.bin_edges_),
            centers=list(estimator.bin_centers_),
            codes_dtype=codes_dtype,
        )
        summary = _summarise(X, None, spec)
        _check_magnitude(summary, X.dtype)  # as the numpy path's score
        squared_error = summary["sse"]
        has_negative = X.dtype.kind in "iu" and summary["low"] < 0
    if X.dtype.kind in "biu":
        data_range = integer_data_range(X.dtype, has_negative=has_negative)
    else:
        data_range = max(float(edges[-1] - edges[0]) for edges in estimator.bin_edges_)
        data_range = data_range or 1.0
    return psnr_from_mse(squared_error / X.size, data_range)


# Transform and its inverse: lazy, block by block -------------------------


def _channel_slices(block, channel_axis, channel_start):
    """``(global channel, index)`` of each channel of a block."""
    if channel_axis is None:
        yield 0, Ellipsis
        return
    for local in range(block.shape[channel_axis]):
        yield channel_start + local, (slice(None),) * channel_axis + (local,)


def encode_block(block, edges, codes_dtype, channel_axis, channel_starts, finite,
                 block_id=None):  # fmt: skip
    """Codes of one block (a dask ``map_blocks`` function).

    ``edges`` holds the bin edges of every channel; ``channel_starts`` the
    first channel of each block along ``channel_axis``.
    """
    block = np.asarray(block)
    _check_finite(block, finite)
    start = 0 if channel_axis is None else channel_starts[block_id[channel_axis]]
    if channel_axis is None:
        return _encoding.encode(block, edges[0], codes_dtype)
    codes = np.empty(block.shape, dtype=codes_dtype)
    for channel, index in _channel_slices(block, channel_axis, start):
        _encoding.encode(block[index], edges[channel], codes_dtype, out=codes[index])
    return codes


def decode_block(codes, centers, n_bins, channel_axis, channel_starts, block_id=None):
    """Grey levels of one block of codes (a dask ``map_blocks`` function).

    The codes are checked as in memory; a block with bad codes raises when
    computed, naming the values of that block.
    """
    codes = np.asarray(codes)
    if codes.dtype.kind == "f":
        if np.isnan(codes).any():
            raise ValueError("Codes must be whole numbers, got NaN.")
        if not np.all(codes == np.round(codes)):
            raise ValueError("Codes must be whole numbers, got fractions.")
    start = 0 if channel_axis is None else channel_starts[block_id[channel_axis]]
    image = np.empty(codes.shape, dtype=np.float64)
    for channel, index in _channel_slices(codes, channel_axis, start):
        low, high = codes[index].min(), codes[index].max()
        if low < 0 or high > n_bins[channel] - 1:
            raise ValueError(
                f"Codes must lie in 0..n_bins_ - 1 (n_bins_={list(n_bins)}), "
                f"got values from {low:g} to {high:g}."
            )
        _encoding.decode(codes[index], centers[channel], out=image[index])
    return image


def _encode(estimator, X, finite):
    channel_axis = estimator._channel_count_check(X)
    codes_dtype = estimator._codes_dtype()
    return X.map_blocks(
        encode_block,
        tuple(np.asarray(edges, dtype=np.float64) for edges in estimator.bin_edges_),
        codes_dtype,
        channel_axis,
        _channel_starts(X, channel_axis),
        finite,
        dtype=codes_dtype,
        meta=np.empty((0,) * X.ndim, dtype=codes_dtype),
    )


def _decode(estimator, codes):
    channel_axis = estimator._channel_count_check(codes)
    return codes.map_blocks(
        decode_block,
        tuple(np.asarray(centers, dtype=np.float64) for centers in estimator.bin_centers_),
        tuple(int(n) for n in estimator.n_bins_),
        channel_axis,
        _channel_starts(codes, channel_axis),
        dtype=np.float64,
        meta=np.empty((0,) * codes.ndim, dtype=np.float64),
    )


def transform(estimator, X):
    """``estimator.transform(X)`` for a dask array: lazy codes, X's chunks."""
    checked = validate_data(
        estimator, _sample(X), dtype="numeric", allow_nd=True, reset=False
    )
    X = _as_checked(X, checked)
    return _encode(estimator, X, _finite_check(X.dtype, _ESTIMATOR, "X"))


def inverse_transform(estimator, X):
    """``estimator.inverse_transform(X)`` for a dask array of codes: lazy grey levels."""
    checked = check_array(
        _sample(X), dtype="numeric", allow_nd=True, ensure_all_finite=False
    )
    if X.shape[1] != estimator.n_features_in_:
        raise ValueError(
            f"X has {X.shape[1]} features, but ImageQuantizer is "
            f"expecting {estimator.n_features_in_} features as input."
        )
    return _decode(estimator, _as_checked(X, checked))


def _check_any_shape(X, name, ensure_all_finite):
    """As ``_quantizer._check_any_shape``, on a sample; the values in the blocks."""
    from ._quantizer import _check_any_shape

    if X.ndim == 0:
        return _check_any_shape(X.compute(), name=name, ensure_all_finite=ensure_all_finite)
    sample = _zeros(X.shape, X.dtype) if X.size == 0 else _zeros((1,) * X.ndim, X.dtype)
    checked = _check_any_shape(sample, name=name, ensure_all_finite=ensure_all_finite)
    return _as_checked(X, checked)


def encode(estimator, image):
    """``estimator.encode(image)`` for a dask array: lazy codes."""
    image = _check_any_shape(image, "image", ensure_all_finite=True)
    if not is_dask_array(image):  # a 0-d array, computed
        return estimator._encode(image)
    return _encode(estimator, image, _finite_check(image.dtype, None, "image"))


def decode(estimator, codes):
    """``estimator.decode(codes)`` for a dask array: lazy grey levels."""
    codes = _check_any_shape(codes, "codes", ensure_all_finite=False)
    if not is_dask_array(codes):
        return estimator._decode(codes)
    return _decode(estimator, codes)


__all__ = [
    "decode",
    "decode_block",
    "encode",
    "encode_block",
    "fit",
    "inverse_transform",
    "is_dask_array",
    "partial_fit",
    "score",
    "transform",
]

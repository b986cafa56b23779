"""Dask arrays in and out of :class:`ColorQuantizer`, never computed whole.

The package never imports dask: a dask array is recognised by duck typing
(:func:`is_dask_array`, as for ``ImageQuantizer``), and dask is imported
inside the functions that handle one.

- ``fit`` and ``partial_fit`` take each block's colour histogram (its
  distinct colours and their counts, :func:`~._palette.distinct_colours`)
  and merge them by a tree reduction (:func:`~._palette.merge_colours`), in
  one ``compute``: the histogram the in-memory path takes of the whole
  array, so the palette is the same. The channel axis (the last) is made one
  chunk, so that every block holds whole pixels. scikit-learn's checks run
  on a one-row numpy sample of the same dtype and width (its errors, and
  ``n_features_in_``); the value checks (NaN, infinity, magnitude, sample
  weights) run inside the blocks.
- ``score`` sums each block's squared errors to the nearest palette colour
  (the in-memory codes, pixel by pixel), in one ``compute``.
- ``transform`` and ``inverse_transform`` return lazy dask arrays, through
  module-level block functions that receive only the palette.
- Dithering diffuses errors across the whole image, not block by block: a
  dask image with ``dither=True`` is refused.
"""

import math

import numpy as np
from sklearn.utils import check_array
from sklearn.utils.validation import _check_sample_weight

from . import _dask
from ._metrics import integer_data_range, psnr_from_mse
from ._palette import distinct_colours, nearest_codes, squared_error

_ESTIMATOR = "ColorQuantizer"


def is_dask_array(X):
    """Whether ``X`` is a dask array (without importing dask); see ``_dask``."""
    try:
        return _dask.is_dask_array(X)
    except TypeError as error:  # a dask collection other than an array
        raise TypeError(str(error).replace("ImageQuantizer", _ESTIMATOR)) from None


# Validation --------------------------------------------------------------


def _check_chunk_sizes(X):
    if any(math.isnan(size) for size in X.shape):
        raise ValueError(
            f"{_ESTIMATOR} needs the chunk sizes of the dask array; call "
            "X.compute_chunk_sizes() first."
        )


def _validate(estimator, X, *, reset):
    """``estimator._validate_pixels`` on a sample of X (its errors, naming X's shape).

    Returns X in the dtype the checks gave, its channel axis in one chunk.
    """
    _check_chunk_sizes(X)
    checked, _ = estimator._validate_pixels(_dask._sample(X), reset=reset, shape=X.shape)
    X = _dask._as_checked(X, checked)
    if len(X.chunks[-1]) > 1:  # whole pixels in every block
        X = X.rechunk({X.ndim - 1: -1})
    return X


def _refuse_dither(estimator, X):
    """Dithering is not block-wise: refused for dask images (tables never dither)."""
    if estimator.dither and X.ndim > 2:
        raise ValueError(
            "dither=True diffuses each pixel's error onto its neighbours across the "
            "whole image, which cannot be done block by block: ColorQuantizer does "
            "not dither dask arrays. Set dither=False, or dither the computed image "
            "(a numpy array)."
        )


# Per-block summaries -----------------------------------------------------


def _pixels(block):
    return block.reshape(-1, block.shape[-1])


def block_histogram(block, weights, finite, weights_dtype):
    """The colour histogram of one block, its value range and whether it weighs.

    ``weights`` are the weights of the block's rows (first axis), or None;
    they are checked here (non-negative, finite) as the numpy path checks
    them all.
    """
    block = np.asarray(block)
    _dask._check_finite(block, finite)
    pixels = _pixels(block)
    summary = {"positive": True, "low": None, "high": None}
    if weights is not None:
        weights = np.asarray(weights)
        # A 1 appended: an all-zero block is fine, the total is checked at the end.
        weights = _check_sample_weight(
            np.r_[weights, 1.0],
            _dask._zeros((weights.size + 1,), weights_dtype),
            ensure_non_negative=True,
        )[:-1]
        summary["positive"] = bool(np.any(weights > 0))
        weights = np.repeat(weights, pixels.shape[0] // max(block.shape[0], 1))
    if pixels.shape[0] and pixels.dtype.kind == "f":
        summary["low"], summary["high"] = float(pixels.min()), float(pixels.max())
    summary["hist"] = distinct_colours(pixels, weights)
    return summary


def combine_histograms(*summaries):
    """Merge the summaries of several blocks (a task of the tree reduction)."""
    colours = np.concatenate([summary["hist"][0] for summary in summaries])
    counts = np.concatenate([summary["hist"][1] for summary in summaries])
    lows = [summary["low"] for summary in summaries if summary["low"] is not None]
    highs = [summary["high"] for summary in summaries if summary["high"] is not None]
    return {
        "positive": any(summary["positive"] for summary in summaries),
        "low": min(lows) if lows else None,
        "high": max(highs) if highs else None,
        "hist": distinct_colours(colours, counts),
    }


def _histogram(estimator, X, sample_weight):
    """The colour histogram of X (merged from its blocks, one compute), checked."""
    from dask import delayed

    blocks = X.to_delayed(optimize_graph=True)
    weights = _dask._block_weights(X, sample_weight)
    finite = _dask._finite_check(X.dtype, _ESTIMATOR, "X")
    weights_dtype = X.dtype if X.dtype in (np.float32, np.float64) else np.float64
    parts = [
        delayed(block_histogram, pure=True)(
            blocks[index], weights[index[0]], finite, weights_dtype
        )
        for index in np.ndindex(blocks.shape)
    ]
    (summary,) = _dask._compute(_dask._tree(parts, combine_histograms))
    if not summary["positive"]:
        raise ValueError("Sample weights must contain at least one non-zero number.")
    if summary["low"] is not None:  # float data: the numpy path's magnitude check
        estimator._check_magnitude(np.array([summary["low"], summary["high"]]))
    return summary["hist"]


# Fit, partial_fit, score -------------------------------------------------


def fit(estimator, X, sample_weight=None):
    """``estimator.fit(X, sample_weight=sample_weight)`` for a dask array ``X``."""
    X = _validate(estimator, X, reset=True)
    sample_weight = _dask._checked_weights(estimator, X, sample_weight, _dask._sample(X))
    estimator._histogram = _histogram(estimator, X, sample_weight)
    return estimator._fit_histogram()


def partial_fit(estimator, X, sample_weight=None):
    """``estimator.partial_fit(X, sample_weight=sample_weight)`` for a dask array."""
    from ._palette import merge_colours

    first_call = not hasattr(estimator, "_histogram")
    X = _validate(estimator, X, reset=first_call)
    sample_weight = _dask._checked_weights(estimator, X, sample_weight, _dask._sample(X))
    histogram = _histogram(estimator, X, sample_weight)
    if not first_call:
        histogram = merge_colours(estimator._histogram, histogram)
    estimator._histogram = histogram
    return estimator._fit_histogram()


def fit_transform(estimator, X, sample_weight=None):
    """``estimator.fit_transform(X)`` for a dask array: fit, then lazy codes."""
    _refuse_dither(estimator, X)
    fit(estimator, X, sample_weight)
    return transform(estimator, X)


def block_squared_error(block, palette, finite):
    """Squared error of a block's pixels to their nearest palette colours; any negative."""
    block = np.asarray(block)
    _dask._check_finite(block, finite)
    pixels = _pixels(block)
    negative = bool(pixels.shape[0]) and pixels.dtype.kind in "iu" and pixels.min() < 0
    return squared_error(pixels, palette), bool(negative)


def combine_squared_errors(*parts):
    return sum(part[0] for part in parts), any(part[1] for part in parts)


def score(estimator, X):
    """``estimator.score(X)`` for a dask array: exact, block by block."""
    from dask import delayed

    X = _validate(estimator, X, reset=False)
    _refuse_dither(estimator, X)
    finite = _dask._finite_check(X.dtype, _ESTIMATOR, "X")
    blocks = X.to_delayed(optimize_graph=True)
    parts = [
        delayed(block_squared_error, pure=True)(blocks[index], estimator.palette_, finite)
        for index in np.ndindex(blocks.shape)
    ]
    ((total, negative),) = _dask._compute(_dask._tree(parts, combine_squared_errors))
    if X.dtype.kind in "biu":
        data_range = integer_data_range(X.dtype, has_negative=negative)
    else:
        data_range = estimator._data_range
    return psnr_from_mse(total / X.size, data_range)


# Transform and its inverse: lazy, block by block -------------------------


def encode_block(block, palette, codes_dtype, finite, table):
    """Codes of one block of pixels (a dask ``map_blocks`` function).

    The block holds whole pixels (the channel axis, last, in one chunk); its
    codes drop that axis, or keep it as one column for a table.
    """
    block = np.asarray(block)
    _dask._check_finite(block, finite)
    codes = nearest_codes(_pixels(block), palette, codes_dtype)
    return codes.reshape((block.shape[0], 1) if table else block.shape[:-1])


def decode_block(codes, palette, table):
    """Colours of one block of codes, ``palette[codes]`` (a dask ``map_blocks`` function).

    The codes are checked as in memory; a block with bad codes raises when
    computed, naming the values of that block.
    """
    codes = np.asarray(codes)
    if codes.dtype.kind in "fc":
        if codes.dtype.kind == "c" or not np.all(np.isfinite(codes)):
            raise ValueError("Codes must be whole numbers, got NaN or infinity.")
        if not np.all(codes == np.round(codes)):
            raise ValueError("Codes must be whole numbers, got fractions.")
    if codes.size:
        low, high = codes.min(), codes.max()
        n_colors = palette.shape[0]
        if low < 0 or high > n_colors - 1:
            raise ValueError(
                f"Codes must lie in 0..n_colors_ - 1 (n_colors_={n_colors}), got "
                f"values from {low:g} to {high:g}."
            )
    if table:
        codes = codes[:, 0]
    return palette[codes.astype(np.intp, copy=False)]


def transform(estimator, X):
    """``estimator.transform(X)`` for a dask array: lazy codes, X's chunks but the last."""
    X = _validate(estimator, X, reset=False)
    _refuse_dither(estimator, X)
    codes_dtype = estimator._codes_dtype()
    arguments = (
        encode_block,
        estimator.palette_,
        codes_dtype,
        _dask._finite_check(X.dtype, _ESTIMATOR, "X"),
        X.ndim == 2,
    )
    if X.ndim == 2:  # a table: a column of codes
        return X.map_blocks(
            *arguments,
            chunks=(X.chunks[0], (1,)),
            dtype=codes_dtype,
            meta=np.empty((0, 0), dtype=codes_dtype),
        )
    return X.map_blocks(
        *arguments,
        drop_axis=X.ndim - 1,
        dtype=codes_dtype,
        meta=np.empty((0,) * (X.ndim - 1), dtype=codes_dtype),
    )


def inverse_transform(estimator, X):
    """``estimator.inverse_transform(X)`` for a dask array of codes: lazy colours."""
    _check_chunk_sizes(X)
    if X.ndim == 0 or X.size == 0:  # the numpy path's answer (or error), from no data
        sample = X.compute() if X.ndim == 0 else np.zeros(X.shape, X.dtype)
        return estimator.inverse_transform(sample)
    checked = check_array(
        _dask._zeros((1, *X.shape[1:]), X.dtype),
        dtype="numeric",
        ensure_2d=False,
        allow_nd=True,
        ensure_all_finite=False,
        input_name="codes",
    )
    codes = _dask._as_checked(X, checked)
    palette = estimator.palette_
    n_channels = palette.shape[1]
    table = codes.ndim == 2 and codes.shape[1] == 1
    if table:
        return codes.map_blocks(
            decode_block,
            palette,
            True,
            chunks=(codes.chunks[0], (n_channels,)),
            dtype=palette.dtype,
            meta=np.empty((0, 0), dtype=palette.dtype),
        )
    return codes.map_blocks(
        decode_block,
        palette,
        False,
        new_axis=codes.ndim,
        chunks=(*codes.chunks, (n_channels,)),
        dtype=palette.dtype,
        meta=np.empty((0,) * (codes.ndim + 1), dtype=palette.dtype),
    )


__all__ = [
    "decode_block",
    "encode_block",
    "fit",
    "fit_transform",
    "inverse_transform",
    "is_dask_array",
    "partial_fit",
    "score",
    "transform",
]

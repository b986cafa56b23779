"""ImageQuantizer: grey-level quantisation of images as a scikit-learn transformer."""

import warnings
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin, _fit_context
from sklearn.preprocessing import KBinsDiscretizer
from sklearn.utils import check_array, resample
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from . import _dask, _encoding
from ._histogram import (
    MAX_HISTOGRAM_LEVELS,
    fits_histogram,
    is_histogram_dtype,
    level_counts,
    merge_counts,
    value_counts,
)
from ._kmeans import (
    bin_labels,
    bin_means,
    edges_from_centres,
    lloyd_pixels,
    refine_kmeans,
    squared_error,
)
from ._metrics import integer_data_range, peak_signal_noise_ratio, psnr_from_mse
from ._optimal import optimal_bin_edges
from ._quantiles import quantile_bin_edges

# The quantile definition of KBinsDiscretizer, fixed so that results do not
# move with scikit-learn's default. Unweighted, its edges are read from the
# histogram (_quantiles.py) bit for bit as np.percentile finds them on every
# pixel; weighted, KBinsDiscretizer is fitted on the weighted levels.
QUANTILE_METHOD = "averaged_inverted_cdf"

# Larger float values would overflow the squared errors in float64.
MAX_MAGNITUDE = 1e100

_CODE_DTYPES = (np.uint8, np.uint16, np.float32, np.float64)

# KMeans' default tolerance, relative to the variance of the data.
KMEANS_TOL = 1e-4

# Runs of the k-means replay followed on floats nearly all distinct, a few
# closer than 1e-8 (measured only, no fallback: see _kmeans_bin_edges).
_DISTINCT_RUNS = 8


class ImageQuantizer(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Quantise the grey levels of images into a few codes.

    Every value of the array (or of each channel) is replaced by the index of
    its bin, as compact unsigned integers, and :meth:`inverse_transform` maps
    the codes back to grey levels. The bins are found by
    :class:`~sklearn.preprocessing.KBinsDiscretizer`'s strategies, or by the
    exactly optimal one, fitted on every pixel of integer images.

    Parameters
    ----------
    n_bins : int, default=8
        Number of grey levels (codes) per channel, from 2 to 65536.

    strategy : {'uniform', 'quantile', 'kmeans', 'optimal'}, default='kmeans'
        How the bins are chosen; the first three are delegated to
        ``KBinsDiscretizer``, the last is computed by this package:

        - 'uniform': bins of equal width between the minimum and maximum;
        - 'quantile': bins holding equal numbers of pixels
          (``quantile_method='averaged_inverted_cdf'``);
        - 'kmeans': bins around the centres of a 1-D k-means, run until no
          grey level changes bin;
        - 'optimal': the partition of the grey levels into ``n_bins``
          contiguous bins with the least total squared error, each level
          weighted by its pixel count, found exactly by dynamic programming
          (the problem Ckmeans.1d.dp solves; from 3 to 8 bins on thousands
          of levels, by searching a price per bin, Lagrangian relaxation, whose
          cost does not grow with ``n_bins``). Its edges sit halfway between
          neighbouring levels, so with ``centers='centroid'`` the
          reconstruction error is the least any ``n_bins`` grey levels reach;
          never more than 'kmeans', which stops at a local optimum.

    centers : {'midpoint', 'centroid'}, default='midpoint'
        What a code decodes to: the middle of its bin (as
        ``KBinsDiscretizer.inverse_transform``), or the mean of the fitted
        values that fell in the bin, which gives the least squared error for
        the bins. An empty bin decodes to its middle either way.

    dtype : {None, np.uint8, np.uint16, np.float32, np.float64}, default=None
        Type of the codes. ``None`` is the smallest unsigned integer that
        holds ``n_bins`` codes: uint8 up to 256 bins, uint16 above.

    channel_axis : int or None, default=None
        ``None``: one codebook shared by every value of the array. An int: the
        axis that holds channels (``-1`` for RGB); each channel gets its own
        codebook. On a 2-D ``(n_samples, n_features)`` array, ``-1`` bins each
        column on its own, like ``KBinsDiscretizer``.

    subsample : int or None, default=200_000
        For float data, the number of values drawn (with replacement, as in
        ``KBinsDiscretizer``) to fit each channel; ``None`` uses them all.
        Integer images of up to 16 bits are always fitted exactly on every
        pixel from their histogram, whatever this says.

    random_state : int, RandomState instance or None, default=None
        Seeds the subsample of float data; unused for integer images.

    Attributes
    ----------
    bin_edges_ : ndarray of ndarray of shape (n_channels,)
        Edges of the bins of each channel, increasing, as
        ``KBinsDiscretizer.bin_edges_``. One entry when ``channel_axis`` is
        None. A value ``v`` gets code ``i`` when
        ``bin_edges_[c][i] <= v < bin_edges_[c][i + 1]``; values outside the
        fitted range get the first or last code.

    bin_centers_ : ndarray of ndarray of shape (n_channels,)
        What each code of each channel decodes to.

    n_bins_ : ndarray of shape (n_channels,), dtype=int
        Number of bins of each channel. Fewer than ``n_bins`` (with a
        warning) when the data has too few distinct values to fill them; 1
        for a constant channel.

    n_features_in_ : int
        Number of features (columns, ``X.shape[1]``) seen during :meth:`fit`.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during :meth:`fit`, when ``X`` has feature
        names that are all strings.

    See Also
    --------
    sklearn.preprocessing.KBinsDiscretizer : Bin continuous data into
        intervals; returns float64 codes.

    Notes
    -----
    Integer images (bool, int8, uint8, int16, uint16, and wider integer types
    whose values span at most 65536 levels) are fitted on the histogram of all
    their pixels: ``KBinsDiscretizer`` is fitted on the distinct grey levels
    weighted by their counts, which gives the same bin edges as fitting it on
    every pixel with ``subsample=None`` ('quantile' edges are read from the
    histogram, bit for bit as ``np.percentile`` finds them on every pixel).
    For 'kmeans', ``KMeans``' run on the pixels is replayed on the histogram
    (every way it could go, where rounding or ties leave a choice) and
    continued until no level changes bin; where the replay cannot be sure,
    the optimal partition is a candidate too. The squared error is never
    worse than ``KBinsDiscretizer``'s on the same pixels and weights.
    'optimal' works on the same histogram (for float data, on the distinct
    values of the subsample) in O(n_bins * n_levels * log n_levels) time.

    :meth:`partial_fit` accumulates that histogram over tiles: the streaming
    fit is exact, and equal to :meth:`fit` on the whole image.

    :meth:`transform` and :meth:`inverse_transform` follow scikit-learn's
    contract (the number of columns must match the fit, and the codes' type
    and channel axis are those of the fit until the next one). :meth:`encode`
    and :meth:`decode` apply the same mapping to arrays of any shape.

    Any byte order is read as such, without a copy. Masked arrays: masked
    values do not count in a fit or a score, and the codes (or grey levels)
    come back masked alike. A dask array is never computed whole: ``fit``,
    ``partial_fit`` and ``score`` count each chunk's levels and sum them in
    one ``compute`` (for integer images the bins equal those of a fit on the
    computed array); ``transform``, ``encode``, ``inverse_transform`` and
    ``decode`` return lazy dask arrays with the input's chunks.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_imagequant import ImageQuantizer
    >>> image = np.array([[0, 10, 20, 30], [200, 210, 220, 250]], dtype=np.uint8)
    >>> quantizer = ImageQuantizer(n_bins=2, strategy="kmeans")
    >>> codes = quantizer.fit_transform(image)
    >>> codes
    array([[0, 0, 0, 0],
           [1, 1, 1, 1]], dtype=uint8)
    >>> quantizer.bin_edges_[0]
    array([  0. , 117.5, 250. ])
    >>> quantizer.inverse_transform(codes)
    array([[ 58.75,  58.75,  58.75,  58.75],
           [183.75, 183.75, 183.75, 183.75]])
    >>> quantizer.set_params(centers="centroid").fit(image).decode(codes)
    array([[ 15.,  15.,  15.,  15.],
           [220., 220., 220., 220.]])
    """

    _parameter_constraints: dict = {
        "n_bins": [Interval(Integral, 2, 1 << 16, closed="both")],
        "strategy": [StrOptions({"uniform", "quantile", "kmeans", "optimal"})],
        "centers": [StrOptions({"midpoint", "centroid"})],
        "dtype": [None, Options(type, set(_CODE_DTYPES))],
        "channel_axis": [None, Integral],
        "subsample": [Interval(Integral, 1, None, closed="left"), None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        n_bins=8,
        *,
        strategy="kmeans",
        centers="midpoint",
        dtype=None,
        channel_axis=None,
        subsample=200_000,
        random_state=None,
    ):
        self.n_bins = n_bins
        self.strategy = strategy
        self.centers = centers
        self.dtype = dtype
        self.channel_axis = channel_axis
        self.subsample = subsample
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        code_dtype = self.dtype
        if code_dtype in (np.float32, np.float64):
            tags.transformer_tags.preserves_dtype = [np.dtype(code_dtype).name]
        else:
            tags.transformer_tags.preserves_dtype = []
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, sample_weight=None):
        """Find the bins of each channel.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, ...)
            Image(s) to fit: a 2-D grey image or table, a stack of images
            ``(n, H, W)``, or a colour image with ``channel_axis`` set.

        y : None
            Ignored.

        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample (each index of the first axis), shared by
            every value it holds.

        Returns
        -------
        self : ImageQuantizer
            The fitted quantizer.
        """
        if _dask.is_dask_array(X):
            return _dask.fit(self, X, sample_weight)
        X, mask = self._validate_values(X, reset=True)
        histograms, exact = [], True
        for values, weights in self._channel_values_and_weights(X, sample_weight, mask):
            if fits_histogram(values):
                histograms.append(level_counts(values, weights))
            else:
                histograms.append(self._sampled_counts(values, weights))
                exact = exact and values.size <= (self.subsample or values.size)
        # What partial_fit adds to, when every value was counted.
        exact = (
            exact and max(levels.size for levels, _ in histograms) <= MAX_HISTOGRAM_LEVELS
        )
        self._histograms = histograms if exact else None
        return self._fit_histograms(histograms, weighted=sample_weight is not None)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None, sample_weight=None):
        """Add the pixels of X to those seen so far, and refit the bins on them all.

        The exact streaming fit: the quantizer keeps the histogram of every
        value it has seen (at most 65536 distinct values per channel), so
        after any number of calls on tiles of an image its fitted attributes
        equal those :meth:`fit` finds on the whole image. Integer images of up
        to 16 bits always qualify; float data qualifies while it has few
        distinct values (convert float images to integers, for instance
        ``np.round(image * 65535).astype(np.uint16)`` for values in [0, 1]).
        Tiles are blocks of rows (or of images, for a stack): as in
        scikit-learn, every call must have the same number of columns. A call
        after :meth:`fit` adds to the values fit counted; :meth:`fit` starts
        afresh. Each call only counts its tile: the bins are fitted once, when
        first needed (a fitted attribute read, :meth:`transform`,
        :meth:`score`), so ``k`` calls cost the counting plus about one fit.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, ...)
            A tile of the image(s), shaped as in :meth:`fit`.

        y : None
            Ignored.

        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample (each index of the first axis).

        Returns
        -------
        self : ImageQuantizer
            The quantizer, fitted on every value seen.

        Examples
        --------
        >>> import numpy as np
        >>> from sk_imagequant import ImageQuantizer
        >>> image = np.arange(64, dtype=np.uint8).reshape(8, 8) ** 2 % 251
        >>> streamed = ImageQuantizer(n_bins=4)
        >>> for tile in np.array_split(image, 3):
        ...     streamed = streamed.partial_fit(tile)
        >>> whole = ImageQuantizer(n_bins=4).fit(image)
        >>> np.array_equal(streamed.bin_edges_[0], whole.bin_edges_[0])
        True
        """
        first_call = not hasattr(self, "_histograms")
        if not first_call and self._histograms is None:
            raise ValueError(
                "partial_fit adds to an exact fit, but the last fit drew a subsample "
                f"of float data (subsample={self.subsample}) or met more than "
                f"{MAX_HISTOGRAM_LEVELS} distinct values. Start with partial_fit, or "
                "convert the data to integers."
            )
        if _dask.is_dask_array(X):
            return _dask.partial_fit(self, X, sample_weight)
        X, mask = self._validate_values(X, reset=first_call)
        channels = self._channel_values_and_weights(X, sample_weight, mask)
        self._check_channels_seen(len(channels))
        histograms = [
            level_counts(values, weights)
            if fits_histogram(values)
            else value_counts(values, weights)
            for values, weights in channels
        ]
        return self._add_histograms(histograms, X.dtype, weighted=sample_weight is not None)

    def transform(self, X):
        """Replace each value by the code of its bin.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, ...)
            Image(s) shaped as in :meth:`fit`.

        Returns
        -------
        codes : ndarray of the same shape as X
            Codes from 0 to ``n_bins_ - 1``, uint8 by default.
        """
        check_is_fitted(self)
        if _dask.is_dask_array(X):
            return _dask.transform(self, X)
        X, mask = self._validate_values(X, reset=False)
        return _masked(self._encode(X), mask)

    def inverse_transform(self, X):
        """Map codes back to grey levels, the centres of their bins.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, ...)
            Codes, as :meth:`transform` returns them.

        Returns
        -------
        X_original : ndarray of float64 of the same shape
            ``bin_centers_`` of each code.
        """
        check_is_fitted(self)
        if _dask.is_dask_array(X):
            return _dask.inverse_transform(self, X)
        codes, mask = _unmasked(X)
        codes = check_array(codes, dtype="numeric", allow_nd=True, ensure_all_finite=False)
        if codes.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {codes.shape[1]} features, but ImageQuantizer is "
                f"expecting {self.n_features_in_} features as input."
            )
        return _masked(self._decode(_zero_where(codes, mask)), mask)

    def encode(self, image):
        """Codes of an array of any shape and size, with the fitted bins.

        Parameters
        ----------
        image : array-like of any shape
            Values to encode. With ``channel_axis`` set, that axis must hold
            as many channels as the fitted data.

        Returns
        -------
        codes : ndarray of the same shape
            Codes from 0 to ``n_bins_ - 1``.
        """
        check_is_fitted(self)
        if _dask.is_dask_array(image):
            return _dask.encode(self, image)
        image, mask = _unmasked(image)
        image = _check_any_shape(image, name="image", ensure_all_finite=mask is None)
        if mask is not None:
            _check_finite(image, mask)
        return _masked(self._encode(image), mask)

    def decode(self, codes):
        """Grey levels of codes of any shape, the centres of their bins.

        Parameters
        ----------
        codes : array-like of any shape
            Whole numbers from 0 to ``n_bins_ - 1``.

        Returns
        -------
        image : ndarray of float64 of the same shape
        """
        check_is_fitted(self)
        if _dask.is_dask_array(codes):
            return _dask.decode(self, codes)
        codes, mask = _unmasked(codes)
        codes = _check_any_shape(codes, name="codes", ensure_all_finite=False)
        return _masked(self._decode(_zero_where(codes, mask)), mask)

    def score(self, X, y=None):
        """Peak signal-to-noise ratio of ``decode(encode(X))`` against X, in dB.

        Greater is better, so a search over the quantizer's parameters can
        use it. The peak is the integer dtype's maximum (255 for uint8, 65535
        for uint16; the dtype's whole span if X has negative values), and for
        float data the fitted range.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, ...)
            Image(s) shaped as in :meth:`fit`.

        y : None
            Ignored.

        Returns
        -------
        score : float
            PSNR in dB; ``inf`` when the quantisation loses nothing.
        """
        check_is_fitted(self)
        if _dask.is_dask_array(X):
            return _dask.score(self, X)
        X, mask = self._validate_values(X, reset=False)
        _check_magnitude(X, mask)
        if X.dtype.kind in "biu":
            low = X.min() if mask is None else X[~mask].min()
            data_range = integer_data_range(X.dtype, has_negative=bool(low < 0))
        else:
            data_range = max(float(edges[-1] - edges[0]) for edges in self.bin_edges_)
            data_range = data_range or 1.0
        if not is_histogram_dtype(X.dtype) and mask is None:
            return peak_signal_noise_ratio(X, self._decode(self._encode(X)), data_range)
        # 8- and 16-bit images: the error of each grey level, weighted by its
        # count, so nothing image-sized is allocated (and masked data, one
        # channel at a time).
        channel_axis = self._channel_count_check(X)
        squared_error, n_values = 0.0, 0.0
        channels = _channel_values(X, channel_axis)
        masks = (
            [None] * len(channels) if mask is None else _channel_values(mask, channel_axis)
        )
        for values, channel_mask, edges, centers in zip(
            channels, masks, self.bin_edges_, self.bin_centers_, strict=True
        ):
            if is_histogram_dtype(X.dtype):
                levels, counts = level_counts(values, mask=channel_mask)
            else:  # other masked data: the unmasked values themselves
                levels = values[~channel_mask].astype(np.float64)
                counts = np.ones(levels.size)
            codes = _encoding.encode(levels, edges, self._codes_dtype())
            errors = levels - _encoding.decode(codes, centers)
            squared_error += float(counts @ np.square(errors))
            n_values += float(counts.sum())
        return psnr_from_mse(squared_error / n_values, data_range)

    # Internals -----------------------------------------------------------

    def _check_code_dtype(self):
        code_dtype = self._param_codes_dtype()
        if code_dtype.kind == "u" and self.n_bins > np.iinfo(code_dtype).max + 1:
            raise ValueError(
                f"dtype={code_dtype.name} holds at most {np.iinfo(code_dtype).max + 1} "
                f"codes, but n_bins={self.n_bins}. Use dtype=np.uint16 or dtype=None."
            )

    def _param_codes_dtype(self):
        """The codes' type the parameters ask for (the next fit's)."""
        if self.dtype is not None:
            return np.dtype(self.dtype)
        return np.dtype(np.uint8 if self.n_bins <= 256 else np.uint16)

    def _codes_dtype(self):
        """The codes' type fixed by the last fit: ``set_params`` waits for a refit."""
        return self._fitted_codes_dtype

    def _checked_channel_axis(self, ndim, channel_axis="params"):
        if channel_axis == "params":
            channel_axis = self.channel_axis
        if channel_axis is None:
            return None
        if not -ndim <= channel_axis < ndim:
            raise ValueError(
                f"channel_axis={channel_axis} is out of range for an array "
                f"with {ndim} dimensions."
            )
        return channel_axis % ndim

    def _validate_values(self, X, *, reset):
        """``validate_data`` on X's values; a masked array's mask beside them.

        Masked pixels may hold anything (NaN included): only the unmasked
        values are checked, and only they count.
        """
        X, mask = _unmasked(X)
        X = validate_data(
            self,
            X,
            dtype="numeric",
            allow_nd=True,
            reset=reset,
            ensure_all_finite=mask is None,
        )
        if mask is not None:
            _check_finite(X, mask)
        return X, mask

    def _channel_values_and_weights(self, X, sample_weight, mask=None):
        """Checks shared by fit and partial_fit; each channel's values and weights.

        Masked values are left out: their weight is zero (for 8- and 16-bit
        images the counting skips them, without a copy).
        """
        _check_magnitude(X, mask)
        self._check_code_dtype()
        channel_axis = self._checked_channel_axis(X.ndim)
        values = _channel_values(X, channel_axis)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, ensure_non_negative=True)
            if not np.any(sample_weight > 0):  # scikit-learn < 1.8 lets this through
                raise ValueError(
                    "Sample weights must contain at least one non-zero number."
                )
            shape = (-1,) + (1,) * (X.ndim - 1)
            sample_weight = np.broadcast_to(sample_weight.reshape(shape), X.shape)
            weights = _channel_values(sample_weight, channel_axis)
        else:
            weights = [None] * len(values)
        if mask is None:
            return list(zip(values, weights, strict=True))
        channels = []
        for channel_values, channel_weights, channel_mask in zip(
            values, weights, _channel_values(mask, channel_axis), strict=True
        ):
            keep = ~channel_mask
            if not keep.any():
                raise ValueError(
                    "Every value of a channel is masked: there is nothing to fit."
                )
            channel_values = channel_values[keep]
            if channel_weights is not None:
                channel_weights = channel_weights[keep]
            channels.append((channel_values, channel_weights))
        return channels

    def _sampled_counts(self, values, weights):
        """Distinct values and weights of float data, from a subsample if it is large."""
        values = values.reshape(-1)
        weights = None if weights is None else weights.reshape(-1)
        if self.subsample is not None and values.size > self.subsample:
            # As KBinsDiscretizer: with replacement, in proportion to the weights.
            values = resample(
                values,
                n_samples=self.subsample,
                random_state=self.random_state,
                sample_weight=weights,
            )
            weights = None
        return value_counts(values, weights)

    def _check_channels_seen(self, n_channels):
        """A partial_fit after the first must see as many channels."""
        seen = getattr(self, "_histograms", None)
        if seen is not None and n_channels != len(seen):
            raise ValueError(
                f"The data has {n_channels} channels, but ImageQuantizer was "
                f"fitted with {len(seen)}."
            )

    def _add_histograms(self, histograms, dtype, *, weighted):
        """partial_fit: add each channel's histogram to those seen so far.

        A channel's histogram may also be an object with an ``n_levels``
        attribute: levels counted, too many to keep (the dask path).
        ``weighted``: whether this call had sample weights.
        """
        seen = getattr(self, "_histograms", None)
        if seen is not None:
            weighted = weighted or self._weighted
        merged = []
        for channel, histogram in enumerate(histograms):
            n_levels = getattr(histogram, "n_levels", None)
            if n_levels is None:
                if seen is not None:
                    histogram = merge_counts(seen[channel], histogram)
                n_levels = histogram[0].size
            if n_levels > MAX_HISTOGRAM_LEVELS:
                raise ValueError(
                    f"partial_fit fits exactly from a histogram of at most "
                    f"{MAX_HISTOGRAM_LEVELS} distinct values per channel, and channel "
                    f"{channel} has {n_levels} so far ({np.dtype(dtype).name} data). "
                    "Convert the images to integers first (for instance "
                    "np.round(image * 65535).astype(np.uint16) for values in [0, 1]), "
                    "or use fit, which subsamples float data."
                )
            merged.append(histogram)
        self._histograms = merged
        return self._fit_histograms(merged, when_needed=True, weighted=weighted)

    def _fit_histograms(self, histograms, *, when_needed=False, weighted=False):
        """Fit the bins of each channel on its ``(levels, counts)``.

        The bins depend on nothing else: whole sample weights act as repeated
        pixels (``weighted``: there were weights, which only ``kmeans``'
        replay of ``KMeans`` needs to know). ``when_needed``: the bins are
        fitted when first read (partial_fit).
        The parameters that shape the output are fixed here, as in any fit.
        """
        self._check_code_dtype()
        self._fitted_codes_dtype = self._param_codes_dtype()
        self._fitted_channel_axis = self.channel_axis
        self._weighted = weighted
        self._pending_histograms = histograms
        for name in ("_bin_edges", "_bin_centers", "_n_bins"):
            self.__dict__.pop(name, None)
        if not when_needed:
            self._fit_pending()
        return self

    def _fit_pending(self):
        """Fit the bins on the histograms counted since the last fit, if any."""
        histograms = self.__dict__.pop("_pending_histograms", None)
        if histograms is None:
            return
        n_channels = len(histograms)
        bin_edges = np.empty(n_channels, dtype=object)
        bin_centers = np.empty(n_channels, dtype=object)
        n_bins = np.empty(n_channels, dtype=np.int64)
        for channel, (levels, counts) in enumerate(histograms):
            edges = self._fit_bin_edges(levels, counts, channel)
            bin_edges[channel] = edges
            bin_centers[channel] = self._bin_centers(levels, counts, edges)
            n_bins[channel] = edges.size - 1
        self._bin_edges, self._bin_centers, self._n_bins = bin_edges, bin_centers, n_bins

    def __sklearn_is_fitted__(self):
        return "_bin_edges" in self.__dict__ or "_pending_histograms" in self.__dict__

    def _fitted(self, name):
        self._fit_pending()
        try:
            return self.__dict__[name]
        except KeyError:
            raise AttributeError(
                f"This ImageQuantizer instance is not fitted yet: it has no "
                f"{name[1:]}_ attribute."
            ) from None

    # The fitted attributes: after partial_fit, the bins are fitted here, when
    # first read.
    bin_edges_ = property(lambda self: self._fitted("_bin_edges"))
    bin_centers_ = property(lambda self: self._fitted("_bin_centers"))
    n_bins_ = property(lambda self: self._fitted("_n_bins"))

    def _fit_bin_edges(self, levels, counts, channel):
        """Bin edges for one channel's weighted levels."""
        low, high = levels[0], levels[-1]
        if levels.size == 1:
            warnings.warn(
                f"Channel {channel} is constant ({low:g}): every value gets code 0, "
                "which decodes to it.",
                UserWarning,
                stacklevel=2,
            )
            return np.array([low, high])
        if self.strategy == "optimal":
            edges = optimal_bin_edges(levels, counts, self.n_bins)
        elif self.strategy == "kmeans" and levels.size <= self.n_bins:
            # Each level its own bin: the least error any partition reaches.
            edges = np.r_[low, 0.5 * (levels[1:] + levels[:-1]), high]
        elif self.strategy == "quantile" and _whole_counts(counts):
            # KBinsDiscretizer's np.percentile on every pixel, to the bit
            # (whole sample weights count as repeated pixels).
            edges = quantile_bin_edges(levels, counts, self.n_bins)
        elif self.strategy == "kmeans":
            edges = self._kmeans_bin_edges(levels, counts)
        else:
            edges = self._discretizer_bin_edges(levels, counts)
        if self.strategy != "uniform":
            edges = _without_narrow_bins(edges, low, high)
        n_bins = edges.size - 1
        if n_bins < self.n_bins:
            warnings.warn(
                f"Channel {channel} gets {n_bins} bin{'s' * (n_bins > 1)} instead of "
                f"n_bins={self.n_bins}: "
                f"with only {levels.size} distinct values, the other bins would be "
                f"empty or narrower than 1e-8 (strategy={self.strategy!r}).",
                UserWarning,
                stacklevel=2,
            )
        return edges

    def _discretizer_bin_edges(self, levels, counts):
        """``KBinsDiscretizer``'s edges, fitted on the levels weighted by their counts."""
        discretizer = KBinsDiscretizer(
            n_bins=self.n_bins,
            encode="ordinal",
            strategy=self.strategy,
            quantile_method=QUANTILE_METHOD,
            subsample=None,
        )
        with warnings.catch_warnings():
            # Merged bins are reported by _fit_bin_edges, in this channel's
            # words; the k-means stops at a tolerance, and is refined after.
            warnings.simplefilter("ignore")
            discretizer.fit(levels[:, np.newaxis], sample_weight=counts)
        return discretizer.bin_edges_[0].astype(np.float64)

    def _kmeans_bin_edges(self, levels, counts):
        """``KBinsDiscretizer``'s k-means as it would run on every pixel, finished.

        ``KBinsDiscretizer`` runs ``KMeans`` from the centres of uniform bins
        until a tolerance. Its run on the pixels is replayed on the histogram
        (see :func:`lloyd_pixels`), redoing ``KMeans``' arithmetic where
        rounding decides between two centres, and continued until no level
        changes bin: further Lloyd steps only lower the error. Where a level
        lies halfway between two centres (within rounding), the replay
        follows both ways. When it cannot be sure that one of its runs is
        ``KMeans``' (too many such levels, or a pixel relocated to an empty
        cluster), the exactly optimal partition joins the candidates. The
        candidate with the least squared error wins, so the result is never
        worse than ``KBinsDiscretizer``'s on every pixel, whichever way its
        run went.

        When unsure, and where it is cheap (at least 16 pixels a level, as on
        8-bit images), ``KBinsDiscretizer`` fitted on the weighted levels is
        a candidate too, finished the same way.

        Floats nearly all unique, a few (under 1%) closer than 1e-8 (the
        measured-only case), follow at most 8 runs and have no fallback:
        near-ties make the replay unsure at once there, and the exact
        partition costs more than ``KMeans``.
        """
        low, high = levels[0], levels[-1]
        # Nearly all distinct floats (see above); many near-duplicates, as in
        # the lfw faces, keep the fallback.
        close = np.count_nonzero(np.diff(levels) < 1e-8)
        distinct = 2 * levels.size > counts.sum() and 0 < close < 0.01 * levels.size
        # KBinsDiscretizer's start: the centres of uniform bins.
        uniform = np.linspace(low, high, self.n_bins + 1)
        # KMeans' tolerance, where the counts are the pixels (no weights):
        # runs end where it stops, and are finished by refine_kmeans.
        tol = None
        if not self._weighted:
            mean = np.sum(counts * levels) / np.sum(counts)
            tol = KMEANS_TOL * float(np.sum(counts * (levels - mean) ** 2) / np.sum(counts))
        runs, certain = lloyd_pixels(
            levels,
            counts,
            0.5 * (uniform[1:] + uniform[:-1]),
            max_runs=_DISTINCT_RUNS if distinct else 128,
            tol=tol,
        )
        candidates = []
        for i, centres in enumerate(runs):
            if any(np.array_equal(centres, other) for other in runs[:i]):
                continue
            candidates.append(
                refine_kmeans(levels, counts, edges_from_centres(centres, low, high))
            )
        unsure = not certain and not distinct
        if unsure and 16 * levels.size <= counts.sum():
            edges = self._discretizer_bin_edges(levels, counts)
            # KMeans can leave empty clusters outside the data, and so
            # unsorted edges: the start is put back in order within the range.
            start = np.clip(np.sort(edges), low, high)
            candidates.append(refine_kmeans(levels, counts, start))
        if unsure:
            candidates.append(optimal_bin_edges(levels, counts, self.n_bins))
        # Compared as they will be kept: without bins narrower than 1e-8; on
        # equal error, the fewer bins (the others would be empty).
        candidates = [_without_narrow_bins(edges, low, high) for edges in candidates]
        return min(
            candidates, key=lambda edges: (squared_error(levels, counts, edges), edges.size)
        )

    def _bin_centers(self, levels, counts, edges):
        midpoints = 0.5 * (edges[1:] + edges[:-1])
        if self.centers == "midpoint":
            return midpoints
        means = bin_means(levels, counts, bin_labels(levels, edges), edges.size - 1)
        # A mean lies in its bin; clipping undoes rounding (a constant's mean).
        return np.clip(np.where(np.isnan(means), midpoints, means), edges[:-1], edges[1:])

    def _channel_count_check(self, X):
        """The fitted channel axis of X (``set_params`` waits for a refit)."""
        channel_axis = self._checked_channel_axis(X.ndim, self._fitted_channel_axis)
        if channel_axis is None:
            return None
        n_channels = len(self.bin_edges_)
        if X.shape[channel_axis] != n_channels:
            raise ValueError(
                f"The data has {X.shape[channel_axis]} channels on axis "
                f"{self._fitted_channel_axis}, but ImageQuantizer was fitted with "
                f"{n_channels}."
            )
        return channel_axis

    def _encode(self, X):
        channel_axis = self._channel_count_check(X)
        codes_dtype = self._codes_dtype()
        if channel_axis is None:
            return _encoding.encode(X, self.bin_edges_[0], codes_dtype)
        codes = np.empty(X.shape, dtype=codes_dtype)
        for channel, edges in enumerate(self.bin_edges_):
            index = _channel_index(X.ndim, channel_axis, channel)
            _encoding.encode(X[index], edges, codes_dtype, out=codes[index])
        return codes

    def _decode(self, codes):
        channel_axis = self._channel_count_check(codes)
        codes = self._checked_codes(codes, channel_axis)
        if channel_axis is None:
            return _encoding.decode(codes, self.bin_centers_[0])
        image = np.empty(codes.shape, dtype=np.float64)
        for channel, centers in enumerate(self.bin_centers_):
            index = _channel_index(codes.ndim, channel_axis, channel)
            _encoding.decode(codes[index], centers, out=image[index])
        return image

    def _checked_codes(self, codes, channel_axis):
        """The codes, after checking they are whole numbers and in range."""
        if codes.dtype.kind == "f":
            if np.isnan(codes).any():
                raise ValueError("Codes must be whole numbers, got NaN.")
            if not np.all(codes == np.round(codes)):
                raise ValueError("Codes must be whole numbers, got fractions.")
        if channel_axis is None:
            channels = [codes]
        else:  # each channel on its own: a reduction over the other axes is slow
            channels = [
                codes[_channel_index(codes.ndim, channel_axis, channel)]
                for channel in range(codes.shape[channel_axis])
            ]
        for channel_codes, n_bins in zip(channels, self.n_bins_, strict=True):
            low, high = channel_codes.min(), channel_codes.max()
            if low < 0 or high > n_bins - 1:
                raise ValueError(
                    f"Codes must lie in 0..n_bins_ - 1 (n_bins_={self.n_bins_.tolist()}), "
                    f"got values from {low:g} to {high:g}."
                )
        return codes


def _whole_counts(counts):
    """Whether counts are whole numbers, exact in float64: pixels, not weights."""
    if not counts.sum() < 2.0**53:
        return False
    # Distinct floats count 1 each: two reductions instead of a rounding.
    return counts.min() == 1.0 == counts.max() or bool(np.all(counts == np.rint(counts)))


def _unmasked(X):
    """A masked array's data and mask (None when nothing is masked); X as is else."""
    if not isinstance(X, np.ma.MaskedArray):
        return X, None
    mask = np.ma.getmask(X)
    data = np.ma.getdata(X)
    if mask is np.ma.nomask or not mask.any():
        return data, None
    return data, np.broadcast_to(mask, data.shape)


def _masked(result, mask):
    """``result`` masked where the input was (a copy of the mask), or as is."""
    if mask is None:
        return result
    return np.ma.masked_array(result, mask=mask.copy())


def _zero_where(codes, mask):
    """Masked codes may hold anything: code 0 stands in for them (a copy)."""
    if mask is None:
        return codes
    return np.where(mask, 0, np.asarray(codes)).astype(codes.dtype, copy=False)


def _check_finite(X, mask):
    """The NaN and infinity checks of ``check_array``, on the unmasked values."""
    if X.dtype.kind == "f" and not np.isfinite(X[~mask]).all():
        raise ValueError("Input contains NaN or infinity in unmasked values.")


def _check_magnitude(X, mask=None):
    """Float values must stay below MAX_MAGNITUDE wherever they enter a fit or score."""
    if X.dtype.kind != "f":
        return
    values = X if mask is None else X[~mask]
    magnitude = max(float(values.max()), -float(values.min())) if values.size else 0.0
    if magnitude > MAX_MAGNITUDE:
        raise ValueError(
            f"ImageQuantizer fits values up to {MAX_MAGNITUDE:g} in magnitude (their "
            f"squared errors must not overflow), got {magnitude:g}. Rescale the data."
        )


def _without_narrow_bins(edges, low, high):
    """Edges without the bins narrower than 1e-8, as ``KBinsDiscretizer`` does.

    Unlike it, the outer edges stay ``low`` and ``high``, so that every fitted
    value lies in a bin, and at least one bin is kept.
    """
    edges = edges[np.ediff1d(edges, to_begin=np.inf) > 1e-8]
    if edges.size < 2:
        return np.array([low, high])
    edges[-1] = high
    return edges


def _channel_index(ndim, channel_axis, channel):
    """Index selecting one channel of an ``ndim``-array."""
    index = [slice(None)] * ndim
    index[channel_axis] = channel
    return tuple(index)


def _channel_values(X, channel_axis):
    """The values of each channel, as views of X (not flattened: no copies)."""
    if channel_axis is None:
        return [X]
    return [
        X[_channel_index(X.ndim, channel_axis, channel)]
        for channel in range(X.shape[channel_axis])
    ]


def _check_any_shape(array, *, name, ensure_all_finite=True):
    """Validate a numeric array of any shape, scalars included."""
    array = np.asarray(array) if not hasattr(array, "dtype") else array
    shape = np.shape(array)
    if len(shape) == 0:
        array = np.reshape(array, (1,))
    if np.size(array) == 0:
        raise ValueError(f"Found an empty {name} of shape {shape}; it needs values.")
    array = check_array(
        array,
        dtype="numeric",
        ensure_2d=False,
        allow_nd=True,
        ensure_all_finite=ensure_all_finite,
        input_name=name,
    )
    return array.reshape(shape)

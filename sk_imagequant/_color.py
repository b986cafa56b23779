"""ColorQuantizer: a palette of n colours fitted on every pixel (scikit-learn API)."""

import warnings
from numbers import Integral

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.cluster import KMeans
from sklearn.utils import check_array, check_random_state
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import (
    _check_feature_names,
    _check_n_features,
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)
from threadpoolctl import ThreadpoolController

from . import _dask_color
from ._metrics import integer_data_range, psnr_from_mse
from ._palette import (
    distinct_colours,
    fit_rgb_palette,
    histogram_codes,
    merge_colours,
    morton_colours,
    morton_histogram,
    nearest_codes,
    round_palette,
    sort_by_morton,
    squared_error,
)

# Distinct colours KMeans is fitted on at most (drawn in proportion to their
# counts above this): the path for data other than uint8 RGB.
MAX_KMEANS_COLOURS = 50_000

# Larger float values would overflow the squared distances in float64.
MAX_MAGNITUDE = 1e100

# 8- and 16-bit 2-D arrays wider than this are grey images, not colour tables.
MAX_TABLE_CHANNELS = 4

_GREY_DTYPES = (np.uint8, np.int8, np.uint16, np.int16)

_CONTROLLER = None


def _one_blas_thread():
    """A context holding BLAS to one thread (its controller is built once)."""
    global _CONTROLLER
    if _CONTROLLER is None:
        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=1, user_api="blas")


class ColorQuantizer(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Quantise colour images to a palette of a few colours, fitted on every pixel.

    True vector quantisation: each pixel (a row of C channel values) is
    replaced by one code, the index of its nearest colour in a palette of
    ``n_colors`` colours chosen to represent the image with the least squared
    error, and :meth:`inverse_transform` maps the codes back to colours
    (MATLAB's ``rgb2ind`` and ``ind2rgb``).

    Parameters
    ----------
    n_colors : int, default=16
        Number of colours in the palette, from 2 to 65536.

    max_iter : int, default=5
        Lloyd's passes (see Notes): the knob of speed against quality, for
        uint8 RGB palettes of up to 64 colours (at most ``max_iter + 3``
        passes, fewer when they settle; above 64 colours the stages make 5,
        5 and 2 passes). For data other than uint8 RGB, ``KMeans``'
        ``max_iter``.

    dither : bool, default=False
        Floyd-Steinberg error diffusion in :meth:`transform`, for uint8 RGB
        images: each pixel's error is spread onto its neighbours before they
        are mapped, which trades noise for banding. A dithered pixel's code
        is then not its nearest palette colour: dithering is not a per-pixel
        map. Done by Pillow (the ``plot`` extra), at most 256 colours. Tables
        ``(n_samples, n_features)`` are never dithered (their rows have no
        neighbours). Dask images are refused (the diffusion crosses blocks).

    random_state : int, RandomState instance or None, default=None
        Seeds ``KMeans`` and the draw of its subsample, for data other than
        uint8 RGB; ``None`` uses a fixed seed, so that the same data always
        gives the same palette. Unused for uint8 RGB images, whose fit draws
        nothing.

    Attributes
    ----------
    palette_ : ndarray of shape (n_colors_, n_features_in_)
        The colours codes decode to: uint8 when fitted on uint8 data, float64
        otherwise.

    n_colors_ : int
        Number of palette colours: ``n_colors``, or fewer (with a warning)
        when the data has fewer distinct colours, which are then the palette.

    n_iter_ : int
        Lloyd's passes of the last stage (on the cells up to 64 colours, on
        the distinct colours above), or ``KMeans``' ``n_iter_``; 0 when the
        palette is the distinct colours.

    n_features_in_ : int
        Number of channels (the last axis of an image, the columns of a
        table) seen during :meth:`fit`.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during :meth:`fit`, when ``X`` has feature
        names that are all strings.

    See Also
    --------
    ImageQuantizer : Quantise each channel (grey levels) on its own.
    sklearn.cluster.KMeans : k-means clustering, which this fit approximates
        on every pixel.

    Notes
    -----
    Input: a colour image ``(H, W, C)`` (channels last, as scikit-image), a
    stack of images ``(n, H, W, C)``, or a table ``(n_samples, n_features)``
    of colours. A 2-D 8- or 16-bit array wider than 4 columns is taken for a
    grey image and refused (quantise grey levels with ``ImageQuantizer``).
    Codes have the shape of the pixels: ``(H, W)``, ``(n, H, W)``, or
    ``(n_samples, 1)`` for a table; uint8 up to 256 colours, uint16 above.

    The fit works on the colour histogram (each distinct colour with its
    count), so it sees every pixel. For uint8 RGB data, up to 64 colours: the
    moments (weight and sums) of the occupied cells of the colour cube, of
    the coarsest size (4 to 7 bits a channel) with at least ``750 *
    sqrt(n_colors)`` of them; Orchard and Bouman's splitting across
    principal axes (1991) of cells one bit coarser, the cluster of largest
    squared error cut first at its best cut along its principal axis; then
    over-relaxed Lloyd's passes (k-means, each centre moved twice its step)
    on the cells' mean colours, weighted by their counts, until the means or
    the squared error settle (at most ``max_iter + 3`` passes); the means
    rounded to uint8. Principal axes rather than Wu's box splitting here:
    followed by the same passes, they start Lloyd nearer to a good palette
    (on the benchmark's five photos, 0.991 times the error of ``KMeans`` on
    every pixel against Wu's 1.009 at 16 colours, geometric means). Above 64
    colours: Xiaolin Wu's greedy variance-minimising
    splitting of the colour cube (on the moments of 5-bit cells, 1991), then
    Lloyd's passes on the mean colours of the occupied 5-bit cells, of the
    6-bit cells, then on the distinct colours, and the centres rounded to
    uint8, each the rounded mean of the colours whose exact nearest entry it
    is. For other data, scikit-learn's ``KMeans`` (k-means++, one
    initialisation) on the distinct colours weighted by their
    counts, drawn with replacement in proportion to their counts when there
    are more than 50 000. BLAS runs on one thread during the fit.

    :meth:`transform` maps every pixel to its nearest palette colour exactly
    (squared Euclidean distance, ties to the lower index), a chunk at a
    time: beyond the codes, it uses a few megabytes whatever the image size.
    :meth:`fit_transform` of a uint8 RGB image gives the same codes from its
    histogram: a cell of the colour cube (4 values a channel) that lies
    wholly on one palette entry's side (tested exactly at its corners) gives
    its code to all its pixels through a look-up table, and the distinct
    colours of the other cells get their codes one by one.

    :meth:`partial_fit` accumulates the histogram over tiles and refits from
    it: after any tiling, the palette equals that :meth:`fit` finds on the
    whole image.

    Dask arrays (the ``dask`` extra) are never computed whole: :meth:`fit`,
    :meth:`partial_fit` and :meth:`score` merge the colour histograms (or
    squared errors) of the blocks by a tree reduction in one ``compute``,
    and the palette is the one :meth:`fit` finds on the computed array;
    :meth:`transform` and :meth:`inverse_transform` return lazy dask arrays,
    block by block. The channel axis is rechunked to one chunk if it is
    split. ``dither=True`` is refused for dask images.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_imagequant import ColorQuantizer
    >>> image = np.array(
    ...     [
    ...         [[250, 0, 0], [240, 10, 0], [0, 0, 250]],
    ...         [[0, 10, 240], [0, 250, 0], [10, 240, 0]],
    ...     ],
    ...     dtype=np.uint8,
    ... )
    >>> quantizer = ColorQuantizer(n_colors=3)
    >>> codes = quantizer.fit_transform(image)
    >>> quantizer.palette_
    array([[  0,   5, 245],
           [245,   5,   0],
           [  5, 245,   0]], dtype=uint8)
    >>> codes
    array([[1, 1, 0],
           [0, 2, 2]], dtype=uint8)
    >>> quantizer.inverse_transform(codes)[0]
    array([[245,   5,   0],
           [245,   5,   0],
           [  0,   5, 245]], dtype=uint8)
    """

    _parameter_constraints: dict = {
        "n_colors": [Interval(Integral, 2, 1 << 16, closed="both")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "dither": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(self, n_colors=16, *, max_iter=5, dither=False, random_state=None):
        self.n_colors = n_colors
        self.max_iter = max_iter
        self.dither = dither
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = []  # codes are unsigned integers
        return tags

    @property
    def _n_features_out(self):
        """One output feature: the code."""
        return 1

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, sample_weight=None):
        """Fit the palette on every pixel.

        Parameters
        ----------
        X : array-like of shape (H, W, C), (n, H, W, C) or (n_samples, n_features)
            A colour image, a stack of images, or a table of colours.

        y : None
            Ignored.

        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample (each index of the first axis: a row of an
            image, an image of a stack), shared by every pixel it holds.

        Returns
        -------
        self : ColorQuantizer
            The fitted quantizer.
        """
        if _dask_color.is_dask_array(X):
            return _dask_color.fit(self, X, sample_weight)
        X, pixels = self._validate_pixels(X, reset=True)
        self._check_magnitude(pixels)
        if sample_weight is None and _is_rgb8(pixels):
            _, keys, counts = morton_histogram(pixels)
            self._histogram = morton_colours(keys), counts
            return self._fit_histogram(keys)
        self._histogram = distinct_colours(pixels, self._pixel_weights(X, sample_weight))
        return self._fit_histogram()

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, X, y=None, sample_weight=None):
        """Fit the palette on every pixel, and return the codes of X.

        The same codes as ``fit(X).transform(X)``, found from the codes of
        the distinct colours of X.

        Parameters
        ----------
        X : array-like of shape (H, W, C), (n, H, W, C) or (n_samples, n_features)
            A colour image, a stack of images, or a table of colours.

        y : None
            Ignored.

        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample (each index of the first axis).

        Returns
        -------
        codes : ndarray of shape (H, W), (n, H, W) or (n_samples, 1)
            As :meth:`transform` returns them.
        """
        if _dask_color.is_dask_array(X):
            return _dask_color.fit_transform(self, X, sample_weight)
        if sample_weight is not None:
            return self.fit(X, sample_weight=sample_weight).transform(X)
        X, pixels = self._validate_pixels(X, reset=True)
        self._check_magnitude(pixels)
        if _is_rgb8(pixels):
            pixel_keys, keys, counts = morton_histogram(pixels)
            self._histogram = morton_colours(keys), counts
            self._fit_histogram(keys)
            if self._dithers(X):
                return self._dither(X)
            codes = histogram_codes(pixel_keys, keys, self.palette_, self._codes_dtype())
            return codes.reshape(_codes_shape(X))
        colours, counts, inverse = distinct_colours(pixels, return_inverse=True)
        self._histogram = colours, counts
        self._fit_histogram()
        if self._dithers(X):
            return self._dither(X)
        colour_codes = nearest_codes(
            colours, self.palette_, self._codes_dtype(), distinct=True
        )
        return colour_codes[inverse].reshape(_codes_shape(X))

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None, sample_weight=None):
        """Add the pixels of X to those seen so far, and refit the palette on them all.

        The exact streaming fit: the quantizer keeps the colour histogram of
        every pixel it has seen, so after any number of calls on tiles of an
        image its palette equals the one :meth:`fit` finds on the whole image.
        A call after :meth:`fit` adds to the pixels fit saw; :meth:`fit`
        starts afresh.

        Parameters
        ----------
        X : array-like of shape (H, W, C), (n, H, W, C) or (n_samples, n_features)
            A tile of the image(s), with as many channels as every other tile.

        y : None
            Ignored.

        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample (each index of the first axis).

        Returns
        -------
        self : ColorQuantizer
            The quantizer, fitted on every pixel seen.

        Examples
        --------
        >>> import numpy as np
        >>> from sk_imagequant import ColorQuantizer
        >>> image = np.random.default_rng(0).integers(0, 256, (8, 8, 3), dtype=np.uint8)
        >>> streamed = ColorQuantizer(n_colors=4)
        >>> for tile in np.array_split(image, 3):
        ...     streamed = streamed.partial_fit(tile)
        >>> whole = ColorQuantizer(n_colors=4).fit(image)
        >>> np.array_equal(streamed.palette_, whole.palette_)
        True
        """
        if _dask_color.is_dask_array(X):
            return _dask_color.partial_fit(self, X, sample_weight)
        first_call = not hasattr(self, "_histogram")
        X, pixels = self._validate_pixels(X, reset=first_call)
        self._check_magnitude(pixels)
        histogram = distinct_colours(pixels, self._pixel_weights(X, sample_weight))
        if not first_call:
            histogram = merge_colours(self._histogram, histogram)
        self._histogram = histogram
        return self._fit_histogram()

    def transform(self, X):
        """The code of each pixel: the index of its nearest palette colour.

        Parameters
        ----------
        X : array-like of shape (H, W, C), (n, H, W, C) or (n_samples, n_features)
            Image(s) or table, with as many channels as the fitted data.

        Returns
        -------
        codes : ndarray of shape (H, W), (n, H, W) or (n_samples, 1)
            Codes from 0 to ``n_colors_ - 1``: uint8 up to 256 colours,
            uint16 above. With ``dither=True``, the codes of the dithered
            image.
        """
        check_is_fitted(self)
        if _dask_color.is_dask_array(X):
            return _dask_color.transform(self, X)
        X, pixels = self._validate_pixels(X, reset=False)
        if self._dithers(X):
            return self._dither(X)
        codes = nearest_codes(pixels, self.palette_, self._codes_dtype())
        return codes.reshape(_codes_shape(X))

    def inverse_transform(self, X):
        """The palette colour of each code, ``palette_[codes]``.

        Parameters
        ----------
        X : array-like of shape (H, W), (n, H, W) or (n_samples, 1)
            Codes, as :meth:`transform` returns them.

        Returns
        -------
        X_original : ndarray of shape (H, W, C), (n, H, W, C) or (n_samples, C)
            The colours, channels last, of the palette's dtype. A 2-D array
            of one column is taken for a table: ``(n_samples, 1)`` gives
            ``(n_samples, C)``.
        """
        check_is_fitted(self)
        if _dask_color.is_dask_array(X):
            return _dask_color.inverse_transform(self, X)
        codes = check_array(
            X,
            dtype="numeric",
            ensure_2d=False,
            allow_nd=True,
            ensure_all_finite=False,
            input_name="codes",
        )
        if codes.dtype.kind in "fc":
            if codes.dtype.kind == "c" or not np.all(np.isfinite(codes)):
                raise ValueError("Codes must be whole numbers, got NaN or infinity.")
            if not np.all(codes == np.round(codes)):
                raise ValueError("Codes must be whole numbers, got fractions.")
        low, high = codes.min(), codes.max()
        if low < 0 or high > self.n_colors_ - 1:
            raise ValueError(
                f"Codes must lie in 0..n_colors_ - 1 (n_colors_={self.n_colors_}), got "
                f"values from {low:g} to {high:g}."
            )
        if codes.ndim == 2 and codes.shape[1] == 1:
            codes = codes[:, 0]
        return self.palette_[codes.astype(np.intp, copy=False)]

    def score(self, X, y=None):
        """Peak signal-to-noise ratio of ``inverse_transform(transform(X))``, in dB.

        Greater is better, so a search over the quantizer's parameters can
        use it. The peak is the integer dtype's maximum (255 for uint8; the
        dtype's whole span if X has negative values), and for float data the
        largest range of a channel in the fitted data.

        Parameters
        ----------
        X : array-like of shape (H, W, C), (n, H, W, C) or (n_samples, n_features)
            Image(s) or table, with as many channels as the fitted data.

        y : None
            Ignored.

        Returns
        -------
        score : float
            PSNR in dB; ``inf`` when the palette holds every colour of X.
        """
        check_is_fitted(self)
        if _dask_color.is_dask_array(X):
            return _dask_color.score(self, X)
        X, pixels = self._validate_pixels(X, reset=False)
        if X.dtype.kind in "biu":
            data_range = integer_data_range(X.dtype, has_negative=bool(pixels.min() < 0))
        else:
            data_range = self._data_range
        codes = self._dither(X).reshape(-1) if self._dithers(X) else None
        total = squared_error(pixels, self.palette_, codes)
        return psnr_from_mse(total / pixels.size, data_range)

    # Internals -----------------------------------------------------------

    def _validate_pixels(self, X, *, reset, shape=None):
        """Validate X; return it as an array and its pixels as a (n_pixels, C) view.

        ``shape``: the shape messages name, when X is a one-row sample of a
        dask array (of that shape, the same dtype and width).
        """
        ndim = X.ndim if hasattr(X, "ndim") else np.asarray(X).ndim
        if ndim <= 2:
            dtype = getattr(X, "dtype", None)
            if ndim == 2 and dtype in _GREY_DTYPES and np.shape(X)[1] > MAX_TABLE_CHANNELS:
                raise ValueError(
                    f"ColorQuantizer got a 2-D {np.dtype(dtype).name} array of shape "
                    f"{np.shape(X) if shape is None else shape}: a grey image, not a "
                    "table of colours. Quantise "
                    "grey levels with ImageQuantizer, or pass a colour image with "
                    "its channels last, (H, W, C)."
                )
            X = validate_data(self, X, dtype="numeric", reset=reset)
            return X, X
        if not (
            type(X) is np.ndarray
            and X.dtype == np.uint8
            and X.ndim in (3, 4)
            and X.shape[0]
        ):  # (uint8 ndarrays pass check_array unchanged: spare its overhead)
            X = check_array(
                X, dtype="numeric", allow_nd=True, estimator=self, input_name="X"
            )
        if X.ndim > 4:
            raise ValueError(
                f"ColorQuantizer takes an image (H, W, C), a stack (n, H, W, C) or a "
                f"table (n_samples, n_features); got {X.ndim} dimensions, shape "
                f"{X.shape if shape is None else shape}."
            )
        if X.size == 0:
            raise ValueError(f"Found an empty image of shape {X.shape}; it needs pixels.")
        n_channels = X.shape[-1]
        if not reset and n_channels != self.n_features_in_:
            raise ValueError(
                f"The image has {n_channels} channels (its last axis), but "
                f"ColorQuantizer was fitted with {self.n_features_in_}."
            )
        pixels = X.reshape(-1, n_channels)
        _check_feature_names(self, X, reset=reset)
        _check_n_features(self, pixels, reset=reset)
        return X, pixels

    @staticmethod
    def _check_magnitude(pixels):
        if pixels.dtype.kind != "f":
            return
        magnitude = max(float(pixels.max()), -float(pixels.min()))
        if magnitude > MAX_MAGNITUDE:
            raise ValueError(
                f"ColorQuantizer fits values up to {MAX_MAGNITUDE:g} in magnitude (their "
                f"squared distances must not overflow), got {magnitude:g}. Rescale the "
                "data."
            )

    @staticmethod
    def _pixel_weights(X, sample_weight):
        """The weight of each pixel, or None."""
        if sample_weight is None:
            return None
        sample_weight = _check_sample_weight(sample_weight, X, ensure_non_negative=True)
        if not np.any(sample_weight > 0):  # scikit-learn < 1.8 lets this through
            raise ValueError("Sample weights must contain at least one non-zero number.")
        pixels_per_sample = X.size // (X.shape[0] * X.shape[-1])
        return np.repeat(sample_weight, pixels_per_sample)

    def _fit_histogram(self, keys=None):
        """Set the fitted attributes from the histogram of the pixels seen.

        ``keys``: the sorted Morton keys of the histogram's colours (uint8 RGB),
        when known; the fit is the same whatever the order of the colours.
        """
        colours, counts = self._histogram
        self.__dict__.pop("_span", None)  # _data_range, found again when needed
        n_distinct = colours.shape[0]
        with _one_blas_thread():
            if n_distinct <= self.n_colors:
                if n_distinct < self.n_colors:
                    warnings.warn(
                        f"ColorQuantizer found only {n_distinct} distinct colour"
                        f"{'s' * (n_distinct > 1)}, fewer than n_colors={self.n_colors}: "
                        "they are the palette.",
                        UserWarning,
                        stacklevel=4,  # the caller of fit or partial_fit
                    )
                # In lexicographic order, whatever the histogram's.
                palette = colours[np.lexsort(colours.T[::-1])]
                n_iter = 0
            elif _is_rgb8(colours):
                ordered = colours  # in the order of the keys
                if keys is None:
                    keys, counts = sort_by_morton(colours, counts)
                    ordered = None
                palette, n_iter = fit_rgb_palette(
                    keys, counts, self.n_colors, self.max_iter, ordered
                )
            else:
                palette, n_iter = self._fit_kmeans(colours, counts)
        self.palette_ = (
            palette.astype(np.uint8) if colours.dtype == np.uint8 else palette.astype(float)
        )
        self.n_colors_ = self.palette_.shape[0]
        self.n_iter_ = n_iter
        return self

    def _fit_kmeans(self, colours, counts):
        """KMeans on the distinct colours weighted by their counts (a subsample if many)."""
        random_state = check_random_state(
            0 if self.random_state is None else self.random_state
        )
        values, weights = colours.astype(np.float64), counts
        if values.shape[0] > MAX_KMEANS_COLOURS:
            drawn = random_state.choice(
                values.shape[0], size=MAX_KMEANS_COLOURS, p=counts / counts.sum()
            )
            values, weights = distinct_colours(values[drawn])
        kmeans = KMeans(
            n_clusters=min(self.n_colors, values.shape[0]),
            n_init=1,
            max_iter=self.max_iter,
            random_state=random_state,
        )
        kmeans.fit(values, sample_weight=weights)
        centres = kmeans.cluster_centers_
        if colours.dtype == np.uint8:
            return round_palette(colours, counts, centres), kmeans.n_iter_
        return centres, kmeans.n_iter_

    @property
    def _data_range(self):
        """The largest channel range of the fitted colours (the peak of float PSNRs)."""
        if "_span" not in self.__dict__:
            colours = self._histogram[0]
            # max - min of the values cast to float64, column by column (faster
            # than along the first axis).
            spans = [
                float(colours[:, channel].max()) - float(colours[:, channel].min())
                for channel in range(colours.shape[1])
            ]
            self._span = max(spans) or 1.0
        return self._span

    def _codes_dtype(self):
        return np.dtype(np.uint8 if self.n_colors_ <= 256 else np.uint16)

    def _dithers(self, X):
        """Whether transform dithers X: dither=True and X is an image, not a table."""
        if not self.dither or X.ndim == 2:
            return False
        if X.dtype != np.uint8 or X.shape[-1] != 3 or self.palette_.dtype != np.uint8:
            raise ValueError(
                "dither=True diffuses the error of uint8 RGB images onto a uint8 "
                f"palette; got {X.dtype.name} pixels with {X.shape[-1]} channels and "
                f"a {self.palette_.dtype.name} palette. Convert the image to uint8 "
                "(skimage.util.img_as_ubyte), or set dither=False."
            )
        if self.n_colors_ > 256:
            raise ValueError(
                f"dither=True is done by Pillow, with at most 256 colours; the palette "
                f"has {self.n_colors_}. Set dither=False."
            )
        return True

    def _dither(self, X):
        """Codes of the image(s) X, dithered by Pillow's Floyd-Steinberg diffusion."""
        try:
            from PIL import Image
        except ImportError as error:
            raise ImportError(
                'dither=True needs Pillow: pip install "sk_imagequant[plot]"'
            ) from error
        n_colors = self.n_colors_
        # Pillow's palettes have 256 entries: the rest repeat entry 0.
        entries = np.repeat(self.palette_[:1], 256, axis=0)
        entries[:n_colors] = self.palette_
        palette_image = Image.new("P", (1, 1))
        palette_image.putpalette(entries.tobytes())
        images = X.reshape(-1, *X.shape[-3:])
        codes = np.empty(images.shape[:-1], dtype=np.uint8)
        for index, image in enumerate(images):
            dithered = Image.fromarray(np.ascontiguousarray(image)).quantize(
                palette=palette_image, dither=Image.Dither.FLOYDSTEINBERG
            )
            codes[index] = np.asarray(dithered)
        codes[codes >= n_colors] = 0
        return codes.reshape(X.shape[:-1])


def _is_rgb8(pixels):
    """Whether the pixels are uint8 RGB, the fast path."""
    return pixels.dtype == np.uint8 and pixels.shape[1] == 3


def _codes_shape(X):
    """Shape of the codes of X: one code a pixel, a column for a table."""
    return (X.shape[0], 1) if X.ndim == 2 else X.shape[:-1]

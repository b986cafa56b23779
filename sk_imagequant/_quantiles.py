"""Quantiles of every pixel, read from the histogram of the grey levels.

No scikit-learn here. ``np.percentile(pixels, q, method="averaged_inverted_cdf")``
on the pixels themselves, to the last bit, without sorting or even holding
them: only the pixels' ranks are needed, and the histogram gives them.
"""

import numpy as np


def quantile_bin_edges(levels, counts, n_bins):
    """Edges of ``n_bins`` bins holding equal numbers of pixels.

    The ``n_bins + 1`` quantiles ``0, 1/n_bins, ..., 1`` of the pixels, as
    ``KBinsDiscretizer(strategy="quantile",
    quantile_method="averaged_inverted_cdf")`` computes them on every pixel
    with ``np.percentile``: the same float64 operations on the same order
    statistics, so the edges are equal bit for bit.

    Parameters
    ----------
    levels : ndarray of float64, increasing
        Distinct grey levels.
    counts : ndarray of float64
        Number of pixels at each level: whole numbers (an unweighted
        histogram), summing to less than 2**53.
    n_bins : int

    Returns
    -------
    bin_edges : ndarray of float64 of shape (n_bins + 1,)
        Non-decreasing; equal edges are left for the caller to merge.

    Examples
    --------
    >>> import numpy as np
    >>> pixels = np.array([58.0, 105.0, 226.0])
    >>> levels, counts = np.unique(pixels, return_counts=True)
    >>> quantile_bin_edges(levels, counts.astype(float), 9)
    array([ 58.,  58.,  58.,  58., 105., 105., 105., 226., 226., 226.])
    >>> np.percentile(pixels, np.linspace(0, 100, 10), method="averaged_inverted_cdf")
    array([ 58.,  58.,  58.,  58., 105., 105., 105., 226., 226., 226.])
    """
    n_pixels = round(float(np.sum(counts)))
    # np.percentile divides its percentages by 100, then finds the virtual
    # rank n * q - 1 of each quantile (Hyndman and Fan's definition 2).
    quantiles = np.true_divide(np.linspace(0, 100, n_bins + 1), 100)
    virtual = n_pixels * quantiles - 1
    previous = np.floor(virtual)
    following = previous + 1
    previous[virtual >= n_pixels - 1] = following[virtual >= n_pixels - 1] = n_pixels - 1
    previous[virtual < 0] = following[virtual < 0] = 0
    # Between two ranks the upper value is taken, and their average on a
    # whole rank: numpy's lerp with weight 1 or 0.5, written out.
    whole = virtual == np.floor(virtual)
    if counts.size == n_pixels:
        # A pixel a level (floats that share no value): ranks are indices.
        lower = levels[previous.astype(np.intp)]
        upper = levels[following.astype(np.intp)]
    else:
        ends = np.cumsum(counts)
        lower = levels[np.searchsorted(ends, previous, side="right")]
        upper = levels[np.searchsorted(ends, following, side="right")]
    return np.where(whole, upper - (upper - lower) * 0.5, upper)

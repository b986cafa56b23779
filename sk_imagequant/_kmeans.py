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
    """
    bin_edges = np.asarray(bin_edges, dtype=np.float64).copy()
    n_bins = bin_edges.size - 1
    labels = bin_labels(levels, bin_edges)
    for _ in range(max_iter):
        means = bin_means(levels, counts, labels, n_bins)
        # An empty bin keeps the middle of its edges: it holds no level, so
        # wherever its centre sits the error can only go down next step.
        centres = np.where(np.isnan(means), 0.5 * (bin_edges[1:] + bin_edges[:-1]), means)
        centres.sort()
        bin_edges[1:-1] = 0.5 * (centres[1:] + centres[:-1])
        new_labels = bin_labels(levels, bin_edges)
        if np.array_equal(new_labels, labels):
            break
        labels = new_labels
    return bin_edges


def squared_error(levels, counts, bin_edges):
    """Weighted squared error of the bins, each level decoded to its bin's mean."""
    labels = bin_labels(levels, bin_edges)
    means = bin_means(levels, counts, labels, bin_edges.size - 1)
    return float(np.sum(counts * (levels - means[labels]) ** 2))


def _nearest(levels, centres, ties):
    """Index of the centre nearest each level; ``ties`` 'left' takes the lower."""
    order = np.argsort(centres, kind="stable")
    ordered = centres[order]
    return order[np.searchsorted(0.5 * (ordered[1:] + ordered[:-1]), levels, side=ties)]


def edges_from_centres(centres, low, high):
    """Bin edges halfway between sorted centres, within ``low`` and ``high``."""
    return np.r_[low, 0.5 * (centres[1:] + centres[:-1]), high]


def lloyd_pixels(levels, counts, centres, ties="left", max_iter=300):
    """scikit-learn's Lloyd k-means on every pixel, replayed on the histogram.

    The iterations of ``sklearn.cluster.KMeans(init=centres, n_init=1)`` fitted
    on the pixels themselves: each level goes to its nearest centre (the
    first on a tie), and an empty cluster is moved to the pixel farthest from
    its centre, which leaves that pixel's old cluster with one pixel less.
    Which centre takes a level lying exactly halfway between two is decided
    by rounding in ``KMeans``; ``ties`` chooses it here.
    Fitting ``KMeans`` on the weighted levels instead moves a whole level, and
    so can end somewhere else. Runs until no level changes cluster.

    Parameters
    ----------
    levels : ndarray of float64, increasing
    counts : ndarray of float64
        Pixel count of each level (a weight; one unit is moved on relocation).
    centres : ndarray of float64
        Initial centres.
    ties : {'left', 'right'}
        A level halfway between two centres goes to the lower ('left') or
        the upper one.
    max_iter : int
        A bound on the iterations, as in ``KMeans``.

    Returns
    -------
    centres : ndarray of float64, sorted
    """
    centres = np.asarray(centres, dtype=np.float64).copy()
    n_clusters = centres.size
    labels = None
    for _ in range(max_iter):
        new_labels = _nearest(levels, centres, ties)
        if labels is not None and np.array_equal(new_labels, labels):
            break
        labels = new_labels
        weight = np.bincount(labels, weights=counts, minlength=n_clusters)
        total = np.bincount(labels, weights=counts * levels, minlength=n_clusters)
        empty = np.flatnonzero(weight == 0)
        if empty.size:
            distance = (levels - centres[labels]) ** 2
            if distance.max() > 0:
                # The farthest pixels first: each level repeated by its count.
                farthest = np.argsort(-distance, kind="stable")[: empty.size]
                repeats = np.ceil(counts[farthest]).astype(np.intp)
                pixels = np.repeat(farthest, repeats)
                for cluster, level in zip(empty, pixels[: empty.size], strict=False):
                    moved = min(1.0, counts[level])
                    total[labels[level]] -= levels[level] * moved
                    weight[labels[level]] -= moved
                    total[cluster] = levels[level] * moved
                    weight[cluster] = moved
        with np.errstate(invalid="ignore", divide="ignore"):
            means = total / weight
        centres = np.where(weight > 0, means, centres)
    return np.sort(centres)

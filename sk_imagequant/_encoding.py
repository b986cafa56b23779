"""Encoding values to codes and decoding codes to grey levels.

No scikit-learn here. Integer images of up to 16 bits go through a lookup
table with one entry per possible value; other data through ``searchsorted``
on the inner bin edges.
"""

import numpy as np

from ._histogram import is_histogram_dtype


def _table_index(values):
    """``values`` viewed as unsigned integers indexing a table of the dtype.

    For signed types the two's-complement view sends negative values to the
    upper half of the table, where :func:`_table_values` puts them too.
    """
    if values.dtype.kind == "b":
        return values.view(np.uint8)
    return values.view(np.dtype(f"u{values.dtype.itemsize}"))


def _table_values(dtype):
    """Every value of the integer ``dtype``, in the order of :func:`_table_index`."""
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return np.arange(2, dtype=np.uint8)
    unsigned = np.arange(1 << (8 * dtype.itemsize), dtype=f"u{dtype.itemsize}")
    return unsigned.view(dtype)


def encode(values, bin_edges, codes_dtype):
    """Code of each value: the index of its bin, as ``codes_dtype``.

    A value ``v`` gets code ``i`` when ``bin_edges[i] <= v < bin_edges[i + 1]``;
    values below the first inner edge get 0, values above the last get
    ``n_bins - 1``. Codes are monotone in the value.
    """
    inner_edges = bin_edges[1:-1]
    if is_histogram_dtype(values.dtype):
        table = np.searchsorted(inner_edges, _table_values(values.dtype), side="right")
        return table.astype(codes_dtype)[_table_index(values)]
    codes = np.searchsorted(inner_edges, values, side="right")
    return codes.astype(codes_dtype, copy=False)


def decode(codes, bin_centers):
    """Grey level of each code: ``bin_centers[codes]`` as float64."""
    return np.take(np.asarray(bin_centers, dtype=np.float64), codes)

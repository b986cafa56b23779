"""Encoding values to codes and decoding codes to grey levels.

No scikit-learn here. Integer images of up to 16 bits go through a lookup
table with one entry per possible value. Other data (float images) are
compared with each inner bin edge in turn, up to ``COMPARE_MAX_EDGES`` of
them, and go through ``searchsorted`` beyond. All run over chunks of the
flattened array, so the only full-size allocation is the output.
"""

from functools import lru_cache

import numpy as np

from ._histogram import CHUNK, chunks, is_histogram_dtype, table_index, table_values

# Counting the inner edges at or below each value, one comparison an edge,
# beats the branches of a binary search up to about a hundred edges. On the
# face as float32 with a little noise: 1.6 against 9.1 ms a megapixel at 8
# bins, 11.8 against 20.2 at 64, but 46 against 33 at 256. bench_face.py
# prints our transform against KBinsDiscretizer's (searchsorted) on floats.
COMPARE_MAX_EDGES = 64


def _pair_dtype(dtype):
    """A type of twice ``dtype``'s size, to move two items as one."""
    return np.dtype(f"V{2 * np.dtype(dtype).itemsize}")


def _pair_table(table):
    """The table of byte pairs: entry ``b0 + 256 * b1`` (native order) holds
    ``table[b0], table[b1]`` side by side, for a 256-entry ``table``."""
    pairs = np.arange(1 << 16, dtype=np.uint16).view(np.uint8)
    return np.take(table, pairs).view(_pair_dtype(table.dtype))


@lru_cache(maxsize=8)  # 256 KiB each for uint8 codes, up to 1 MiB for float64
def _encoding_tables(edges_bytes, dtype_str, codes_dtype_str):
    """Code of every value of an 8/16-bit type, by table index; and for 8 bits,
    the table of byte pairs (else None)."""
    inner_edges = np.frombuffer(edges_bytes)[1:-1]
    values = table_values(dtype_str)
    table = np.searchsorted(inner_edges, values, side="right").astype(codes_dtype_str)
    if values.size == 2:  # bool: bytes other than 0 and 1 never occur
        table = np.resize(table, 256)
    pair_table = _pair_table(table) if table.size == 256 else None
    return _read_only(table), _read_only(pair_table)


@lru_cache(maxsize=4)  # 1 MiB each
def _decoding_pair_table(centers_bytes):
    """Grey levels of every pair of uint8 codes; codes past the centres get NaN."""
    centers = np.full(256, np.nan)
    given = np.frombuffer(centers_bytes)
    centers[: given.size] = given
    return _read_only(_pair_table(centers))


def _read_only(array):
    if array is not None:
        array.flags.writeable = False
    return array


def _take_into(table):
    """A chunk function for :func:`_map_chunks`: ``out[...] = table[piece]``.

    Every index is in range (codes are checked before decoding), and
    ``mode="clip"`` spares ``np.take`` the copy of ``out`` it makes in its
    default mode, to leave ``out`` intact on error.
    """

    def take(piece, out):
        np.take(table, piece, out=out, mode="clip")

    return take


def _take_pairs(table, pair_table, index, out):
    """``out[...] = table[index]`` for flat contiguous uint8 ``index`` and
    ``out``, two items at a time through ``pair_table`` (see :func:`_pair_table`)."""
    n_pairs = index.size // 2
    pairs = index[: 2 * n_pairs].view(np.uint16)
    _map_chunks(_take_into(pair_table), pairs, out[: 2 * n_pairs].view(pair_table.dtype))
    if index.size % 2:
        out[-1] = table[index[-1]]


def _map_chunks(function, source, target):
    """``function(piece, out)`` over matching chunks of ``source`` and ``target``.

    ``np.take`` and ``np.searchsorted`` make an intp array (8 bytes an item)
    of their input; chunks keep it small. The chunks are flat slices when
    both arrays are C-contiguous; otherwise a buffered ``np.nditer`` hands
    them out (through its small buffers when the strides need it), so no
    full-size copy of either array is made.
    """
    if source.flags.c_contiguous and target.flags.c_contiguous:
        flat, flat_target = source.reshape(-1), target.reshape(-1)
        for piece in chunks(flat.size):
            function(flat[piece], flat_target[piece])
        return target
    with np.nditer(
        [source, target],
        flags=["external_loop", "buffered", "zerosize_ok"],
        op_flags=[["readonly"], ["writeonly"]],
        buffersize=CHUNK,
    ) as iterator:
        for piece, out in iterator:
            function(piece, out)
    return target


def _count_edges_at_or_below(inner_edges):
    """A chunk function for :func:`_map_chunks`: how many of ``inner_edges``
    are at or below each value, as ``searchsorted(..., side="right")`` says.

    The chunk is compared in float64 (a float32 image, or a wide integer one,
    as ``searchsorted`` would), one edge at a time.
    """

    def count(piece, out):
        values = piece.astype(np.float64, copy=False)
        at_or_above = np.empty(values.shape, dtype=bool)
        out[...] = 0
        for edge in inner_edges:
            np.greater_equal(values, edge, out=at_or_above)
            np.add(out, at_or_above, out=out, casting="unsafe")

    return count


def encode(values, bin_edges, codes_dtype, out=None):
    """Code of each value: the index of its bin, as ``codes_dtype``.

    A value ``v`` gets code ``i`` when ``bin_edges[i] <= v < bin_edges[i + 1]``;
    values below the first inner edge get 0, values above the last get
    ``n_bins - 1``. Codes are monotone in the value. ``out``, if given, is
    where the codes are written (a view of a larger array, for instance).

    Examples
    --------
    >>> import numpy as np
    >>> edges = np.array([0.0, 10.0, 20.0, 30.0])
    >>> encode(np.array([[0, 9, 10], [25, 30, 255]], dtype=np.uint8), edges, np.uint8)
    array([[0, 0, 1],
           [2, 2, 2]], dtype=uint8)
    >>> encode(np.array([-5.0, 10.0, 19.5]), edges, np.uint8)
    array([0, 1, 1], dtype=uint8)
    """
    codes_dtype = np.dtype(codes_dtype)
    bin_edges = np.ascontiguousarray(bin_edges, dtype=np.float64)
    codes = np.empty(values.shape, dtype=codes_dtype) if out is None else out
    if not is_histogram_dtype(values.dtype):
        inner_edges = bin_edges[1:-1]
        if inner_edges.size <= COMPARE_MAX_EDGES:
            return _map_chunks(_count_edges_at_or_below(inner_edges), values, codes)

        def search(piece, out):
            # A float32 (or wide integer) chunk is compared as float64.
            out[...] = np.searchsorted(inner_edges, piece, side="right")

        return _map_chunks(search, values, codes)
    key = (bin_edges.tobytes(), values.dtype.newbyteorder("=").str, codes_dtype.str)
    table, pair_table = _encoding_tables(*key)
    index = table_index(values)
    if pair_table is not None and index.flags.c_contiguous and codes.flags.c_contiguous:
        _take_pairs(table, pair_table, index.reshape(-1), codes.reshape(-1))
        return codes
    return _map_chunks(_take_into(table), index, codes)


def decode(codes, bin_centers, out=None):
    """Grey level of each code, ``bin_centers[codes]``, as float64.

    Codes must be whole numbers in range (float codes are taken as integers).
    ``out``, if given, is where the grey levels are written.

    Examples
    --------
    >>> import numpy as np
    >>> decode(np.array([[0, 2], [1, 1]], dtype=np.uint8), np.array([5.0, 15.0, 25.0]))
    array([[ 5., 25.],
           [15., 15.]])
    """
    bin_centers = np.ascontiguousarray(bin_centers, dtype=np.float64)
    image = np.empty(codes.shape, dtype=np.float64) if out is None else out
    fast = codes.dtype == np.uint8 and bin_centers.size <= 256
    if fast and codes.flags.c_contiguous and image.flags.c_contiguous:
        pair_table = _decoding_pair_table(bin_centers.tobytes())
        _take_pairs(bin_centers, pair_table, codes.reshape(-1), image.reshape(-1))
        return image

    take = _take_into(bin_centers)
    if codes.dtype.kind == "f":  # whole numbers, checked: taken as integers
        return _map_chunks(
            lambda piece, out: take(piece.astype(np.intp), out), codes, image
        )
    return _map_chunks(take, codes, image)

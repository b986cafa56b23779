"""True n-bit storage of codes: ``ceil(log2(n_bins))`` bits a code.

No scikit-learn here. Codes are laid out in C order, each code's bits most
significant first, bytes filled from their most significant bit: the bit
stream ``np.packbits(..., bitorder="big")`` makes from the codes' binary
digits. The last byte is padded with zero bits.

The kernels never loop over codes in Python: 1 bit goes through
``np.packbits``, 8 and 16 bits are plain ``uint8`` and big-endian ``uint16``
bytes, and every other width packs groups of 8 codes, which fill exactly
``n_bits`` bytes, into one or two unsigned machine words with shifts. Groups
are processed in chunks, so temporaries stay a few hundred kilobytes whatever
the size of the image.
"""

import operator
import struct

import numpy as np

_MAGIC = b"SKIQ"
_VERSION = 1
# Magic, format version (uint8), n_bins (uint32), ndim (uint8); then ndim
# uint64 dims, all little-endian.
_HEADER = struct.Struct("<4sBIB")
_DIM = struct.Struct("<Q")
_MIN_BINS, _MAX_BINS = 2, 65536
_MAX_NDIM = 64  # NumPy 2's limit; NumPy 1 stops at 32.
# Groups of 8 codes handled at once by the general kernel: 262144 codes.
_CHUNK_GROUPS = 1 << 15


def _check_n_bins(n_bins, name="n_bins"):
    """``n_bins`` as a Python int, after checking it is an integer in 2..65536."""
    if not isinstance(n_bins, (bool, np.bool_)):
        try:
            value = operator.index(n_bins)
        except TypeError:
            pass
        else:
            if _MIN_BINS <= value <= _MAX_BINS:
                return value
            raise ValueError(
                f"{name} must be an integer from {_MIN_BINS} to {_MAX_BINS}, got {value}."
            )
    raise ValueError(
        f"{name} must be an integer from {_MIN_BINS} to {_MAX_BINS}, got {n_bins!r} "
        f"of type {type(n_bins).__name__}."
    )


def _n_bits(n_bins):
    """Bits a code takes: ``ceil(log2(n_bins))``."""
    return (n_bins - 1).bit_length()


def _codes_dtype(n_bins):
    """Smallest unsigned integer type holding the codes 0..n_bins - 1."""
    return np.dtype(np.uint8) if n_bins <= 256 else np.dtype(np.uint16)


def _payload_nbytes(size, n_bits):
    """Bytes that ``size`` codes of ``n_bits`` bits take, the last one padded."""
    return (size * n_bits + 7) // 8


def _first_where(mask, values):
    """The first value where ``mask`` holds, and its index in ``values``."""
    flat_index = int(np.flatnonzero(mask.ravel())[0])
    index = np.unravel_index(flat_index, values.shape) if values.ndim else ()
    return values.ravel()[flat_index].item(), tuple(int(i) for i in index)


def _checked_codes(codes, n_bins):
    """``codes`` as an integer ndarray, after checking they are codes 0..n_bins - 1."""
    codes = np.asarray(codes)
    kind = codes.dtype.kind
    if kind == "b":
        codes = codes.view(np.uint8)
    elif kind == "f":
        if codes.size and not np.isfinite(codes).all():
            value, index = _first_where(~np.isfinite(codes), codes)
            raise ValueError(
                f"Codes must be finite whole numbers, got {value} at index {index}."
            )
        if codes.size and not np.all(codes == np.trunc(codes)):
            value, index = _first_where(codes != np.trunc(codes), codes)
            raise ValueError(
                f"Codes must be whole numbers, got the fraction {value!r} at index {index}."
            )
    elif kind not in "iu":
        what = "complex numbers" if kind == "c" else "not numbers"
        raise TypeError(
            f"Codes must be integers (or floats holding whole numbers), got an array "
            f"of dtype {codes.dtype} ({what})."
        )
    if codes.size:
        low, high = codes.min(), codes.max()
        if low < 0 or high >= n_bins:
            outside = int(np.count_nonzero((codes < 0) | (codes >= n_bins)))
            raise ValueError(
                f"Codes must lie in 0..{n_bins - 1} for n_bins={n_bins}, got values "
                f"from {low.item()!r} to {high.item()!r} ({outside} of {codes.size} "
                f"outside)."
            )
    if kind == "f":
        codes = codes.astype(_codes_dtype(n_bins))
    return codes


def _word_type(n_bits):
    """Unsigned type of the words a group of 8 codes is assembled in."""
    return np.dtype(np.uint32) if n_bits <= 4 else np.dtype(np.uint64)


def _pack_groups(groups, n_bits, out):
    """Pack ``groups``, shape (m, 8), into ``out``, shape (m, n_bits) uint8.

    The 8 codes of a group make an ``8 * n_bits``-bit big-endian number; it
    is assembled in ``lo``, its low word, and ``hi``, the bits above (for
    more than 8 bits a code), then written out as big-endian bytes.
    """
    word = _word_type(n_bits)
    width = 8 * word.itemsize
    total = 8 * n_bits
    big_endian = word.newbyteorder(">")
    for start in range(0, groups.shape[0], _CHUNK_GROUPS):
        chunk = groups[start : start + _CHUNK_GROUPS]
        lo = np.zeros(chunk.shape[0], dtype=word)
        hi = np.zeros(chunk.shape[0], dtype=word) if total > width else None
        for j in range(8):
            code = chunk[:, j].astype(word)
            shift = total - n_bits * (j + 1)
            if shift >= width:
                hi |= code << word.type(shift - width)
            else:
                # Bits shifted past the top of the word are dropped...
                lo |= code << word.type(shift)
                if shift + n_bits > width:
                    # ... and kept in hi.
                    hi |= code >> word.type(width - shift)
        lo_bytes = lo.astype(big_endian).view(np.uint8).reshape(-1, word.itemsize)
        target = out[start : start + _CHUNK_GROUPS]
        if hi is None:
            target[:] = lo_bytes[:, word.itemsize - n_bits :]
        else:
            hi_bytes = hi.astype(big_endian).view(np.uint8).reshape(-1, word.itemsize)
            target[:, : n_bits - word.itemsize] = hi_bytes[:, 2 * word.itemsize - n_bits :]
            target[:, n_bits - word.itemsize :] = lo_bytes


def _unpack_groups(packed, n_bits, out):
    """Inverse of :func:`_pack_groups`: ``packed`` (m, n_bits) into ``out`` (m, 8)."""
    word = _word_type(n_bits)
    width = 8 * word.itemsize
    total = 8 * n_bits
    big_endian = word.newbyteorder(">")
    mask = word.type((1 << n_bits) - 1)

    def words(byte_columns):
        padded = np.zeros((byte_columns.shape[0], word.itemsize), dtype=np.uint8)
        padded[:, word.itemsize - byte_columns.shape[1] :] = byte_columns
        return padded.view(big_endian).reshape(-1).astype(word)

    for start in range(0, packed.shape[0], _CHUNK_GROUPS):
        chunk = packed[start : start + _CHUNK_GROUPS]
        if total <= width:
            lo, hi = words(chunk), None
        else:
            lo = words(chunk[:, n_bits - word.itemsize :])
            hi = words(chunk[:, : n_bits - word.itemsize])
        target = out[start : start + _CHUNK_GROUPS]
        for j in range(8):
            shift = total - n_bits * (j + 1)
            if shift >= width:
                code = hi >> word.type(shift - width)
            else:
                code = lo >> word.type(shift)
                if shift + n_bits > width:
                    code |= hi << word.type(width - shift)
            target[:, j] = code & mask


def _pack(flat, n_bits):
    """Payload of the 1-D integer codes ``flat`` at ``n_bits`` bits each."""
    if n_bits == 1:
        return np.packbits(flat.astype(np.uint8, copy=False)).tobytes()
    if n_bits == 8:
        return flat.astype(np.uint8, copy=False).tobytes()
    if n_bits == 16:
        return flat.astype(">u2", copy=False).tobytes()
    n_groups, rest = divmod(flat.size, 8)
    out = np.empty((n_groups + (rest > 0), n_bits), dtype=np.uint8)
    _pack_groups(flat[: 8 * n_groups].reshape(n_groups, 8), n_bits, out[:n_groups])
    if rest:
        last = np.zeros((1, 8), dtype=flat.dtype)
        last[0, :rest] = flat[8 * n_groups :]
        _pack_groups(last, n_bits, out[n_groups:])
    # The zero codes padding the last group leave zero bits after the payload.
    return out.reshape(-1)[: _payload_nbytes(flat.size, n_bits)].tobytes()


def _unpack(payload, n_bits, size, dtype):
    """1-D codes of type ``dtype`` that :func:`_pack` stored in ``payload``."""
    data = np.frombuffer(payload, dtype=np.uint8)
    if n_bits == 1:
        return np.unpackbits(data, count=size).astype(dtype, copy=False)
    if n_bits == 8:
        return data.astype(dtype)
    if n_bits == 16:
        return data.view(">u2").astype(dtype)
    out = np.empty(size, dtype=dtype)
    n_groups, rest = divmod(size, 8)
    _unpack_groups(
        data[: n_bits * n_groups].reshape(n_groups, n_bits),
        n_bits,
        out[: 8 * n_groups].reshape(n_groups, 8),
    )
    if rest:
        last = np.zeros((1, n_bits), dtype=np.uint8)
        tail = data[n_bits * n_groups :]
        last[0, : tail.size] = tail
        codes = np.empty((1, 8), dtype=dtype)
        _unpack_groups(last, n_bits, codes)
        out[8 * n_groups :] = codes[0, :rest]
    return out


def pack_codes(codes, n_bins):
    """Store codes in ``ceil(log2(n_bins))`` bits each.

    Parameters
    ----------
    codes : array-like of int
        Codes from 0 to ``n_bins - 1``, of any shape (0-d and empty included).
        Integers of any type, booleans, and floats holding whole numbers (as
        ``KBinsDiscretizer`` returns) are accepted. Not modified.
    n_bins : int
        Number of possible codes, from 2 to 65536: codes take from 1 to 16
        bits.

    Returns
    -------
    packed : PackedCodes
        The codes, ``n_bits`` bits each, with their shape and ``n_bins``.
        ``packed.nbytes`` is the size of the payload alone,
        ``ceil(codes.size * n_bits / 8)`` bytes.

    Raises
    ------
    ValueError
        If ``n_bins`` is not an integer from 2 to 65536, if a code is
        negative or not below ``n_bins``, or if a float code is NaN,
        infinite or not a whole number.
    TypeError
        If ``codes`` are not numbers (strings, objects) or are complex.

    See Also
    --------
    PackedCodes : the packed codes, their unpacking and their storage.

    Notes
    -----
    Codes are laid out in C order, each code's bits most significant first,
    bytes filled from their most significant bit, the last byte padded with
    zeros: the layout ``np.packbits`` gives with ``bitorder="big"``.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_imagequant import pack_codes
    >>> codes = np.array([[1, 2, 3], [7, 0, 5]], dtype=np.uint8)
    >>> packed = pack_codes(codes, n_bins=8)
    >>> packed
    PackedCodes(shape=(2, 3), n_bins=8, n_bits=3, nbytes=3)
    >>> packed.payload.hex(" ")  # 001 010 011 111 000 101
    '29 f1 40'
    >>> packed.unpack()
    array([[1, 2, 3],
           [7, 0, 5]], dtype=uint8)

    The raccoon face's 768x1024 codes at 8 bins take 3 bits each:

    >>> pack_codes(np.zeros((768, 1024), dtype=np.uint8), n_bins=8).nbytes
    294912
    """
    n_bins = _check_n_bins(n_bins)
    codes = _checked_codes(codes, n_bins)
    payload = _pack(codes.ravel(), _n_bits(n_bins))
    return PackedCodes._trusted(payload, codes.shape, n_bins)


class PackedCodes:
    """Codes stored in ``n_bits = ceil(log2(n_bins))`` bits each.

    Made by :func:`pack_codes` or :meth:`frombytes`; immutable.

    Parameters
    ----------
    payload : bytes-like
        The packed codes: ``ceil(size * n_bits / 8)`` bytes, in the layout
        below, the padding bits zero.
    shape : tuple of int
        Shape of the codes.
    n_bins : int
        Number of possible codes, from 2 to 65536.

    Attributes
    ----------
    shape : tuple of int
        Shape of the codes.
    n_bins : int
        Number of possible codes.
    n_bits : int
        Bits a code takes, ``ceil(log2(n_bins))``, from 1 to 16.
    nbytes : int
        Size of the payload in bytes, ``ceil(size * n_bits / 8)``: the
        storage of the codes alone, without the header of :meth:`tobytes`.
    payload : bytes
        The packed codes.
    dtype : numpy.dtype
        Type of the codes :meth:`unpack` returns: ``uint8`` up to 256 bins,
        ``uint16`` above.

    Notes
    -----
    The payload lays the codes out in C order, each code's bits most
    significant first, and fills bytes from their most significant bit (the
    layout of ``np.packbits`` with ``bitorder="big"``); the bits after the
    last code are zero.

    :meth:`tobytes` writes, little-endian:

    ========  ==========================  =======================
    bytes     field                       type
    ========  ==========================  =======================
    0-3       magic ``b"SKIQ"``           4 bytes
    4         format version, 1           uint8
    5-8       ``n_bins``                  uint32
    9         ``ndim``                    uint8
    10-...    the ``ndim`` dims of shape  uint64 each
    then      the payload                 ``nbytes`` bytes
    ========  ==========================  =======================

    Two ``PackedCodes`` are equal when their shapes, ``n_bins`` and payloads
    are.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_imagequant import PackedCodes, pack_codes
    >>> packed = pack_codes(np.array([1, 2, 3]), n_bins=4)
    >>> packed.n_bits, packed.nbytes
    (2, 1)
    >>> f"{packed.payload[0]:08b}"  # 01 10 11, then 2 padding bits
    '01101100'
    >>> data = packed.tobytes()
    >>> len(data)  # 10 + 8 * ndim bytes of header, then the payload
    19
    >>> PackedCodes.frombytes(data) == packed
    True
    >>> PackedCodes.frombytes(data).unpack()
    array([1, 2, 3], dtype=uint8)
    """

    __slots__ = ("_n_bins", "_payload", "_shape")

    def __init__(self, payload, shape, n_bins):
        n_bins = _check_n_bins(n_bins)
        shape = _checked_shape(shape)
        payload = _as_bytes(payload, "payload")
        n_bits = _n_bits(n_bins)
        size = _size(shape)
        expected = _payload_nbytes(size, n_bits)
        if len(payload) != expected:
            raise ValueError(
                f"The payload of {size} codes of {n_bits} bits (shape {shape}, "
                f"n_bins={n_bins}) takes {expected} bytes, got {len(payload)}."
            )
        _check_payload_codes(payload, size, n_bits, n_bins)
        self._set(payload, shape, n_bins)

    def _set(self, payload, shape, n_bins):
        object.__setattr__(self, "_payload", payload)
        object.__setattr__(self, "_shape", shape)
        object.__setattr__(self, "_n_bins", n_bins)

    @classmethod
    def _trusted(cls, payload, shape, n_bins):
        """Without the checks of ``__init__``, for arguments known to be right."""
        packed = object.__new__(cls)
        packed._set(payload, tuple(int(dim) for dim in shape), n_bins)
        return packed

    def __setattr__(self, name, value):
        raise AttributeError(f"{type(self).__name__} is immutable.")

    def __delattr__(self, name):
        raise AttributeError(f"{type(self).__name__} is immutable.")

    def __reduce__(self):
        return (type(self)._trusted, (self._payload, self._shape, self._n_bins))

    @property
    def shape(self):
        """Shape of the codes."""
        return self._shape

    @property
    def n_bins(self):
        """Number of possible codes."""
        return self._n_bins

    @property
    def n_bits(self):
        """Bits a code takes, ``ceil(log2(n_bins))``."""
        return _n_bits(self._n_bins)

    @property
    def nbytes(self):
        """Size of the payload in bytes, ``ceil(size * n_bits / 8)``, no header."""
        return len(self._payload)

    @property
    def payload(self):
        """The packed codes, as bytes."""
        return self._payload

    @property
    def dtype(self):
        """Type of the codes :meth:`unpack` returns."""
        return _codes_dtype(self._n_bins)

    def unpack(self):
        """The codes, as a new array of their shape.

        Returns
        -------
        codes : ndarray of uint8 or uint16
            ``uint8`` up to 256 bins, ``uint16`` above; the codes packed.
        """
        size = _size(self._shape)
        codes = _unpack(self._payload, self.n_bits, size, self.dtype)
        return codes.reshape(self._shape)

    def tobytes(self):
        """The header, then the payload, as bytes; see the layout in the Notes.

        Returns
        -------
        data : bytes
            ``10 + 8 * ndim + nbytes`` bytes, read back by :meth:`frombytes`.
        """
        header = _HEADER.pack(_MAGIC, _VERSION, self._n_bins, len(self._shape))
        dims = b"".join(_DIM.pack(dim) for dim in self._shape)
        return b"".join((header, dims, self._payload))

    @classmethod
    def frombytes(cls, data):
        """Packed codes from what :meth:`tobytes` wrote.

        Parameters
        ----------
        data : bytes, bytearray or memoryview
            Header and payload, nothing else.

        Returns
        -------
        packed : PackedCodes

        Raises
        ------
        ValueError
            If ``data`` does not start with the magic ``b"SKIQ"``, has an
            unknown format version, an invalid ``n_bins`` or shape, is shorter
            than its header announces or longer (trailing bytes), or holds
            codes not below ``n_bins`` or non-zero padding bits.
        TypeError
            If ``data`` is not bytes-like.
        """
        data = _as_bytes(data, "data")
        if data[: len(_MAGIC)] != _MAGIC[: len(data)]:
            raise ValueError(
                f"Data are not packed codes: they start with {data[:4]!r}, "
                f"not the magic {_MAGIC!r}."
            )
        if len(data) < _HEADER.size:
            raise ValueError(
                f"Truncated packed codes: {len(data)} bytes, shorter than the "
                f"{_HEADER.size}-byte header."
            )
        _, version, n_bins, ndim = _HEADER.unpack_from(data)
        if version != _VERSION:
            raise ValueError(
                f"Unknown packed codes format version {version}; this version of "
                f"sk_imagequant reads version {_VERSION}."
            )
        n_bins = _check_n_bins(n_bins, name="n_bins in the header")
        if ndim > _MAX_NDIM:
            raise ValueError(
                f"Invalid packed codes header: ndim={ndim}, more than {_MAX_NDIM}."
            )
        header_size = _HEADER.size + ndim * _DIM.size
        if len(data) < header_size:
            raise ValueError(
                f"Truncated packed codes: {len(data)} bytes, shorter than the "
                f"{header_size}-byte header of {ndim} dims."
            )
        shape = tuple(
            _DIM.unpack_from(data, _HEADER.size + i * _DIM.size)[0] for i in range(ndim)
        )
        shape = _checked_shape(shape)
        expected = _payload_nbytes(_size(shape), _n_bits(n_bins))
        found = len(data) - header_size
        if found < expected:
            raise ValueError(
                f"Truncated packed codes: the header announces {expected} bytes of "
                f"payload (shape {shape}, n_bins={n_bins}), found {found}."
            )
        if found > expected:
            raise ValueError(
                f"Packed codes followed by {found - expected} trailing bytes: the "
                f"header announces {expected} bytes of payload (shape {shape}, "
                f"n_bins={n_bins}), found {found}."
            )
        return cls(data[header_size:], shape, n_bins)

    def __eq__(self, other):
        if not isinstance(other, PackedCodes):
            return NotImplemented
        return (self._shape, self._n_bins, self._payload) == (
            other._shape,
            other._n_bins,
            other._payload,
        )

    def __hash__(self):
        return hash((self._shape, self._n_bins, self._payload))

    def __repr__(self):
        return (
            f"{type(self).__name__}(shape={self._shape}, n_bins={self._n_bins}, "
            f"n_bits={self.n_bits}, nbytes={self.nbytes})"
        )


def _as_bytes(data, name):
    """Bytes-like ``data`` as bytes."""
    if isinstance(data, bytes):
        return data
    try:
        view = memoryview(data)
    except TypeError:
        raise TypeError(
            f"{name} must be bytes, bytearray or memoryview, got {type(data).__name__}."
        ) from None
    with view:
        return view.tobytes()


def _checked_shape(shape):
    """``shape`` as a tuple of Python ints, after checking it is one."""
    try:
        dims = tuple(operator.index(dim) for dim in shape)
    except TypeError:
        raise ValueError(f"shape must be a tuple of integers, got {shape!r}.") from None
    if len(dims) > _MAX_NDIM or any(dim < 0 for dim in dims):
        raise ValueError(
            f"shape must have at most {_MAX_NDIM} non-negative dims, got {dims}."
        )
    largest = np.iinfo(np.intp).max
    if any(dim > largest for dim in dims) or _size(dims) > largest:
        raise ValueError(f"shape {dims} is too large for an array.")
    return dims


def _size(shape):
    """Number of codes of ``shape``, as a Python int (no overflow)."""
    size = 1
    for dim in shape:
        size *= dim
    return size


def _check_payload_codes(payload, size, n_bits, n_bins):
    """Check the padding bits are zero and every code is below ``n_bins``."""
    padding = (-size * n_bits) % 8
    if padding and payload[-1] & ((1 << padding) - 1):
        raise ValueError(
            f"Corrupt packed codes: the {padding} padding bits after the last code "
            f"are not zero."
        )
    if size and n_bins != 1 << n_bits:
        high = int(_unpack(payload, n_bits, size, _codes_dtype(n_bins)).max())
        if high >= n_bins:
            raise ValueError(
                f"Corrupt packed codes: a code is {high}, not below n_bins={n_bins}."
            )

"""pack_codes and PackedCodes: hand-computed bits, round trips, storage, errors."""

import copy
import pickle
import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.testing import assert_array_equal

from sk_imagequant import PackedCodes, pack_codes

N_BINS = [2, 3, 4, 5, 8, 9, 16, 17, 33, 65, 129, 200, 256, 257, 1000, 2049, 4096]
N_BINS += [8193, 16385, 32769, 65535, 65536]
SHAPES = [(), (1,), (7,), (8,), (9,), (3, 5), (2, 3, 4), (0,), (0, 3), (3, 0, 2)]


def reference_payload(codes, n_bits):
    """The payload, one bit a byte through np.packbits: slow and obviously right."""
    codes = np.asarray(codes, dtype=np.uint64).ravel()
    shifts = np.arange(n_bits - 1, -1, -1, dtype=np.uint64)
    bits = ((codes[:, None] >> shifts) & np.uint64(1)).astype(np.uint8)
    return np.packbits(bits.ravel(), bitorder="big").tobytes()


def random_codes(rng, shape, n_bins):
    """Codes of ``shape`` in 0..n_bins - 1, with 0 and n_bins - 1 among them."""
    codes = rng.integers(0, n_bins, size=shape)
    if codes.size >= 2:
        codes.flat[0] = n_bins - 1
        codes.flat[-1] = 0
    elif codes.size == 1:
        codes[...] = n_bins - 1
    return codes


# Hand-computed bits.


@pytest.mark.parametrize(
    ("codes", "n_bins", "payload"),
    [
        ([1, 2, 3], 4, [0b01101100]),
        ([7, 0, 5], 8, [0b11100010, 0b10000000]),
        ([1, 0, 1, 1, 0, 0, 0, 1, 1], 2, [0b10110001, 0b10000000]),
        ([2, 0, 1], 3, [0b10000100]),
        ([15, 1], 16, [0b11110001]),
        ([16, 1, 7], 17, [0b10000000, 0b01001110]),  # 10000 00001 00111
        ([16, 1, 31], 32, [0b10000000, 0b01111110]),  # 10000 00001 11111
        ([255, 1, 128], 256, [255, 1, 128]),
        ([256, 3], 257, [0b10000000, 0b00000000, 0b11000000]),  # 100000000 000000011
        ([4095, 1, 2], 4096, [0xFF, 0xF0, 0x01, 0x00, 0x20]),
        ([65535, 258], 65536, [0xFF, 0xFF, 0x01, 0x02]),
        ([5], 65535, [0x00, 0x05]),
    ],
)
def test_payload_by_hand(codes, n_bins, payload):
    packed = pack_codes(codes, n_bins)
    assert packed.payload == bytes(payload)
    assert packed.nbytes == len(payload)
    assert packed.shape == (len(codes),)
    assert_array_equal(packed.unpack(), codes)


def test_bits_of_2x3_codes_by_hand():
    codes = np.array([[1, 2, 3], [7, 0, 5]])
    packed = pack_codes(codes, 8)
    # 001 010 011 111 000 101 -> 00101001 11110001 01000000
    assert packed.payload == bytes([0b00101001, 0b11110001, 0b01000000])
    assert packed.shape == (2, 3)
    assert packed.n_bits == 3
    assert packed.n_bins == 8


@pytest.mark.parametrize(
    ("n_bins", "n_bits"),
    [
        *[(2, 1), (3, 2), (4, 2), (5, 3), (8, 3), (9, 4), (16, 4), (17, 5), (255, 8)],
        *[(256, 8), (257, 9), (1000, 10), (4096, 12), (4097, 13), (65535, 16), (65536, 16)],
    ],
)
def test_n_bits_is_ceil_log2_n_bins(n_bins, n_bits):
    assert pack_codes([0], n_bins).n_bits == n_bits
    assert pack_codes(np.zeros(10), n_bins).nbytes == (10 * n_bits + 7) // 8


def test_face_sized_codes_at_8_bins_take_294912_bytes(rng):
    codes = rng.integers(0, 8, size=(768, 1024), dtype=np.uint8)
    packed = pack_codes(codes, 8)
    assert packed.n_bits == 3
    assert packed.nbytes == 294912 == len(packed.payload)
    assert len(packed.tobytes()) == 10 + 2 * 8 + 294912
    unpacked = packed.unpack()
    assert unpacked.dtype == np.uint8
    assert_array_equal(unpacked, codes)


# Round trips.


@pytest.mark.parametrize("n_bins", N_BINS)
@pytest.mark.parametrize("shape", SHAPES)
def test_round_trip_every_width_and_shape(rng, n_bins, shape):
    codes = random_codes(rng, shape, n_bins)
    packed = pack_codes(codes, n_bins)
    n_bits = (n_bins - 1).bit_length()
    assert packed.n_bits == n_bits
    assert packed.n_bins == n_bins
    assert packed.shape == shape
    assert packed.nbytes == (codes.size * n_bits + 7) // 8
    assert packed.payload == reference_payload(codes, n_bits)
    unpacked = packed.unpack()
    assert unpacked.dtype == (np.uint8 if n_bins <= 256 else np.uint16)
    assert unpacked.dtype == packed.dtype
    assert unpacked.shape == shape
    assert_array_equal(unpacked, codes)
    assert PackedCodes.frombytes(packed.tobytes()) == packed


@pytest.mark.parametrize("n_bins", N_BINS)
@pytest.mark.parametrize("size", [1000, 262144 + 8 * 1000 + 5])
def test_round_trip_of_large_arrays(rng, n_bins, size):
    # More than one chunk of the general kernel, and a partial last group.
    codes = random_codes(rng, size, n_bins)
    packed = pack_codes(codes, n_bins)
    assert packed.payload == reference_payload(codes, packed.n_bits)
    assert_array_equal(packed.unpack(), codes)


@pytest.mark.parametrize("n_bins", [2, 5, 256, 1000])
def test_every_code_round_trips(n_bins):
    codes = np.arange(n_bins)
    assert_array_equal(pack_codes(codes, n_bins).unpack(), codes)
    assert_array_equal(pack_codes(codes[::-1], n_bins).unpack(), codes[::-1])


@pytest.mark.parametrize(
    "dtype",
    [
        *[np.uint8, np.int8, np.uint16, np.int16, np.uint32, np.int32, np.uint64, np.int64],
        *[np.float16, np.float32, np.float64],
    ],
)
def test_any_integer_or_whole_float_dtype(dtype):
    codes = np.array([[0, 5, 7], [3, 1, 2]], dtype=dtype)
    packed = pack_codes(codes, 8)
    assert packed == pack_codes(codes.astype(np.uint8), 8)
    assert_array_equal(packed.unpack(), codes)


def test_narrow_dtypes_with_many_bins():
    assert_array_equal(pack_codes(np.int8([0, 127]), 300).unpack(), [0, 127])
    assert_array_equal(pack_codes(np.uint8([255]), 65536).unpack(), [255])
    with pytest.raises(
        ValueError, match=r"0\.\.299 for n_bins=300, got values from -128 to 5"
    ):
        pack_codes(np.int8([-128, 5]), 300)


def test_list_bool_and_numpy_scalar_inputs():
    assert_array_equal(pack_codes([[1, 0], [0, 1]], 2).unpack(), [[1, 0], [0, 1]])
    mask = np.array([True, False, True])
    assert pack_codes(mask, 2).payload == bytes([0b10100000])
    assert pack_codes(np.uint8(6), 8).shape == ()
    assert pack_codes(6, 8).unpack()[()] == 6
    assert pack_codes(np.float64(6.0), 8).unpack().shape == ()


def test_n_bins_may_be_a_numpy_integer():
    assert pack_codes([3], np.int64(4)).n_bins == 4
    assert type(pack_codes([3], np.uint16(4)).n_bins) is int


def test_non_contiguous_input():
    base = np.arange(60).reshape(6, 10) % 9
    for codes in (base[::2, ::3], base.T, base[:, ::-1]):
        assert_array_equal(pack_codes(codes, 9).unpack(), codes)


def test_input_is_not_modified_and_read_only_input_works(rng):
    codes = rng.integers(0, 17, size=(13, 11))
    codes.flags.writeable = False
    kept = codes.copy()
    packed = pack_codes(codes, 17)
    assert_array_equal(codes, kept)
    assert_array_equal(packed.unpack(), kept)
    floats = kept.astype(np.float64)
    floats.flags.writeable = False
    assert pack_codes(floats, 17) == packed


def test_unpack_returns_a_new_writable_array_each_time():
    packed = pack_codes([1, 2, 3], 256)
    first = packed.unpack()
    first[0] = 99
    assert first.flags.writeable
    assert_array_equal(packed.unpack(), [1, 2, 3])


@settings(max_examples=50, deadline=None)
@given(data=st.data(), n_bins=st.integers(2, 65536))
def test_round_trip_property(data, n_bins):
    shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=12))
    dtype = data.draw(st.sampled_from([np.int64, np.uint32, np.float64]))
    codes = data.draw(
        hnp.arrays(dtype, shape, elements=st.integers(0, n_bins - 1).map(dtype))
    )
    packed = pack_codes(codes, n_bins)
    assert packed.nbytes == (codes.size * packed.n_bits + 7) // 8
    assert packed.payload == reference_payload(codes, packed.n_bits)
    unpacked = packed.unpack()
    assert unpacked.shape == codes.shape
    assert_array_equal(unpacked, codes)
    assert PackedCodes.frombytes(packed.tobytes()) == packed


# Storage.


def test_tobytes_layout_by_hand():
    data = pack_codes(np.array([[7, 0, 5]]), 8).tobytes()
    assert data == (
        b"SKIQ"
        + bytes([1])
        + (8).to_bytes(4, "little")
        + bytes([2])
        + (1).to_bytes(8, "little")
        + (3).to_bytes(8, "little")
        + bytes([0b11100010, 0b10000000])
    )


@pytest.mark.parametrize("shape", [(), (0,), (5,), (2, 0, 3), (4, 3, 2, 1)])
@pytest.mark.parametrize("n_bins", [2, 7, 256, 300, 65536])
def test_header_round_trips_shape_and_n_bins(rng, shape, n_bins):
    packed = pack_codes(random_codes(rng, shape, n_bins), n_bins)
    data = packed.tobytes()
    assert isinstance(data, bytes)
    assert len(data) == 10 + 8 * len(shape) + packed.nbytes
    back = PackedCodes.frombytes(data)
    assert back.shape == shape
    assert back.n_bins == n_bins
    assert back.n_bits == packed.n_bits
    assert back.payload == packed.payload
    assert back == packed
    assert_array_equal(back.unpack(), packed.unpack())


@pytest.mark.parametrize("wrap", [bytes, bytearray, memoryview])
def test_frombytes_takes_bytes_like(wrap):
    packed = pack_codes([[1, 2], [3, 4]], 5)
    assert PackedCodes.frombytes(wrap(packed.tobytes())) == packed


def test_frombytes_copies_a_mutable_buffer():
    packed = pack_codes([1, 2, 3], 4)
    buffer = bytearray(packed.tobytes())
    back = PackedCodes.frombytes(buffer)
    buffer[-1] = 0
    assert back == packed


def test_pickle_and_copy():
    packed = pack_codes(np.arange(10).reshape(2, 5), 11)
    assert pickle.loads(pickle.dumps(packed)) == packed
    assert copy.deepcopy(packed) == packed
    assert copy.copy(packed) == packed


# Value semantics.


def test_equality_and_hash():
    packed = pack_codes([1, 2, 3], 4)
    assert packed == pack_codes(np.array([1, 2, 3], dtype=np.uint16), 4)
    assert hash(packed) == hash(pack_codes([1.0, 2.0, 3.0], 4))
    assert packed != pack_codes([1, 2, 2], 4)
    assert packed != pack_codes([1, 2, 3], 3 + 1 + 1)  # other n_bins, other bits
    assert pack_codes([1, 2, 3], 4) != pack_codes([[1, 2, 3]], 4)  # same payload
    assert pack_codes([0, 0], 2) != pack_codes([0], 2)  # same payload, other shape
    assert pack_codes([1], 3) != pack_codes([1], 4)  # same bits, other n_bins
    assert packed != packed.payload
    assert len({packed, pack_codes([1, 2, 3], 4)}) == 1


def test_repr():
    packed = pack_codes(np.zeros((768, 1024), dtype=np.uint8), 8)
    assert (
        repr(packed) == "PackedCodes(shape=(768, 1024), n_bins=8, n_bits=3, nbytes=294912)"
    )
    assert (
        repr(pack_codes(3, 300)) == "PackedCodes(shape=(), n_bins=300, n_bits=9, nbytes=2)"
    )


def test_immutable():
    packed = pack_codes([1, 2, 3], 4)
    with pytest.raises(AttributeError):
        packed.shape = (1, 3)
    with pytest.raises(AttributeError):
        packed.n_bins = 8
    with pytest.raises(AttributeError, match="immutable"):
        packed._payload = b"\x00"
    with pytest.raises(AttributeError, match="immutable"):
        del packed._shape
    assert_array_equal(packed.unpack(), [1, 2, 3])


def test_constructor_checks_its_arguments():
    packed = PackedCodes(bytes([0b01101100]), (3,), 4)
    assert packed == pack_codes([1, 2, 3], 4)
    assert PackedCodes(bytearray(b""), [0, np.int64(2)], 5).shape == (0, 2)
    with pytest.raises(ValueError, match=r"takes 1 bytes, got 2"):
        PackedCodes(b"\x00\x00", (3,), 4)
    with pytest.raises(ValueError, match="shape must be a tuple of integers"):
        PackedCodes(b"\x00", (1.5,), 4)
    with pytest.raises(ValueError, match="non-negative"):
        PackedCodes(b"", (-1,), 4)
    with pytest.raises(ValueError, match="n_bins must be an integer from 2 to 65536"):
        PackedCodes(b"\x00", (1,), 1)
    with pytest.raises(TypeError, match="payload must be bytes"):
        PackedCodes("l", (3,), 4)


# Errors.


@pytest.mark.parametrize(
    ("n_bins", "message"),
    [
        (1, "got 1[.]"),
        (0, "got 0[.]"),
        (-8, "got -8[.]"),
        (65537, "got 65537[.]"),
        (2**70, f"got {2**70}[.]"),
        (True, "got True of type bool"),
        (np.True_, r"got (np\.)?True_? of type bool"),
        (8.0, "got 8.0 of type float"),
        (np.float64(8.0), r"got (np\.float64\()?8\.0\)? of type float64"),
        ("8", "got '8' of type str"),
        (None, "got None of type NoneType"),
    ],
)
def test_invalid_n_bins(n_bins, message):
    with pytest.raises(ValueError, match=r"n_bins must be an integer from 2 to 65536, "):
        pack_codes([0, 1], n_bins)
    with pytest.raises(ValueError, match=message):
        pack_codes([0, 1], n_bins)


@pytest.mark.parametrize(
    ("codes", "n_bins", "message"),
    [
        ([0, 8, 3], 8, r"Codes must lie in 0\.\.7 for n_bins=8, got values from 0 to 8 "),
        ([-1, 2], 4, r"lie in 0\.\.3 for n_bins=4, got values from -1 to 2 \(1 of 2 "),
        ([[5, 9], [-2, 1]], 5, r"lie in 0\.\.4 .* from -2 to 9 \(3 of 4 outside\)"),
        (np.array([300], dtype=np.uint16), 256, r"lie in 0\.\.255 .* from 300 to 300"),
        (np.array([2**64 - 1], dtype=np.uint64), 65536, r"from 18446744073709551615 "),
        (np.array(2, dtype=np.int8), 2, r"lie in 0\.\.1 for n_bins=2, got values from 2"),
        ([0.0, 8.0], 8, r"lie in 0\.\.7 for n_bins=8, got values from 0\.0 to 8\.0"),
        ([-1e300, 0.0], 8, r"got values from -1e\+300 to 0\.0"),
        ([True, True], 2, None),
    ],
)
def test_codes_out_of_range(codes, n_bins, message):
    if message is None:  # booleans are codes 0 and 1: always in range
        assert_array_equal(pack_codes(codes, n_bins).unpack(), [1, 1])
        return
    with pytest.raises(ValueError, match=message):
        pack_codes(codes, n_bins)


@pytest.mark.parametrize(
    ("codes", "message"),
    [
        ([0.0, np.nan], r"finite whole numbers, got nan at index \(1,\)"),
        ([[1.0, 2.0], [np.inf, 0.0]], r"finite whole numbers, got inf at index \(1, 0\)"),
        (np.float32([-np.inf]), r"finite whole numbers, got -inf at index \(0,\)"),
        ([1.0, 2.5, 0.5], r"whole numbers, got the fraction 2\.5 at index \(1,\)"),
        (np.float64(0.25), r"whole numbers, got the fraction 0\.25 at index \(\)"),
        ([1, 2.000001], r"whole numbers, got the fraction 2\.000001 at index \(1,\)"),
    ],
)
def test_float_codes_must_be_finite_whole_numbers(codes, message):
    with pytest.raises(ValueError, match=message):
        pack_codes(codes, 8)


@pytest.mark.parametrize(
    ("codes", "message"),
    [
        (["1", "2"], r"dtype <U1 \(not numbers\)"),
        (np.array([b"1"]), r"dtype \|S1 \(not numbers\)"),
        ([1 + 0j, 2], r"dtype complex128 \(complex numbers\)"),
        (np.array([1, 2], dtype=object), r"dtype object \(not numbers\)"),
        (np.array([1], dtype="datetime64[s]"), r"dtype datetime64\[s\] \(not numbers\)"),
        (None, r"dtype object"),
    ],
)
def test_codes_must_be_numbers(codes, message):
    with pytest.raises(TypeError, match=r"Codes must be integers \(or floats holding"):
        pack_codes(codes, 8)
    with pytest.raises(TypeError, match=message):
        pack_codes(codes, 8)


def test_empty_codes_skip_value_checks():
    # No value to be out of range: empty arrays of any numeric type pack.
    for dtype in (np.int64, np.float64, np.uint16):
        packed = pack_codes(np.empty((0, 3), dtype=dtype), 8)
        assert packed.nbytes == 0
        assert packed.unpack().shape == (0, 3)


# frombytes errors.


def header(n_bins=8, shape=(3,), magic=b"SKIQ", version=1, ndim=None):
    ndim = len(shape) if ndim is None else ndim
    dims = b"".join(struct.pack("<Q", dim) for dim in shape)
    return struct.pack("<4sBIB", magic, version, n_bins, ndim) + dims


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"PK\x03\x04 a zip file", r"not packed codes: they start with b'PK\\x03\\x04'"),
        (b"\x89PNG\r\n\x1a\n", r"not packed codes: they start with b'\\x89PNG'"),
        (header(magic=b"SKIX") + b"\x00\x00", "not packed codes"),
        (b"X", "not packed codes"),
        (b"", r"Truncated packed codes: 0 bytes, shorter than the 10-byte header"),
        (b"SKI", r"Truncated packed codes: 3 bytes, shorter than the 10-byte header"),
        (header()[:9], r"9 bytes, shorter than the 10-byte header"),
        (header(version=2) + b"\x00\x00", "Unknown packed codes format version 2"),
        (header(version=0) + b"\x00\x00", "Unknown packed codes format version 0"),
        (header(n_bins=1) + b"\x00", r"n_bins in the header must be .* got 1[.]"),
        (header(n_bins=65537) + b"\x00" * 6, r"n_bins in the header .* got 65537[.]"),
        (header(n_bins=0, shape=()), r"n_bins in the header .* got 0[.]"),
        (header(shape=(2, 3))[:-1], r"shorter than the 26-byte header of 2 dims"),
        (header(shape=(), ndim=65), r"ndim=65, more than 64"),
        (header(shape=(2**63, 2)), r"too large for an array"),
        (
            header(shape=(3,)),
            r"announces 2 bytes of payload \(shape \(3,\), n_bins=8\), found 0",
        ),
        (header(shape=(3,)) + b"\x00", r"Truncated .* announces 2 bytes .* found 1"),
        (header(shape=(3,)) + b"\x00" * 3, r"followed by 1 trailing bytes"),
        (header(shape=(0,)) + b"\x00", r"followed by 1 trailing bytes"),
        (header(shape=(3,)) + b"\x00\x01", r"the 7 padding bits after the last code"),
        (header(n_bins=5, shape=(2,)) + b"\x1c", r"a code is 7, not below n_bins=5"),
        (header(n_bins=65535, shape=(1,)) + b"\xff\xff", r"a code is 65535, not below"),
    ],
)
def test_frombytes_rejects_bad_data(data, message):
    with pytest.raises(ValueError, match=message):
        PackedCodes.frombytes(data)


def test_frombytes_accepts_hand_made_data():
    packed = PackedCodes.frombytes(header(n_bins=5, shape=(2,)) + bytes([0b10001100]))
    assert_array_equal(packed.unpack(), [4, 3])


@pytest.mark.parametrize("data", ["SKIQ", 123, None, [1, 2]])
def test_frombytes_wants_bytes_like(data):
    with pytest.raises(TypeError, match="data must be bytes, bytearray or memoryview"):
        PackedCodes.frombytes(data)


def test_every_truncation_of_valid_data_is_rejected():
    data = pack_codes(np.arange(12).reshape(3, 4) % 5, 5).tobytes()
    for end in range(len(data)):
        with pytest.raises(ValueError, match="Truncated"):
            PackedCodes.frombytes(data[:end])

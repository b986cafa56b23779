"""``python -m sk_imagequant demo``: on the face, offline, on an image of your own."""

import os
import re
import subprocess
import sys

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from sk_imagequant._demo import fallback_image, main, read_image, to_grey

FIGURES = [
    "original.png",
    "uniform.png",
    "quantile.png",
    "kmeans.png",
    "optimal.png",
    "histogram_centres.png",
    "rate_distortion.png",
]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def run_demo(cwd, *args, env=None):
    """The demo as a user runs it: a new interpreter, in ``cwd``."""
    environment = {key: value for key, value in os.environ.items() if key != "DISPLAY"}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "sk_imagequant", "demo", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def assert_figures(folder):
    for name in FIGURES:
        path = folder / name
        assert path.is_file(), f"{name} was not written"
        assert path.read_bytes()[:8] == PNG_SIGNATURE
        assert path.stat().st_size > 4_000  # drawn on: a blank canvas takes 1.6 KB


def test_demo_on_the_face(face, tmp_path):
    result = run_demo(tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    out = result.stdout
    assert "shape (768, 1024), dtype uint8, 786432 bytes, values 0 to 250" in out
    # The example's published centres: uniform exactly, k-means to 0.05.
    assert "uniform   midpoint  15.625 46.875 78.125 109.375 140.625 171.875" in out
    kmeans = re.search(r"kmeans    midpoint  ([\d. ]+)\n", out).group(1).split()
    expected = [18.909, 53.343, 82.644, 109.282, 134.708, 159.787, 185.172, 224.021]
    assert np.allclose([float(value) for value in kmeans], expected, atol=0.05)
    # Errors of the table on docs/benchmarks.md, and KBinsDiscretizer timed beside us.
    assert re.search(r"kmeans +[\d.]+ +[\d.]+ \(\d+x\) +73\.80 +29\.45 dB +64\.26", out)
    optimal = r"optimal .* no such strategy +80\.56 +29\.07 dB +63\.32 +30\.12 dB"
    assert re.search(optimal, out)
    # The memory table.
    assert re.search(r"original image, uint8 +786432 +8\n", out)
    assert re.search(r"KBinsDiscretizer codes, float64 +6291456 +64\n", out)
    assert re.search(r"ImageQuantizer codes, uint8 +786432 +8\n", out)
    assert re.search(r"pack_codes\(codes, 8\) +294912 +3\n", out)
    assert re.search(r"optimal +18\.50 +24\.33 +30\.12 +35\.94", out)
    folder = tmp_path / "sk_imagequant-demo"
    assert f"Wrote 7 figures to {folder}" in out
    assert_figures(folder)


def test_demo_offline_with_an_empty_cache(tmp_path):
    """No face and no network: it says where face.dat goes and uses another image."""
    unreachable = "http://127.0.0.1:9"  # nothing listens there: refused at once
    env = {
        "XDG_CACHE_HOME": str(tmp_path / "empty-cache"),
        "HTTPS_PROXY": unreachable,
        "HTTP_PROXY": unreachable,
        "https_proxy": unreachable,
        "http_proxy": unreachable,
        "NO_PROXY": "",
        "no_proxy": "",
    }
    result = run_demo(tmp_path, "--output", "figures", env=env)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    cache = tmp_path / "empty-cache" / "scipy-data" / "face.dat"
    assert "Copy face.dat (SHA-256" in result.stdout
    assert str(cache) in result.stdout
    assert "Running on scikit-learn's sample image china.jpg, in grey instead." in (
        result.stdout
    )
    assert re.search(r"pack_codes\(codes, 8\) +102480 +3\n", result.stdout)  # 427x640
    assert_figures(tmp_path / "figures")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.png", None, "no such file"),
        ("broken.png", b"not an image at all", "cannot identify image file"),
        ("broken.npy", b"not an array", "cannot read image"),
    ],
)
def test_demo_bad_image_is_one_line_and_status_2(tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    result = run_demo(tmp_path, "--image", str(path))
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("sk_imagequant demo: error: ")
    assert message in lines[0]
    assert str(path) in lines[0]


def test_demo_on_an_image_of_your_own(tmp_path, capsys):
    """A 16-bit .npy image, 4 levels: tables and figures for it."""
    image = np.random.default_rng(0).normal(2000, 300, (60, 80)).astype(np.uint16)
    path = tmp_path / "scan.npy"
    np.save(path, image)
    args = ["demo", "--image", str(path), "--n-bins", "4", "--output", str(tmp_path)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert f"Image: {path}\n  shape (60, 80), dtype uint16, 9600 bytes" in out
    assert re.search(r"original image, uint16 +9600 +16\n", out)
    assert re.search(r"KBinsDiscretizer codes, float64 +38400 +64\n", out)
    assert re.search(r"ImageQuantizer codes, uint8 +4800 +8\n", out)
    assert re.search(r"pack_codes\(codes, 4\) +1200 +2\n", out)
    assert_figures(tmp_path)


def test_demo_without_matplotlib_prints_its_tables(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    monkeypatch.delitem(sys.modules, "sk_imagequant.plot", raising=False)
    path = tmp_path / "small.npy"
    np.save(path, np.arange(256, dtype=np.uint8).reshape(16, 16))
    assert main(["demo", "--image", str(path), "--output", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "Memory of the 8-level image" in out
    assert "matplotlib is not installed: no figures written." in out
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("n_bins", ["1", "65537", "eight"])
def test_demo_rejects_bad_n_bins(n_bins, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "--n-bins", n_bins])
    assert exit_info.value.code == 2
    assert "--n-bins" in capsys.readouterr().err


def test_read_image_converts_colour_to_grey(tmp_path):
    colour = np.zeros((2, 3, 3), dtype=np.uint8)
    colour[..., 0], colour[..., 1], colour[..., 2] = 100, 200, 50
    path = tmp_path / "colour.npy"
    np.save(path, colour)
    grey = read_image(str(path))
    # scipy.datasets.face(gray=True): 0.21 R + 0.71 G + 0.07 B, truncated.
    assert_array_equal(grey, np.full((2, 3), 166, dtype=np.uint8))
    assert_array_equal(to_grey(colour), grey)


def test_read_image_reads_png_files(tmp_path):
    from PIL import Image

    image = np.arange(48, dtype=np.uint8).reshape(6, 8) * 5
    Image.fromarray(image).save(tmp_path / "grey.png")
    assert_array_equal(read_image(str(tmp_path / "grey.png")), image)
    Image.fromarray(np.stack([image] * 3, axis=-1)).save(tmp_path / "rgb.png")
    assert_array_equal(read_image(str(tmp_path / "rgb.png")), image)  # L = grey


def test_read_image_rejects_what_is_not_an_image(tmp_path):
    path = tmp_path / "table.npy"
    np.save(path, np.array(["a", "b"]))
    with pytest.raises(ValueError, match="expected a non-empty grey or colour image"):
        read_image(str(path))
    np.save(path, np.array([[0.0, np.nan]]))
    with pytest.raises(ValueError, match="NaN or infinite"):
        read_image(str(path))


def test_fallback_image_without_pillow_is_a_mosaic_of_digits(monkeypatch):
    monkeypatch.setitem(sys.modules, "PIL", None)
    image, name = fallback_image()
    assert "digits" in name
    assert image.shape == (160, 160)
    assert image.dtype == np.uint8
    assert (image.min(), image.max()) == (0, 255)


def test_importing_the_package_needs_no_matplotlib():
    code = (
        "import sys, sk_imagequant, sk_imagequant.datasets, sk_imagequant._demo; "
        "assert 'matplotlib' not in sys.modules, 'matplotlib was imported'"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_demo_on_a_float_image(tmp_path, capsys):
    """Values in [0, 1]: small errors and centres keep their significant digits."""
    image = np.linspace(0.0, 1.0, 30 * 40, dtype=np.float32).reshape(30, 40)
    path = tmp_path / "ramp.npy"
    np.save(path, image)
    assert (
        main(["demo", "--image", str(path), "--n-bins", "2", "--output", str(tmp_path)])
        == 0
    )
    out = capsys.readouterr().out
    assert "values 0 to 1\n" in out
    assert "2 bins, fitted on every pixel" in out
    # Two equal halves of a ramp: centres 0.25 and 0.75; the squared error
    # (1/48 for a continuous ramp) is that of each half about its mean.
    assert "uniform   midpoint  0.250 0.750\n" in out
    half = image.ravel()[:600].astype(np.float64)
    mse = np.mean((half - 0.25) ** 2)
    assert f"{mse:.4g}" == "0.02087"
    assert re.search(rf"uniform .* {mse:.4g} +{10 * np.log10(1 / mse):.2f} dB", out)


def test_demo_output_into_a_closed_pipe_is_no_traceback(face):
    command = f"{sys.executable} -m sk_imagequant demo --output demo | head -n 1"
    result = subprocess.run(
        command, shell=True, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.stdout == "Image: the raccoon face (scipy.datasets.face)\n"
    assert "Traceback" not in result.stderr


def test_demo_on_a_tiny_image(tmp_path, capsys):
    """4 pixels, 8 bins: notes, not errors; KBinsDiscretizer's k-means fails."""
    path = tmp_path / "tiny.npy"
    np.save(path, np.array([[0, 1], [2, 3]], dtype=np.uint8))
    assert main(["demo", "--image", str(path), "--output", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "KBinsDiscretizer('kmeans') fails: n_samples=4 should be >= n_clusters=8." in out
    assert re.search(r"optimal .* 0\.00 +inf dB\n", out)  # centroids: lossless
    assert_figures(tmp_path / "out")


def test_demo_output_that_cannot_be_a_folder(tmp_path, capsys):
    path = tmp_path / "tiny.npy"
    np.save(path, np.array([[0, 1], [2, 3]], dtype=np.uint8))
    (tmp_path / "taken").write_text("a file, not a folder")
    status = main(["demo", "--image", str(path), "--output", str(tmp_path / "taken")])
    assert status == 2
    captured = capsys.readouterr()
    # 4 levels, 8 bins asked: the quantizer's warning comes out as a note.
    assert "note: Channel 0 gets 4 bins instead of n_bins=8" in captured.out
    (line,) = captured.err.strip().splitlines()
    assert line.startswith("sk_imagequant demo: error: cannot write figures: ")
    assert "taken" in line


def test_read_image_turns_booleans_into_bytes(tmp_path):
    path = tmp_path / "mask.npy"
    np.save(path, np.array([[True, False], [False, True]]))
    assert_array_equal(read_image(str(path)), [[1, 0], [0, 1]])
    assert read_image(str(path)).dtype == np.uint8

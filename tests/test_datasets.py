"""load_face: through the pooch cache, and a clear error when it is not there."""

import os
import subprocess
import sys
import textwrap

import numpy as np


def test_load_face_gray_and_colour(face):
    from sk_imagequant.datasets import load_face

    assert face.shape == (768, 1024)
    colour = load_face(gray=False)
    assert colour.shape == (768, 1024, 3)
    assert colour.dtype == np.uint8


def test_offline_with_an_empty_cache_says_where_to_put_face_dat(tmp_path):
    """Run in a fresh interpreter: scipy.datasets reads the cache path on import.

    The cache is an empty folder, and every download goes through a proxy on
    a closed local port, so this never touches the network.
    """
    script = textwrap.dedent(
        """
        from sk_imagequant.datasets import FaceNotAvailableError, load_face
        try:
            load_face()
        except FaceNotAvailableError as error:
            print(error)
        else:
            raise SystemExit("load_face did not fail")
        """
    )
    env = {
        **os.environ,
        "XDG_CACHE_HOME": str(tmp_path),
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "HTTP_PROXY": "http://127.0.0.1:9",
        "https_proxy": "http://127.0.0.1:9",
        "http_proxy": "http://127.0.0.1:9",
        "NO_PROXY": "",
        "no_proxy": "",
    }
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    expected = os.path.join(str(tmp_path), "scipy-data", "face.dat")
    assert "Copy face.dat" in result.stdout
    assert expected in result.stdout
    assert not (tmp_path / "scipy-data" / "face.dat").exists()

"""The README's quick start runs as written, and gives the numbers it states."""

import re
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def python_block_after(heading):
    text = README.read_text(encoding="utf-8")
    section = text[text.index(heading) :]
    return re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)


def test_quick_start_runs_as_written(face, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # it saves a figure
    namespace = {}
    exec(python_block_after("## Quick start"), namespace)
    quantizer, best = namespace["quantizer"], namespace["best"]
    assert namespace["codes"].nbytes == 786432
    assert quantizer.score(face) == pytest.approx(29.45, abs=0.005)
    assert best.score(face) == pytest.approx(30.12, abs=0.005)
    assert namespace["packed"].nbytes == 294912
    assert len(namespace["blob"]) == 294938
    np.testing.assert_array_equal(namespace["codes_again"], best.transform(face))
    np.testing.assert_allclose(
        quantizer.bin_centers_[0].round(3),
        [18.914, 53.363, 82.65, 109.261, 134.687, 159.794, 185.186, 224.019],
    )
    for name in ("bin_edges_", "bin_centers_"):
        streamed = getattr(namespace["streamed"], name)[0]
        np.testing.assert_array_equal(streamed, getattr(quantizer, name)[0])
    assert (tmp_path / "kmeans.png").read_bytes()[:4] == b"\x89PNG"
    plt.close(namespace["display"].figure_)

"""The benchmark scripts still run, and print the figures the benchmarks page quotes.

Timings are not checked (these machines are noisy); only that the scripts
run on small inputs and that the errors and sizes they print are the ones
on docs/benchmarks.md.
"""

import runpy
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _run(script, argv, capsys, monkeypatch):
    monkeypatch.setattr(sys, "argv", [script, *argv])
    runpy.run_path(str(BENCHMARKS / script), run_name="__main__")
    return capsys.readouterr().out


def test_scaling_runs_on_a_small_image(capsys, monkeypatch):
    out = _run(
        "bench_scaling.py",
        ["--sizes", "0.05", "--compare-size", "0.05"],
        capsys,
        monkeypatch,
    )
    rows = [line for line in out.splitlines() if line.startswith(("| uint8", "| uint16"))]
    assert len(rows) == 2
    assert "| ratio KBinsDiscretizer / ours |" in out


def test_distortion_prints_the_figures_on_the_benchmarks_page(face, capsys, monkeypatch):
    out = _run("bench_distortion.py", [], capsys, monkeypatch)
    assert "| 8 | kmeans | 73.80 | 29.45 dB | 64.26 | 30.05 dB |" in out
    assert "| pack_codes, 3 bits a code (PackedCodes.nbytes) | 294912 | 3 |" in out
    assert "| PackedCodes.tobytes(), with its header | 294938 | 3 |" in out
    # Every row of the error table stands on the benchmarks page (which bolds
    # the best cells): 4, 8 and 16 bins, every strategy.
    page = BENCHMARKS.parent / "docs" / "benchmarks.md"
    published = page.read_text(encoding="utf-8").replace("**", "")
    rows = [
        line for line in out.splitlines() if line.startswith(("| 4 |", "| 8 |", "| 16 |"))
    ]
    assert len(rows) == 12
    for row in rows:
        assert row in published, row


def test_optimal_sweep_finds_the_layers_error(capsys, monkeypatch):
    out = _run("sweep_optimal.py", ["--cases", "6"], capsys, monkeypatch)
    assert out.startswith("0 of "), out
    assert not out.startswith("0 of 0 "), out


def test_distinct_float_sweep_finds_kmeans_no_worse(capsys, monkeypatch):
    out = _run("sweep_kbins.py", ["--distinct", "3"], capsys, monkeypatch)
    assert out.startswith("distinct floats, k-means: 0 of "), out
    assert not out.startswith("distinct floats, k-means: 0 of 0 "), out


def test_many_bins_ratios_table_has_a_row_per_strategy(capsys, monkeypatch):
    out = _run(
        "bench_many_bins.py",
        ["--ratios", "--quick", "--n-bins", "2", "8", "--image", "uint8"],
        capsys,
        monkeypatch,
    )
    rows = [line for line in out.splitlines() if line.startswith("| uint8 camera |")]
    strategies = [row.split(" | ")[2] for row in rows]
    assert strategies[:3] == ["quantile", "kmeans", "optimal"]
    assert all(len(row.split(" | ")) == 5 for row in rows)

"""The gallery's examples run headless, with warnings as errors, and print their numbers.

Every ``examples/plot_*.py`` is run in a fresh interpreter (as sphinx-gallery
would, but with the Agg backend), so a new example is picked up without
touching this file. Each takes a few seconds. Those that load the face are
skipped, with the reason, when the face is not available (see conftest.py).
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES_DIR = Path(__file__).resolve().parents[1] / "examples"
EXAMPLES = sorted(EXAMPLES_DIR.glob("plot_*.py"))

# Runs an example as a script, with warnings as errors but for two expected ones
# (the -W option cannot take the second, a pattern).
RUNNER = """
import runpy, sys, warnings
warnings.simplefilter("error")
# Agg draws but cannot show: plt.show() says so.
warnings.filterwarnings("ignore", "FigureCanvasAgg is non-interactive", UserWarning)
# matplotlib < 3.10.7 with pyparsing >= 3.3, as filtered in pyproject.toml.
old_names = "'[A-Za-z]+' deprecated - use '[a-z_]+'"
warnings.filterwarnings("ignore", old_names, DeprecationWarning)
runpy.run_path(sys.argv[1], run_name="__main__")
"""

# Numbers each example must print: the ones its prose and the docs (docs/) quote.
EXPECTED_OUTPUT = {
    "plot_vector_quantization.py": [
        "15.625",
        "234.375",
        "6291456 bytes",
        "786432 bytes",
        "294912 bytes, 3 bits a pixel",
        "30.12 dB",
    ],
    "plot_pipeline_digits.py": ["best n_bins:", "without quantisation:"],
    "plot_rate_distortion.py": [
        "     8 optimal       29.07     30.12",
        "    16 optimal       35.49     35.94",
    ],
    "plot_colour_image.py": ["819840 bytes", "204960 bytes"],
    "plot_large_image_dask.py": [
        "bins equal to the in-memory fit: True",
        "pixels whose code differs from the in-memory fit: 0",
    ],
}


def test_every_example_with_expected_output_exists():
    names = {path.name for path in EXAMPLES}
    assert set(EXPECTED_OUTPUT) <= names, set(EXPECTED_OUTPUT) - names


@pytest.mark.parametrize("path", EXAMPLES, ids=[path.name for path in EXAMPLES])
def test_example_runs(path, request, tmp_path):
    if "load_face" in path.read_text(encoding="utf-8"):
        request.getfixturevalue("face")  # skips when the face is not available
    command = [sys.executable, "-c", RUNNER, str(path)]
    env = {**os.environ, "MPLBACKEND": "Agg"}
    result = subprocess.run(
        command,
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, (
        f"{path.name} exited with {result.returncode}\n"
        f"--- stderr ---\n{result.stderr}\n--- stdout ---\n{result.stdout}"
    )
    for text in EXPECTED_OUTPUT.get(path.name, []):
        assert text in result.stdout, (
            f"{text!r} not printed by {path.name}:\n{result.stdout}"
        )

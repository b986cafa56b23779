import numpy as np
import pytest

from sk_imagequant.datasets import FaceNotAvailableError, load_face


@pytest.fixture(scope="session")
def face():
    """The grey raccoon face, from the pooch cache (or downloaded once)."""
    try:
        return load_face()
    except FaceNotAvailableError as error:
        pytest.skip(f"the face is neither in the pooch cache nor downloadable: {error}")


@pytest.fixture
def rng():
    return np.random.default_rng(0)

import os

import numpy as np
import pytest

from sk_imagequant.datasets import FaceNotAvailableError, load_face


@pytest.fixture(scope="session")
def face():
    """The grey raccoon face, from the pooch cache (or downloaded once).

    Skipped when neither has it, unless SK_IMAGEQUANT_REQUIRE_FACE is set (as
    .ci/run does after seeding the cache): then a missing face is a failure.
    """
    try:
        return load_face()
    except FaceNotAvailableError as error:
        if os.environ.get("SK_IMAGEQUANT_REQUIRE_FACE"):
            raise
        pytest.skip(f"the face is neither in the pooch cache nor downloadable: {error}")


@pytest.fixture
def rng():
    return np.random.default_rng(0)

import os

import numpy as np
import pytest


def pytest_report_header(config):
    return f"NUMBA_ENABLE_CUDASIM={os.environ.get('NUMBA_ENABLE_CUDASIM', '0')}"


@pytest.fixture
def rng():
    # fresh data on every run (the seed is printed on failure through the fixture's repr)
    seed = int.from_bytes(os.urandom(4), "little")
    print(f"random seed: {seed}")
    return np.random.default_rng(seed)

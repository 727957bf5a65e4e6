"""The reference proofs work on tiny tensors: torch's intra-op threads only add overhead
there (about 3x the run time on a busy 2-core machine), so each test runs with one thread
and the previous setting is restored after it."""
import pytest
import torch


@pytest.fixture(autouse=True)
def _one_torch_thread():
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)

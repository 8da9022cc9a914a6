"""Device names resolved to torch devices, and devices described in words."""

import os

import pytest
import torch

from sae_core.device import describe_device, resolve_device


def test_resolve_device():
    assert resolve_device("cpu") == torch.device("cpu")
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device("auto").type == expected
    assert resolve_device().type == expected
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="CUDA is not available.*device='cpu'"):
            resolve_device("cuda")


def test_describe_cpu_names_cores_and_threads():
    n_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        text = describe_device(torch.device("cpu"))
    finally:
        torch.set_num_threads(n_threads)
    assert text.startswith("cpu (") and text.endswith(", 1 torch thread)")
    assert f", {os.cpu_count()} cores, " in text
    assert describe_device("cpu") == describe_device(torch.device("cpu"))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_describe_gpu_names_it():
    assert describe_device("cuda") == f"cuda ({torch.cuda.get_device_name(0)})"

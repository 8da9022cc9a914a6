"""Where torch runs: a device name resolved to a ``torch.device``, and that device in words."""

from __future__ import annotations

import os
import platform

import torch


def resolve_device(device: str = "auto") -> torch.device:
    """Map "auto" to CUDA when available, else CPU; asking for CUDA without it is an error."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise RuntimeError(
            f"device={device!r} was asked for but CUDA is not available on this machine; "
            "use device='auto' or device='cpu'"
        )
    return dev


def describe_device(device: torch.device | str = "auto") -> str:
    """The device in words, for records and titles.

    A GPU: ``"cuda (<its name>)"``. The CPU: ``"cpu (<processor>, <n> cores, <t> torch
    thread(s))"``. A name such as "auto" is resolved first (:func:`resolve_device`).
    """
    dev = resolve_device(device) if isinstance(device, str) else device
    if dev.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(dev)})"
    threads = torch.get_num_threads()
    return (f"cpu ({platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"{threads} torch thread{'s' if threads != 1 else ''})")

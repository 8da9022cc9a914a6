"""Wall time of the SAE method by model size, stage by stage, beside the paper's GPU times.

Not a test. Run:  python benchmarks/bench_model_size.py --json results/bench_model_size.json

Random-weight stand-ins of GPT-2 small / medium / large / xl (time depends on the
architecture only) on a synthetic task of random-token prompts, timed by
:func:`sae_core.experiments.model_size.time_model_sizes` (stages: load, cache, SAE, codes, node
scores, edge scores). The paper's numbers (whole method, one GPU, 10 training
examples; sae_core.paper.numbers.RUNTIME_GPU_S) are printed beside ours. Ours run on
whatever ``--device`` resolves to (default "auto": CUDA when present, else the CPU),
and the table says which.

Before each model, /proc/meminfo's MemAvailable is checked against the model's float32
size plus 1 GiB; a model that does not fit is skipped with the reason printed.

``--eap`` also times EAP (auto-circuit, through sae_core.methods) on each random model
with the same synthetic task, when the baselines registry provides "eap". Each EAP run
is a child process: auto-circuit's patchable graph can outgrow memory on the larger
models (gpt2-medium was killed on 24 GiB with 50 prompts), and a kill then costs only
that row, recorded as skipped. The SAE table and JSON are written before EAP starts.

``--quick``: gpt2 only, 12 + 12 prompts of 8 tokens, 50 SAE steps (seconds; a smoke run).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from sae_core.config import SAEConfig
from sae_core.experiments.model_size import (
    DEFAULT_N_PROMPTS,
    DEFAULT_PROMPT_LENGTH,
    RUNTIME_MODELS,
    STAGES,
    mem_available_gib,
    model_memory_gib,
    synthetic_task,
    time_model_sizes,
)
from sae_core.paper.numbers import PAPER, RUNTIME_GPU_S
from sae_core.records import write_json_atomic


def _fits(name: str, headroom_gib: float = 1.0) -> str | None:
    """Why ``name`` cannot be built now (too little free memory), or None."""
    need = model_memory_gib(name) + headroom_gib
    avail = mem_available_gib()
    if avail is not None and avail < need:
        return f"{name} needs ~{need:.1f} GiB but {avail:.1f} GiB is available"
    return None


def time_eap(name: str, n_prompts: int, prompt_length: int, device: str, seed: int) -> dict:
    """EAP's wall time on random-weight ``name`` with the synthetic task, or why not."""
    try:
        from sae_core.methods import available_methods, method_spec
    except ImportError as err:
        return {"skipped": f"no baselines registry ({err})"}
    if "eap" not in available_methods():
        return {"skipped": "the baselines registry has no 'eap' method"}
    from sae_core.models.pretrained import load_model

    model = load_model(name, model_source="random", device=device if device != "auto" else "cpu",
                       seed=seed)
    task = synthetic_task(model, n_prompts, prompt_length, seed=seed)
    spec = method_spec("eap")
    config = spec.default_config(n_prompts=n_prompts, device=device, seed=seed)
    t0 = time.perf_counter()
    try:
        scores = spec.run(task, config)
    except Exception as err:  # noqa: BLE001 - report why, keep the benchmark going
        return {"skipped": f"EAP failed on {name}: {type(err).__name__}: {err}"}
    wall = time.perf_counter() - t0
    return {"seconds": float(scores.seconds), "wall_s": wall, "config": config.to_dict()}


def time_eap_child(name: str, n_prompts: int, prompt_length: int, device: str,
                   seed: int) -> dict:
    """:func:`time_eap` in a child process; a child killed (e.g. out of memory) is
    reported as skipped instead of ending the benchmark."""
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); import bench_model_size as b; "
        "print(json.dumps(b.time_eap(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), "
        "sys.argv[5], int(sys.argv[6]))))"
    )
    args = [sys.executable, "-c", code, str(Path(__file__).resolve().parent), name,
            str(n_prompts), str(prompt_length), device, str(seed)]
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode != 0:
        why = "killed (out of memory?)" if done.returncode < 0 else "failed"
        tail = done.stderr.strip().splitlines()[-1:] or [""]
        return {"skipped": f"EAP {why} on {name} with {n_prompts} prompts "
                           f"(exit {done.returncode}) {tail[0]}".strip()}
    return json.loads(done.stdout.strip().splitlines()[-1])


def _write(path: Path | None, result, eap: dict, argv) -> None:
    if path is None:
        return
    payload = result.to_dict() | {
        "paper_gpu_s": dict(RUNTIME_GPU_S),
        "paper": PAPER,
        "eap": eap,
        "command": " ".join(["benchmarks/bench_model_size.py", *(argv or sys.argv[1:])]),
    }
    write_json_atomic(path, payload)


def main(argv=None) -> int:
    """Run the benchmark, print a table, optionally write JSON."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", nargs="+", default=list(RUNTIME_MODELS))
    ap.add_argument("--n-prompts", type=int, default=DEFAULT_N_PROMPTS,
                    help="positives (and as many negatives) per synthetic task")
    ap.add_argument("--prompt-length", type=int, default=DEFAULT_PROMPT_LENGTH)
    ap.add_argument("--steps", type=int, default=SAEConfig().steps, help="SAE training steps")
    ap.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--eap", action="store_true", help="also time EAP (needs sae_core.methods)")
    ap.add_argument("--quick", action="store_true",
                    help="gpt2 only, 12+12 prompts of 8 tokens, 50 steps")
    ap.add_argument("--json", type=Path, default=None, help="write results here")
    args = ap.parse_args(argv)
    if args.quick:
        args.models, args.n_prompts, args.prompt_length, args.steps = ["gpt2"], 12, 8, 50

    config = SAEConfig(steps=args.steps, device=args.device)
    skipped = {}
    models = []
    for name in args.models:
        reason = _fits(name)
        if reason is not None:
            skipped[name] = reason
            print(f"skipping {reason}", flush=True)
        else:
            models.append(name)
    if not models:
        print("no model fits in the available memory; nothing to time", file=sys.stderr)
        return 1
    print(
        f"SAE method on random-weight stand-ins, synthetic task: {args.n_prompts} + "
        f"{args.n_prompts} random-token prompts of {args.prompt_length} tokens, SAE on "
        f"{config.n_train} + {config.n_train} of them, {config.n_features} features, "
        f"{config.steps} steps; load {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    result = time_model_sizes(
        models, n_prompts=args.n_prompts, prompt_length=args.prompt_length, config=config,
        seed=args.seed, progress=True,
    )
    result = dataclasses.replace(result, notes={"skipped": skipped} if skipped else {})
    eap: dict = {}
    _print_table(result, eap)
    _write(args.json, result, eap, argv)
    if args.eap:
        for name in models:
            eap[name] = time_eap_child(name, args.n_prompts, args.prompt_length,
                                       args.device, args.seed)
            print(f"EAP {name}: {eap[name]}", flush=True)
            _write(args.json, result, eap, argv)
        _print_table(result, eap)
    if args.json is not None:
        print(f"wrote {args.json}")
    return 0


def _print_table(result, eap: dict) -> None:
    cols = ["model", "heads", *STAGES, "total", "paper GPU", "x paper"]
    if eap:
        cols += ["EAP s"]
    print(f"\nseconds per stage, {result.device}; random-weight stand-in "
          f"(load {result.load_1min[0]:.2f} -> {result.load_1min[1]:.2f})"
          if result.load_1min else f"\nseconds per stage, {result.device}")
    print(" | ".join(f"{c:>11}" for c in cols))
    for m in result.models:
        paper = RUNTIME_GPU_S.get(m.model)
        cells = [m.model, str(m.n_heads_total)]
        cells += [f"{m.seconds[s]:.3f}" for s in STAGES]
        cells += [f"{m.total:.2f}", "-" if paper is None else f"{paper:.1f}",
                  "-" if paper is None else f"{m.total / paper:.1f}"]
        if eap:
            e = eap.get(m.model, {})
            cells.append(f"{e['seconds']:.2f}" if "seconds" in e else "-")
        print(" | ".join(f"{c:>11}" for c in cells))
    print("total = cache + sae + codes + node + edge scores (the method on a loaded model; "
          "the paper's GPU number is the whole method)")


if __name__ == "__main__":
    sys.exit(main())

"""Experiments over the core.

Method comparison, ablation sweeps, model-size timing, faithfulness reports, the demo,
the contrast-visibility curve; the engine that runs independent jobs on Dask workers.
"""

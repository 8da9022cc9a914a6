"""Experiments over the core.

Method comparison, ablation sweeps, model-size timing, faithfulness reports, the demo.
"""

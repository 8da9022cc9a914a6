"""Analyses of what the codes mean (code interpretability)."""

"""Discretisers: head vectors in, discrete codes out (SAE, k-means).

They take plain tensors and know nothing of language models.
"""

"""Everything that builds or loads a transformer.

The pretrained loader and its random-weight stand-ins, tokenizers, tracr compile and
stacking, the trained toy models with their training scripts and weights.
"""

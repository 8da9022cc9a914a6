"""Build a transformer from HookedTransformerConfig fields on any TransformerLens version.

Every config-built model of the package (the induction toy, compiled tracr programs,
random-weight stand-ins, test models) is built by :func:`build_model`: a
``HookedTransformer`` where TransformerLens has one (< 4), else the in-house
:class:`~sae_core.models.lean_transformer.LeanTransformer`, which has the same hook
names, parameter names, random init and outputs. ``lean=True`` / ``lean=False`` choose
one explicitly (the equality tests build both).
"""

from __future__ import annotations

from typing import Any

from sae_core.compat import has_hooked_transformer


def _use_lean(lean: bool | None) -> bool:
    if lean is None:
        return not has_hooked_transformer()
    if not lean and not has_hooked_transformer():
        raise RuntimeError(
            "HookedTransformer is not in this TransformerLens (>= 4 removed it); build with "
            "lean=None or lean=True, or install transformer-lens < 4"
        )
    return lean


def config_from_fields(*, lean: bool | None = None, **fields: Any) -> Any:
    """A ``HookedTransformerConfig`` (or a :class:`LeanConfig` on TransformerLens >= 4, or
    with ``lean=True``) from its keyword fields."""
    if _use_lean(lean):
        from sae_core.models.lean_transformer import LeanConfig

        return LeanConfig.from_fields(**fields)
    from transformer_lens import HookedTransformerConfig

    return HookedTransformerConfig(**fields)


def build_model(cfg: Any = None, *, lean: bool | None = None, **fields: Any) -> Any:
    """A model from a config made by :func:`config_from_fields`, or from ``fields``.

    ``HookedTransformer(cfg)`` where TransformerLens has it, else ``LeanTransformer(cfg)``;
    either way weights drawn from ``cfg.seed`` (GPT-2 init) and not in eval mode.
    """
    if cfg is None:
        cfg = config_from_fields(lean=lean, **fields)
    elif fields:
        raise TypeError("give a config or its fields, not both")
    if type(cfg).__name__ == "LeanConfig":
        from sae_core.models.lean_transformer import LeanTransformer

        return LeanTransformer(cfg)
    _use_lean(False)
    from transformer_lens import HookedTransformer

    return HookedTransformer(cfg)

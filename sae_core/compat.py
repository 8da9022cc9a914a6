"""Which TransformerLens is installed, and the names other libraries expect of it.

sae-core runs on TransformerLens 2.x, 3.x (the main environment) and 4.x (the lean
environment, no baselines). This module says which one is here and restores the one name
auto-circuit needs that moved:

- :func:`transformer_lens_major`: the installed major version (2, 3, 4, ...).
- :func:`has_hooked_transformer`: whether ``transformer_lens.HookedTransformer`` exists
  (2.x and 3.x; 4.0 removed it).
- :func:`ensure_past_key_value_caching`: auto-circuit 1.0.1 imports
  ``transformer_lens.past_key_value_caching.HookedTransformerKeyValueCache``; 3.x moved
  the class to ``transformer_lens.cache.key_value_cache.TransformerLensKeyValueCache``.
  Call it before auto-circuit is imported: it registers a module of the old name (in
  ``sys.modules``) whose names are the new classes, and the top-level name
  ``transformer_lens.HookedTransformerKeyValueCache`` (auto-circuit imports both). Where
  the old module exists it does nothing.
- :func:`require_hooked_transformer`: raise, naming the fix, where a feature needs
  ``HookedTransformer`` (the auto-circuit baselines, pretrained attn-only-4l) and 4.x is
  installed.

Nothing runs at import; every function is idempotent.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import sys
import types

OLD_KV_MODULE = "transformer_lens.past_key_value_caching"
"""Where TransformerLens 2.x keeps the key-value cache (auto-circuit 1.0.1 imports it)."""
NEW_KV_MODULE = "transformer_lens.cache.key_value_cache"
NEW_KV_ENTRY_MODULE = "transformer_lens.cache.key_value_cache_entry"

BASELINES_INSTALL = 'pip install -e ".[baselines]" "transformer-lens==3.9.*"'
"""The command that installs the main environment's baselines (README, Install)."""


def transformer_lens_major() -> int:
    """The installed TransformerLens major version (from its package metadata, no import)."""
    version = importlib.metadata.version("transformer-lens")
    return int(version.split(".")[0])


def has_hooked_transformer() -> bool:
    """Whether ``transformer_lens.HookedTransformer`` exists here (TransformerLens < 4)."""
    return transformer_lens_major() < 4


def require_hooked_transformer(feature: str, why: str) -> None:
    """Raise a RuntimeError naming ``feature``, ``why`` and the fix on TransformerLens >= 4.

    ``why``: what in ``feature`` needs ``HookedTransformer`` (e.g. "auto-circuit 1.0.1
    patches HookedTransformer's modules").
    """
    if has_hooked_transformer():
        return
    version = importlib.metadata.version("transformer-lens")
    raise RuntimeError(
        f"{feature} needs TransformerLens < 4 (installed: {version}, which removed "
        f"HookedTransformer): {why}. Use the main environment (`make install`, or "
        f"`{BASELINES_INSTALL}`)."
    )


def ensure_past_key_value_caching() -> bool:
    """Register ``transformer_lens.past_key_value_caching`` where 3.x moved it away.

    The registered module maps the 2.x names (``HookedTransformerKeyValueCache``,
    ``HookedTransformerKeyValueCacheEntry``) to 3.x's classes (``TransformerLensKeyValueCache``
    and its entry), so auto-circuit 1.0.1 imports and runs unchanged. Returns True when the
    module had to be registered; False where the old module exists or is registered already.
    ImportError naming the fix where neither the old nor the new module exists.
    """
    import transformer_lens

    if OLD_KV_MODULE in sys.modules and "HookedTransformerKeyValueCache" in vars(
        transformer_lens
    ):
        return False
    if importlib.util.find_spec(OLD_KV_MODULE) is not None:
        return False  # TransformerLens 2.x: the real module is there
    try:
        cache = importlib.import_module(NEW_KV_MODULE)
        entry = importlib.import_module(NEW_KV_ENTRY_MODULE)
    except ImportError as err:
        raise ImportError(
            f"neither {OLD_KV_MODULE} (TransformerLens 2.x) nor {NEW_KV_MODULE} (3.x) can be "
            f"imported ({err}); auto-circuit needs one: `{BASELINES_INSTALL}`"
        ) from err
    shim = types.ModuleType(OLD_KV_MODULE, f"{OLD_KV_MODULE} names, from {NEW_KV_MODULE}")
    shim.HookedTransformerKeyValueCache = cache.TransformerLensKeyValueCache
    shim.HookedTransformerKeyValueCacheEntry = entry.TransformerLensKeyValueCacheEntry
    sys.modules[OLD_KV_MODULE] = shim
    # auto_circuit.utils.graph_utils imports the class from the top level too.
    transformer_lens.HookedTransformerKeyValueCache = shim.HookedTransformerKeyValueCache
    return True

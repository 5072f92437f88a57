"""reebloc: rare-earth supply under price floors and trade blocs (spatial partial equilibrium).

The Python API (``reebloc.run``, ``reebloc.load``, ``reebloc.compare``, ``reebloc.Results``)
lives in ``reebloc.api`` and is imported on first use, so ``import reebloc`` stays light.
"""

__version__ = "0.1.0"

_API = ("run", "load", "compare", "Results", "resolve")
__all__ = ["__version__", *_API]


def __getattr__(name):
    if name in _API:
        from reebloc import api
        return getattr(api, name)
    raise AttributeError(f"module 'reebloc' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_API))

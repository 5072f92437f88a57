"""reebloc: rare-earth supply under price floors and trade blocs (spatial partial equilibrium)."""

__version__ = "0.1.0"

"""Pantau: watches live-shopping streams and raises alerts on sub-cost imports.

This package holds only what every subsystem shares: the records, the
settings, the product catalog, metrics helpers, the CLI and the embedded runner.
"""
__version__ = "0.1.0"
__all__ = ["__version__"]

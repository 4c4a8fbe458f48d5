"""The ganbench version: what every built-in component records as its provider, and every final record."""

__version__ = "0.1.0"

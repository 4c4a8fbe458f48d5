"""Plugins: loading, contracts, the contract kit, ``ganbench new``, ``ganbench list`` and the plugin guide."""

"""ganbench's tests, in folders that mirror the package; shared helpers in ``helpers/``, fixtures in ``conftest.py``."""

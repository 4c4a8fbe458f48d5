"""What several test files share, one module per topic, imported explicitly
(``from tests.helpers.project import ROOT``); ``tests/conftest.py`` holds only fixtures."""

from tests.reserve.conftest import entry_body, filed, make_lot  # noqa: F401  (shared fixtures)

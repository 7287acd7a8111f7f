from tests.reserve.conftest import entry_body, make_lot  # noqa: F401  (shared fixtures)

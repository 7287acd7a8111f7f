from tests.reserve.conftest import make_lot  # noqa: F401  (a shared fixture)

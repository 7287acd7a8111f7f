"""No N+1: every key page of the page benchmark runs the same number of SQL queries whatever the size of the data.
The pages, and who looks at which application, are those of bench/pages.py; the data is made by the load
generator (bench/loadgen.py) at two sizes, each in a transaction rolled back afterwards. It runs in `make test`
(pytest's testpaths include bench/)."""
import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction

from bench.loadgen import Generator, monthly_reports
from bench.pages import KEY_PAGES, query_counts

SMALL, LARGE = 0.01, 0.03  # 1,000 and 3,000 applications; 10,000 and 30,000 movements


def counts_at(scale: float) -> dict[str, int]:
    with transaction.atomic():
        Generator(scale, log=lambda _m: None).run()
        monthly_reports()  # as bench.data builds it: the months ended are reported
        cache.clear()
        counts = query_counts()
        transaction.set_rollback(True)
    return counts


@pytest.mark.django_db
def test_query_count_of_each_key_page_does_not_grow_with_the_data():
    from quota_registry.orgs.models import User

    if not User.objects.filter(username="city_admin").exists():
        call_command("seed_demo", force=True, without_pool=True, verbosity=0)
    small, large = counts_at(SMALL), counts_at(LARGE)
    assert set(small) == {p.name for p in KEY_PAGES}
    grown = {name: (small[name], large[name]) for name in small if small[name] != large[name]}
    assert not grown, f"queries per request (small data, three times the data): {grown}"

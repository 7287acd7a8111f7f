import pytest

from tests.conftest import DEMO_PASSWORD, _ensure_demo
from tests.e2e.conftest import shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def seeded(transactional_db):
    _ensure_demo()


@pytest.mark.parametrize(("username", "title"), [("ent_huize", "企业工作台"), ("county_qilin", "县级生态环境部门工作台"),
                                                 ("city_approver", "市级审批工作台")])
def test_login_lands_on_role_home(live_server, page, seeded, username, title, tmp_path):
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="登录").first.click()
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    if username.startswith("city_"):  # the second factor
        from tests.conftest import current_code

        assert "/accounts/otp/" in page.url
        page.fill("#id_token", current_code(username))
        page.get_by_role("button", name="确认").click()
    page.wait_for_url("**/home/")
    assert page.get_by_test_id("home-title").inner_text() == title
    assert "欢迎使用主要污染物总量指标储备库" in page.get_by_test_id("inbox").inner_text()
    shoot(page, f"login-{username}")


def test_enterprise_sees_other_enterprise_as_not_found(live_server, page, seeded):
    from quota_registry.orgs.models import Organisation

    other = Organisation.objects.get(name="宣威示范发电有限公司")
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", "ent_qilin")
    page.fill("#id_password", DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/home/")
    response = page.goto(f"{live_server.url}/organisations/{other.pk}/")
    assert response.status == 404


def test_registration_form_shows_field_error(live_server, page, seeded):
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", "county_qilin")
    page.fill("#id_password", DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/home/")
    page.goto(live_server.url + "/organisations/new/")
    page.fill("#id_name", "浏览器测试企业")
    page.fill("#id_credit_code", "91350100M000100Y44")
    page.select_option("#id_industry", label="3011 水泥制造")
    page.get_by_role("button", name="保存").click()
    assert "校验码（最后一位）不正确" in page.locator(".field-error").first.inner_text()

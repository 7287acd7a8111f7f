"""Log in, land on the role's home page in Chinese; the public pages need no login."""
import pytest
from django.urls import reverse

from tests.conftest import DEMO_PASSWORD, current_code

HOME_TITLES = {
    "city_admin": "市级管理工作台",
    "city_reviewer": "市级审核工作台",
    "city_approver": "市级审批工作台",
    "county_qilin": "县级生态环境部门工作台",
    "county_huize": "县级生态环境部门工作台",
    "county_xuanwei": "县级生态环境部门工作台",
    "ent_qilin": "企业工作台",
    "ent_huize": "企业工作台",
    "ent_xuanwei": "企业工作台",
}


@pytest.mark.parametrize("username", HOME_TITLES)
def test_demo_user_logs_in_and_lands_on_role_home_in_chinese(client, demo, username):
    response = client.post(reverse("login"), {"username": username, "password": DEMO_PASSWORD}, follow=True,
                           HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")  # the browser's language does not matter
    if username.startswith("city_"):  # city staff confirm with their authenticator's code
        assert response.redirect_chain[-1][0].startswith(reverse("otp"))
        response = client.post(response.redirect_chain[-1][0], {"token": current_code(username)}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("portal:home")
    html = response.content.decode()
    assert HOME_TITLES[username] in html
    assert '<html lang="zh-hans">' in html
    assert demo[username].organisation.name in html
    assert "欢迎使用主要污染物总量指标储备库" in html  # the inbox shows the welcome notification


def test_county_home_counts_its_own_enterprises(as_user, demo):
    response = as_user("county_huize").get(reverse("portal:home"))
    assert response.context["counts"]["enterprises"] == 1
    assert "会泽县企业数" in response.content.decode()


def test_wrong_password_says_what_to_do(client, demo):
    response = client.post(reverse("login"), {"username": "ent_qilin", "password": "wrong"})
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()


def test_public_landing_without_login(client, db):
    html = client.get("/").content.decode()
    assert "曲靖市主要污染物总量指标储备库" in html
    assert "会泽县" in html and "化学需氧量" in html and "kg/a" in html
    assert client.get(reverse("portal:quality-status")).status_code == 200


def test_home_requires_login(client, db):
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_english_is_available(client, demo):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html and "Pollutant quota reserve registry" in html


def test_logout(as_user):
    client = as_user("ent_qilin")
    client.post(reverse("logout"))
    assert client.get(reverse("portal:home")).status_code == 302


def test_admin_in_chinese_for_city_admin(as_user):
    html = as_user("city_admin").get(reverse("admin:index")).content.decode()
    assert "主要污染物总量指标储备库 · 数据维护" in html
    assert "统一社会信用代码" in as_user("city_admin").get(reverse("admin:orgs_organisation_changelist")).content.decode()


def test_admin_closed_to_other_roles(as_user):
    assert as_user("city_reviewer").get(reverse("admin:index")).status_code == 302

"""City staff need a second factor (TOTP) in the pages and for API tokens; others do not."""
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import DEMO_PASSWORD, current_code


def password_login(client, username):
    return client.post(reverse("login"), {"username": username, "password": DEMO_PASSWORD})


def test_city_staff_must_give_the_code_before_any_page(client, demo, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # no waiting after the deliberate wrong code below
    password_login(client, "city_approver")
    response = client.get("/entries/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/otp/")
    wrong = client.post("/accounts/otp/?next=/entries/", {"token": "000000"})
    assert wrong.status_code == 200 and "验证码错误" in wrong.content.decode()
    ok = client.post("/accounts/otp/?next=/entries/", {"token": current_code("city_approver")})
    assert ok.status_code == 302 and ok["Location"] == "/entries/"
    assert client.get("/entries/").status_code == 200


def test_other_roles_log_in_with_their_password(client, demo):
    password_login(client, "county_qilin")
    assert client.get("/entries/").status_code == 200


def test_first_login_sets_up_the_authenticator(client, demo):
    TOTPDevice.objects.filter(user=demo["city_reviewer"]).delete()
    password_login(client, "city_reviewer")
    page = client.get("/accounts/otp/")
    html = page.content.decode()
    assert 'data-testid="otp-qr"' in html and "<svg" in html
    device = TOTPDevice.objects.get(user=demo["city_reviewer"], confirmed=False)
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    assert client.post("/accounts/otp/", {"token": code}).status_code == 302
    device.refresh_from_db()
    assert device.confirmed


def test_api_tokens_of_city_staff_need_the_code(api, demo):
    body = {"username": "city_admin", "password": DEMO_PASSWORD}
    response = api.post("/api/v1/auth/token/", body, format="json")
    assert response.status_code == 400 and "otp" in response.json()
    ok = api.post("/api/v1/auth/token/", {**body, "otp": current_code("city_admin")}, format="json")
    assert ok.status_code == 200 and ok.json()["token"]
    assert api.post("/api/v1/auth/token/", {"username": "ent_qilin", "password": DEMO_PASSWORD},
                    format="json").status_code == 200

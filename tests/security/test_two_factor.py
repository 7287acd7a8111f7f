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


def api_routes():
    """Every route of /api/v1/ with sample arguments (1 for each id)."""
    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern)

    import re

    for raw in walk(get_resolver().url_patterns):
        if not raw.startswith("api/v1/"):
            continue
        path = re.sub(r"\(\?P<[^>]+>[^)]*\)", "1", raw).replace("^", "").replace("$", "").replace("\\.", ".")
        path = re.sub(r"<[^>]+>", "1", path)
        if "(" in path or "format" in path:
            continue
        yield "/" + path


def test_a_half_logged_in_city_session_gets_nothing_from_the_api(client, demo, filed):
    """Password given, code not: every read and write of the API refuses with what to do, and nothing changes."""
    from ledger.models import Lot
    from reserve.models import EntryApplication

    data = filed(upto="prepared")
    password_login(client, "city_approver")
    csrf = client.get("/accounts/otp/").cookies.get("csrftoken")
    headers = {"HTTP_X_CSRFTOKEN": csrf.value if csrf else ""}
    routes = sorted(set(api_routes()))
    assert len(routes) > 30 and "/api/v1/entry-applications/1/city-review/" in routes
    for path in routes:
        for method in ("get", "post", "patch", "delete"):
            response = getattr(client, method)(path, {}, content_type="application/json", **headers)
            assert response.status_code == 403, (method, path, response.status_code)
            assert "验证码" in response.json()["detail"], (method, path)
    approve = client.post(f"/api/v1/entry-applications/{data['id']}/city-review/", {"decision": "approve"},
                          content_type="application/json", **headers)
    assert approve.status_code == 403
    assert EntryApplication.objects.get(pk=data["id"]).status == "county_approved"
    assert not Lot.objects.filter(entry_item__application_id=data["id"]).exists()
    # the same session, once the code is given, may use the API
    assert client.post("/accounts/otp/", {"token": current_code("city_approver")}).status_code == 302
    assert client.get("/api/v1/ledger/").status_code == 200


def test_tokens_expire_are_new_at_each_login_and_can_be_revoked(api, demo, settings):
    import datetime

    from django.utils import timezone

    from quota_registry.orgs.models import ApiToken

    settings.PORTAL_TOKEN_DAYS = 30
    body = {"username": "ent_qilin", "password": DEMO_PASSWORD}
    first = api.post("/api/v1/auth/token/", body, format="json").json()
    second = api.post("/api/v1/auth/token/", body, format="json").json()
    assert first["token"] != second["token"]
    expires = datetime.datetime.fromisoformat(first["expires_at"])
    assert abs(expires - (timezone.now() + datetime.timedelta(days=30))) < datetime.timedelta(minutes=1)
    assert not ApiToken.objects.filter(key_hash=first["token"]).exists()  # only a hash is kept

    def me(key):
        return api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}").status_code

    assert me(first["token"]) == me(second["token"]) == 200
    mine = api.get("/api/v1/auth/tokens/", HTTP_AUTHORIZATION=f"Token {second['token']}").json()["results"]
    assert len(mine) == 2 and all(t["active"] for t in mine)
    target = next(t for t in mine if first["token"].startswith(t["prefix"]))
    revoked = api.post(f"/api/v1/auth/tokens/{target['id']}/revoke/", HTTP_AUTHORIZATION=f"Token {second['token']}")
    assert revoked.status_code == 200 and revoked.json()["active"] is False
    assert me(first["token"]) == 401 and me(second["token"]) == 200
    # someone else's token is not theirs to see or revoke
    other = api.post("/api/v1/auth/token/", {"username": "ent_huize", "password": DEMO_PASSWORD}, format="json").json()
    assert api.post(f"/api/v1/auth/tokens/{target['id']}/revoke/",
                    HTTP_AUTHORIZATION=f"Token {other['token']}").status_code == 404
    # after its lifetime a token opens nothing
    ApiToken.objects.filter(user=demo["ent_qilin"]).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert me(second["token"]) == 401
    assert ApiToken.objects.filter(user=demo["ent_qilin"]).count() == 2  # kept on record


def test_city_staff_see_and_revoke_their_active_tokens(as_user, demo):
    from quota_registry.orgs.token import active_tokens, token_issue

    token, key = token_issue(user=demo["city_reviewer"])
    client = as_user("city_reviewer")
    assert client.get("/home/").context["active_tokens"] == 1
    page = client.get("/accounts/tokens/").content.decode()
    assert key[:8] in page and key not in page
    assert client.post("/accounts/tokens/", {"token": token.pk}).status_code == 302
    assert active_tokens(demo["city_reviewer"]).count() == 0
    assert as_user("city_approver").post("/accounts/tokens/", {"token": token.pk}).status_code == 404
    assert client.post("/accounts/tokens/", {"token": "abc"}).status_code == 404

"""Two-factor authentication (TOTP, django-otp) for city staff, who approve entries and withdrawals and
keep the ledger, and the province's, who approve transfers between cities. After the password, a city reviewer,
approver or administrator (or a province reviewer) must give the 6-digit
code of their authenticator app; the first time they set the app up from a QR code. Other roles log in
with their password (and the lockout of django-axes)."""
from __future__ import annotations

from django.http import HttpResponseRedirect
from django.urls import reverse
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import SECOND_FACTOR_ROLES

EXEMPT_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/media/")
API_PREFIX = "/api/v1/"


def requires_second_factor(user) -> bool:
    return bool(user and user.is_authenticated and user.role in SECOND_FACTOR_ROLES)


class RequireSecondFactorMiddleware:
    """City staff whose session has not passed the second factor get nothing but the code page: every page
    sends them to it, and every API request made with that session is refused (403) with the same instruction.
    (A request with a token and no session is not concerned: city staff's tokens are only issued with a code.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if requires_second_factor(user) and not user.is_verified() and not request.path.startswith(EXEMPT_PREFIXES):
            if request.path.startswith(API_PREFIX):
                from django.http import JsonResponse
                from django.utils.translation import gettext as _

                return JsonResponse({"detail": _("Finish logging in: enter the 6-digit code of your authenticator app at "
                                                 "%(url)s before using the API with this session.") % {"url": reverse("otp")},
                                     "code": "second_factor_required"}, status=403,
                                    json_dumps_params={"ensure_ascii": False})
            return HttpResponseRedirect(f"{reverse('otp')}?next={request.get_full_path()}")
        return self.get_response(request)


def mark_session_verified(session, user) -> None:
    """Mark a session as having passed the second factor with the user's confirmed device, as `verify` does after
    a correct code. For trusted callers that create sessions themselves (the tests, the page benchmark)."""
    from django_otp import DEVICE_ID_SESSION_KEY

    device = confirmed_device(user)
    if device is not None:
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def pending_device(user) -> TOTPDevice:
    """The device being set up (not yet confirmed), created on first use."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


def verify(request, device: TOTPDevice, token: str) -> bool:
    """Check a code; on success confirm the device (first set-up) and mark the session verified."""
    if not (token or "").strip().isdigit() or not device.verify_token(token.strip()):
        return False
    if not device.confirmed:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    otp_login(request, device)
    return True


def qr_svg(device: TOTPDevice) -> str:
    """The set-up QR code as inline SVG markup (no image service, nothing leaves the server)."""
    from quota_registry.qr import qr_svg as svg

    return svg(device.config_url)

"""How the API knows who calls it by token (`Authorization: Token <key>`): a key of quota_registry.orgs.models.ApiToken,
not expired and not revoked. Kept apart from the token views: DRF imports this class while its own views load."""
from __future__ import annotations

import datetime
import hashlib

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

KEYWORD = "Token"
LAST_USED_EVERY = datetime.timedelta(minutes=5)  # how often the "last used" time is written


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_user(key: str):
    """The active user of a valid, unexpired, unrevoked key, or None."""
    from .models import ApiToken

    token = ApiToken.objects.select_related("user").filter(key_hash=digest(key)).first()
    now = timezone.now()
    if token is None or token.revoked_at is not None or token.expires_at <= now or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


class ExpiringTokenAuthentication(BaseAuthentication):
    """`Authorization: Token <key>` with a key of ApiToken."""

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header: give “Token <key>”."))
        try:
            key = parts[1].decode("ascii")
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed(_("Invalid token header: give “Token <key>”.")) from exc
        user = token_user(key)
        if user is None:
            raise exceptions.AuthenticationFailed(_("The token is invalid, expired or revoked: log in again for a new "
                                                    "one (POST /api/v1/auth/token/)."))
        return user, key

    def authenticate_header(self, request):
        return KEYWORD


class ExpiringTokenScheme(OpenApiAuthenticationExtension):
    target_class = ExpiringTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": gettext_lazy("Token-based authentication with the prefix “Token ”.")}




def login_or_token_required(view):
    """A page view (a file download) that a logged-in person or an API client with its token may call: with a valid
    `Authorization: Token <key>` the request acts as the token's user; with a bad token it answers 401 (a program
    is not sent to the login page); with neither, the person is sent to log in."""
    import functools

    from django.contrib.auth.views import redirect_to_login
    from django.http import JsonResponse

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            header = get_authorization_header(request).split()
            if header and header[0].lower() == KEYWORD.lower().encode():
                try:
                    found = ExpiringTokenAuthentication().authenticate(request)
                except exceptions.AuthenticationFailed as exc:
                    response = JsonResponse({"detail": str(exc.detail)}, status=401)
                    response["WWW-Authenticate"] = KEYWORD
                    return response
                request.user = found[0]
            else:
                return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapped

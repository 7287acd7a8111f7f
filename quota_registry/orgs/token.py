"""POST /api/v1/auth/token/: a token for the API. City staff add the current code of their authenticator
(`otp`), the same second factor as in the pages."""
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken

from . import twofactor


class TokenRequestSerializer(AuthTokenSerializer):
    otp = serializers.CharField(label=_("6-digit code"), required=False, allow_blank=True, write_only=True)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        user = attrs["user"]
        if twofactor.requires_second_factor(user):
            device = twofactor.confirmed_device(user)
            code = (attrs.get("otp") or "").strip()
            if device is None or not code.isdigit() or not device.verify_token(code):
                raise serializers.ValidationError({"otp": [_("City staff give the current code of their authenticator "
                                                             "app (set it up by logging in to the portal once).")]})
        return attrs


class ObtainToken(ObtainAuthToken):
    serializer_class = TokenRequestSerializer

    @extend_schema(request=TokenRequestSerializer)
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

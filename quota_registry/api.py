"""Project-wide API pieces: the error format, the scoped base viewset, the 409 Conflict error."""
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, permissions, serializers
from rest_framework.views import exception_handler as drf_exception_handler

from quota_registry.access import scope
from quota_registry.review.services import TransitionNotAllowed


class Conflict(exceptions.APIException):
    """A transition the current state does not allow (e.g. approving a draft)."""

    status_code = 409
    default_detail = _("This action is not possible in the record's current state.")
    default_code = "conflict"


def _django_validation_detail(exc: DjangoValidationError):
    if hasattr(exc, "error_dict"):
        return {
            (field if field != "__all__" else "non_field_errors"): [str(m) for e in errs for m in e.messages]
            for field, errs in exc.error_dict.items()
        }
    return {"non_field_errors": [str(m) for m in exc.messages]}


def exception_handler(exc, context):
    """DRF's handler, plus: Django ValidationError -> 400 with field errors, PermissionDenied -> 403,
    Http404 -> 404 with the scoping message."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_django_validation_detail(exc))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, TransitionNotAllowed):
        exc = Conflict(str(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or None)
    return drf_exception_handler(exc, context)


class ScopedQuerysetMixin:
    """Every API read starts from quota_registry.access.scope."""

    def get_queryset(self):
        return scope(self.request.user, super().get_queryset())


class ReadAnyoneWriteCityStaff(permissions.BasePermission):
    """Reads for anyone (also without login); writes for city staff."""

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        from quota_registry.permissions import can_maintain_reference_data

        return can_maintain_reference_data(request.user)


def service_call(fn, *args, **kwargs):
    """Run a service from a serializer/view, turning Django's ValidationError into DRF's."""
    try:
        return fn(*args, **kwargs)
    except DjangoValidationError as exc:
        raise serializers.ValidationError(_django_validation_detail(exc)) from exc

"""Request-wide pieces: a request id for the audit trail, and the portal's language choice."""
import contextvars
import re
import uuid

from django.conf import settings
from django.utils import translation

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def current_request_id() -> str:
    return _request_id.get()


class RequestIdMiddleware:
    """Takes X-Request-ID from a proxy when it is well formed, else makes one; echoes it back."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        token = _request_id.set(request_id)
        request.request_id = request_id
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response["X-Request-ID"] = request_id
        return response


class PortalLanguageMiddleware:
    """Chinese unless the person chose another language (the language cookie set by set_language).

    Django's LocaleMiddleware would follow the browser's Accept-Language; a government portal speaks
    Chinese by default, so the browser's preference is deliberately ignored.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response


def refuse(request, status: int, message: str):
    """A refusal before any view runs: JSON under /api/ (the API's error format), a page elsewhere."""
    from django.http import JsonResponse
    from django.shortcuts import render

    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status, json_dumps_params={"ensure_ascii": False})
    return render(request, "errors/refused.html", {"message": message, "status": status}, status=status)


class InputGuardMiddleware:
    """What no view should ever have to read: a request body larger than PORTAL_MAX_REQUEST_BYTES (refused
    from its Content-Length, before a byte of it is read: 413), a query string with control characters
    (a NUL byte makes PostgreSQL fail) or over-long values, and a body whose strings hold control characters
    (400). Before CSRF or a view reads the body."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.template.defaultfilters import filesizeformat
        from django.utils.translation import gettext as _

        from quota_registry.inputs import body_problem, query_problem

        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.PORTAL_MAX_REQUEST_BYTES
        if length > limit:
            request.upload_handlers = []  # nothing of the body is read
            return refuse(request, 413, _("The request is %(size)s; one request may carry at most %(limit)s (each file "
                                          "at most %(file)s). Upload the files a few at a time.") % {
                "size": filesizeformat(length), "limit": filesizeformat(limit),
                "file": filesizeformat(settings.PORTAL_MAX_UPLOAD_BYTES)})
        problem = query_problem(request.GET) or body_problem(request)
        if problem:
            return refuse(request, 400, problem)
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """A request that failed because the database could not be reached (restarted, connection terminated)
    answers 503 with what to do, not a server error. Every request is one transaction (ATOMIC_REQUESTS), so
    such a request committed nothing, and that is what the answer says."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.db import InterfaceError, OperationalError
        from django.utils.translation import gettext as _

        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        import logging

        logging.getLogger(__name__).warning("database unavailable for %s %s: %s", request.method, request.path,
                                            exception)
        return unavailable(request, _("The database is briefly unavailable. Nothing was saved by this request; "
                                      "please try again in a moment."))


def unavailable(request, message: str):
    """503 without touching the database (the page template would read the session and the user)."""
    from django.http import HttpResponse, JsonResponse

    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=503, json_dumps_params={"ensure_ascii": False})
    else:
        from django.utils.html import escape

        response = HttpResponse(f'<!DOCTYPE html><html lang="zh-hans"><meta charset="utf-8"><title>503</title>'
                                f'<p style="font:16px sans-serif;margin:40px">{escape(message)}</p></html>',
                                status=503)
    response["Retry-After"] = "10"
    return response

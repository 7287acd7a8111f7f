"""The error of a step the record's state does not allow (HTTP 409), shared by the engine and the API."""
from django.utils.translation import gettext as _


class TransitionNotAllowed(Exception):
    """The record's current state does not allow this action (HTTP 409)."""

    def __init__(self, status: str, action: str, label: str | None = None):
        self.status, self.action = status, action
        super().__init__(_("This action is not possible while the record is “%(status)s”.") % {
            "status": label or status})

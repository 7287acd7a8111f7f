"""Writing the audit trail. Call `record` inside the transaction of the change it describes, so that
the change and its record commit or roll back together."""
from __future__ import annotations

import datetime
import decimal
import uuid

from django.contrib.contenttypes.models import ContentType
from django.db import models

from quota_registry.middleware import current_request_id

from .models import AuditEntry


def _jsonable(value):
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    return value


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict:
    """The concrete field values of `obj` as JSON-safe data (foreign keys by id)."""
    data = {}
    for field in obj._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        if field.name in {"password", "last_login"} or getattr(field, "auto_now", False):
            continue  # secrets, and timestamps the audit row itself already carries
        data[field.attname] = _jsonable(getattr(obj, field.attname))
    return data


def diff(before: dict | None, after: dict | None) -> tuple[dict | None, dict | None]:
    """Only the keys that changed, on both sides."""
    if before is None or after is None:
        return before, after
    keys = [k for k in after if before.get(k) != after.get(k)] + [k for k in before if k not in after]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


def record(*, actor, action: str, obj: models.Model, before: dict | None = None, after: dict | None = None,
           opinion: str = "") -> AuditEntry:
    """Append one row: who (and for which organisation, in which role) did `action` to `obj`."""
    is_person = actor is not None and getattr(actor, "is_authenticated", False)
    organisation = getattr(actor, "organisation", None) if is_person else None
    before, after = diff(_jsonable(before), _jsonable(after))
    return AuditEntry.objects.create(
        actor=actor if is_person else None,
        actor_name=(actor.display_name if is_person else "system"),  # the name people know, not the login
        organisation=organisation,
        organisation_name=organisation.name if organisation else "",
        role=getattr(actor, "role", "") if is_person else "",
        action=action,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        before=before,
        after=after,
        opinion=opinion,
        request_id=current_request_id(),
    )


def timeline(obj: models.Model):
    """The audit entries of one object, oldest first (for the timeline on its page)."""
    return (
        AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True), object_id=str(obj.pk)
        )
        .select_related("actor")
        .order_by("created_at", "id")
    )

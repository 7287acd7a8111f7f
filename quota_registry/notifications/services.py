"""Notifying people: an inbox row per recipient, written in the caller's transaction, and an email sent
by a Celery task enqueued only after that transaction commits (so a rolled-back decision notifies nobody)."""
from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from quota_registry.outbox import enqueue_after_commit

from .models import Notification

EMAIL_TASK = "quota_registry.notifications.tasks.send_notification_email"  # by name: the task imports this module


def notify(*, recipients: Iterable, subject: str, body: str = "", link: str = "", about=None) -> list[Notification]:
    """Send `subject`/`body` to every active recipient (users, de-duplicated); `about`: the record it concerns."""
    from django.contrib.contenttypes.models import ContentType

    about_type = ContentType.objects.get_for_model(about) if about is not None else None
    seen, rows = set(), []
    for user in recipients:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        rows.append(Notification(recipient=user, subject=subject[:200], body=body, link=link, about_type=about_type,
                                 about_id=getattr(about, "pk", None),
                                 email_enqueued_at=timezone.now() if user.email else None))
    created = Notification.objects.bulk_create(rows)
    for n in created:
        if n.email_enqueued_at is not None:
            enqueue_after_commit(EMAIL_TASK, n.pk, lease=(Notification, n.pk, "email_enqueued_at"))
    return created


def notification_mark_read(*, actor, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the actor's own notifications read (all unread ones when no ids are given)."""
    qs = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=list(notification_ids))
    return qs.update(read_at=timezone.now())


def notification_email(*, notification_id: int) -> bool:
    """Email one notification, at most once: the row is locked, and a sent row is left alone.
    Returns True when a mail went out now."""
    with transaction.atomic():
        n = Notification.objects.select_for_update().select_related("recipient").filter(pk=notification_id).first()
        if n is None or n.emailed_at is not None:
            return False
        address = n.recipient.email
        if not address:
            n.email_error = "no email address"
            n.save(update_fields=["email_error"])
            return False
        text = n.body
        if n.link:
            text = f"{text}\n\n{settings.PORTAL_BASE_URL}{n.link}"
        send_mail(n.subject, text, settings.DEFAULT_FROM_EMAIL, [address])
        n.emailed_at = timezone.now()
        n.email_error = ""
        n.save(update_fields=["emailed_at", "email_error"])
        return True


def unread_count(user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()

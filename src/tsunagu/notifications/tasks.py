"""E-mail delivery of notifications, off the request path."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils import timezone
from django_tasks import task

from .models import Notification


@task(queue_name="mail")
def send_notification_emails(notification_ids: list[int]) -> int:
    """Send each notification not yet e-mailed; safe to run twice (marks as it goes)."""
    sent = 0
    with get_connection() as conn:
        for n in Notification.objects.select_related("recipient").filter(
            pk__in=notification_ids, emailed_at__isnull=True
        ):
            link = f"{settings.TSUNAGU_BASE_URL}{n.url}" if n.url else settings.TSUNAGU_BASE_URL
            msg = EmailMessage(
                subject=f"[Tsunagu] {n.title}",
                body=f"{n.body}\n\n{link}\n",
                to=[n.recipient.email],
                connection=conn,
            )
            msg.send()
            Notification.objects.filter(pk=n.pk).update(emailed_at=timezone.now())
            sent += 1
    return sent

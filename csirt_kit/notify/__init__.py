"""Notifications for new cases: Telegram, SMTP e-mail, JSON webhooks and Slack, via an outbox."""

from csirt_kit.notify.dispatch import NotifyResult, drain, enqueue_new, notify_new_cases

__all__ = ["NotifyResult", "drain", "enqueue_new", "notify_new_cases"]

"""Follows and reminders: viewers follow hosts and shops, tap 预约 on upcoming shows, and
are notified in-app and through the merchant's outbound webhooks when the show is near
and when it starts."""

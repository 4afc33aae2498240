"""Sending notifications: signed webhooks and email, retried with backoff, outside the writer."""

"""Notifications to partners: which ledger transactions tell whom, and the delivery log."""

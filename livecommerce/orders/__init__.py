"""The order path: stock gate, order placement, payment, expiry and reconciliation."""

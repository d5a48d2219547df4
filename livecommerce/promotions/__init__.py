"""Promotions: coupons (templates, drops, the claim gate) and pricing."""

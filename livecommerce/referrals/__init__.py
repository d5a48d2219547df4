"""Share links and referral commissions (分销): signed links, clicks, first-touch
bindings, and a commission ledger that follows the order lifecycle."""

"""gifts: a shop's gift catalogue, sending gifts (打赏) from a room, and the ledger behind them."""

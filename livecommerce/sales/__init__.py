"""Flash deals: the lifecycle state machine and the scheduler that drives it."""

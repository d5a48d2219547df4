"""Lucky draws (福袋): a host's giveaway in a room, drawn by a published, checkable rule."""

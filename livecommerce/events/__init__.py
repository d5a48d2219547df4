"""The event catalogue's machinery: typed event declarations, delivery classes, schema."""

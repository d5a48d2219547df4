"""Live-stream shopping server."""

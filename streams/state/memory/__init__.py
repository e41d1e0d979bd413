"""In-memory store backend."""

"""Models of the org app."""

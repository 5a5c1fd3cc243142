"""Rasa input channels the project adjusts (referenced by module path in credentials.yml)."""

"""Rasa input-channel connectors the project adjusts (referenced by class path in credentials.yml)."""

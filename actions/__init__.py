"""Custom actions of the assistant (rasa_sdk), split by flow: booking, lookup, greeting."""

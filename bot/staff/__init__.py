"""Staff tools: password hashing, CSV export and the command line (`python -m bot.staff`)."""

"""Pure booking logic (parsing, validation, wording), apart from Rasa and I/O so it tests alone."""

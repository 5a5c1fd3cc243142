"""bot.web: the one public process (demo page, widget, chat proxy to Rasa, health checks)."""

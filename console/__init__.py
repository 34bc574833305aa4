"""The staff console: web pages (and a Telegram Mini App) over services/, beside bot/."""

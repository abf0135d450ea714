"""The gateway's short-lived state: sessions, rate counters, Telegram message and button ids."""

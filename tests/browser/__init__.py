"""Browser tests: the web widget in real headless Chromium, offline."""

"""The web channel: the widget's API, its files and the demo and embed pages."""

"""The pitstops app's views, by who uses them."""

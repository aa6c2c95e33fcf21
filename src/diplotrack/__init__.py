"""diplotrack: track and analyse states' diplomats on international social media."""

__version__ = "0.1.0"

"""deskapp: a desktop help-desk client for e-commerce support teams (the single version source)."""

__version__ = "0.1.0"

"""trialscreen: grounded clinical-trial eligibility pre-screening."""

__version__ = "0.1.0"

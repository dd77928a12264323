"""The pitstops app's models, split by idea: sessions, reflections, and what follows from them."""

from .follow_up import Agreement, CompassRating, CompassScore, RedThread
from .reflections import Reflection, ResonanceMark
from .sessions import CardGroup, Participant, Pitstop, Session
from .suggestions import RedThreadSuggestion, SuggestionRun

__all__ = [
    "Agreement",
    "CardGroup",
    "CompassRating",
    "CompassScore",
    "Participant",
    "Pitstop",
    "RedThread",
    "RedThreadSuggestion",
    "Reflection",
    "ResonanceMark",
    "Session",
    "SuggestionRun",
]

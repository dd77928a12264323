"""The pitstops app's models, split by idea: sessions, reflections, and what follows from them."""

from .follow_up import Agreement, CompassRating, CompassScore, RedThread
from .reflections import QuotationConsent, Reflection, ResonanceMark, WithdrawnCard
from .sessions import CardGroup, JoinRequest, Participant, Pitstop, Session
from .suggestions import OwnConcept, RedThreadSuggestion, ReflectionVector, SuggestionRun
from .tallies import ReflectionTally

__all__ = [
    "Agreement",
    "CardGroup",
    "CompassRating",
    "CompassScore",
    "JoinRequest",
    "OwnConcept",
    "Participant",
    "Pitstop",
    "QuotationConsent",
    "RedThread",
    "RedThreadSuggestion",
    "Reflection",
    "ReflectionTally",
    "ReflectionVector",
    "ResonanceMark",
    "Session",
    "SuggestionRun",
    "WithdrawnCard",
]

"""Fixtures for the pitstops tests."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import translation


@pytest.fixture
def english(client):
    """Pages in English, so assertions read the source strings; the default comes back after."""
    before = translation.get_language()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    yield client
    translation.activate(before)

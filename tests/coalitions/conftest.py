"""The coalition space's tests read English pages.

Its Dutch lands in locale/ separately (docs/issue4_nl.py), so asserting English keeps these tests
true before and after the catalogues are merged.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import translation


@pytest.fixture(autouse=True)
def english(client):
    before = translation.get_language()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    yield client
    # LocaleMiddleware leaves the request's language active in this thread; later tests expect
    # the default again.
    translation.activate(before)

"""The coalition space's tests read English pages.

Its Dutch lands in locale/ separately (docs/issue4_nl.py), so asserting English keeps these tests
true before and after the catalogues are merged.
"""

from __future__ import annotations

import pytest
from django.conf import settings


@pytest.fixture(autouse=True)
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client

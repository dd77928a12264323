"""Every role's home page shows where that user can go."""

from __future__ import annotations

import pytest
from django.urls import reverse


@pytest.mark.parametrize(
    ("role", "shows", "hides"),
    [
        (
            "resident",
            ["Apeldoorn", "Gepubliceerde verslagen"],
            ["Expedities die je begeleidt", "Beheer"],
        ),
        ("professional", ["Apeldoorn", "Gepubliceerde verslagen"], ["Expedities die je begeleidt"]),
        ("facilitator", ["Expedities die je begeleidt"], ["Expedities die je volgt"]),
        ("coordinator", ["Expedities die je volgt", "Gepubliceerde verslagen"], ["Mijn coalitie"]),
        ("superuser", ["Beheer openen", "Expedities die je begeleidt"], ["Mijn coalitie"]),
        ("stranger", ["nog niet gekoppeld"], ["Mijn coalitie"]),
    ],
)
def test_home_per_role(client_for, role, shows, hides):
    response = client_for(role).get(reverse("home"))
    assert response.status_code == 200
    for text in shows:
        assert text in response.text, text
    for text in hides:
        assert text not in response.text, text


def test_home_has_landmarks_and_a_skip_link(client_for):
    html = client_for("resident").get(reverse("home")).text
    assert '<html lang="nl">' in html
    assert 'href="#main"' in html
    assert '<main id="main"' in html
    assert "<header" in html and "<footer" in html and "<nav" in html


def test_pages_send_a_strict_content_security_policy(client_for):
    response = client_for("resident").get(reverse("home"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy
    assert "unsafe-inline" not in policy
    assert "object-src 'none'" in policy and "base-uri 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert response["Referrer-Policy"] == "same-origin"


def test_health_is_plain_and_public(client):
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.content == b"ok"

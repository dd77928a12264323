"""Joining a live session through real HTTP, as a phone would."""

from __future__ import annotations

import re

from django.test import Client
from django.urls import reverse


def join(client: Client, session, *, guest: str = "", member=None):
    """Type the code, then pick a name or join as a guest; returns the last response."""
    response = client.post(reverse("pitstops:join"), {"code": session.join_code})
    assert response.status_code == 200, response.content
    proof = re.search(r'name="proof" value="([^"]+)"', response.text).group(1)
    data = {"proof": proof}
    if member is not None:
        data["member"] = member.pk
    else:
        data["guest_name"] = guest
    return client.post(reverse("pitstops:join_as"), data)


def post_card(client: Client, session, text: str, *, json: bool = True, **fields):
    data = {"text": text, "kind": "observation", "visibility": "coalition", **fields}
    headers = {"Accept": "application/json"} if json else {}
    return client.post(reverse("pitstops:card_post", args=[session.pk]), data, headers=headers)


def control(client: Client, session, action: str, **fields):
    return client.post(
        reverse("pitstops:session_control", args=[session.pk]), {"action": action, **fields}
    )

"""Helpers for the permission matrix (tests/test_permissions.py).

Each app lists its URLs in `tests/<app>/cases.py` as CASES: (url name, kwargs from the World,
expected status per role). `LOGIN` means: a redirect to the log-in page that comes back.
"""

from __future__ import annotations

from tests.conftest import ROLES

LOGIN = "login"
ALL = dict.fromkeys(ROLES, 200)


def expect(default: int | str, **per_role: int | str) -> dict[str, int | str]:
    """Every role gets `default`, except those named."""
    table = dict.fromkeys(ROLES, default)
    table.update(per_role)
    return table


def logged_in(default: int | str, **per_role: int | str) -> dict[str, int | str]:
    """Like `expect`, with anonymous visitors sent to log in."""
    return expect(default, anonymous=LOGIN, **per_role)

"""Signed-in sessions of an account, so that "log out everywhere" can end every one of them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountSession(models.Model):
    """One device where this account is signed in: a row per log-in, gone at log-out.

    Django's session store cannot be searched by user without reading every session; this small
    index can, and holds nothing but the session's key and when it began.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="account_sessions",
    )
    session_key = models.CharField(_("session key"), max_length=40, unique=True)
    created_at = models.DateTimeField(_("signed in at"), auto_now_add=True)

    class Meta:
        verbose_name = _("signed-in session")
        verbose_name_plural = _("signed-in sessions")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return str(self.user)

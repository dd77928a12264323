"""The admin site: for superusers only.

Django lets every staff user in; here the admin is a superuser's tool, so a staff flag alone
opens nothing (facilitators work in the app itself).
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest


class PitstopAdminSite(admin.AdminSite):
    site_header = "Pitstop"
    site_title = "Pitstop"

    def has_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_superuser


class PitstopAdminConfig(AdminConfig):
    default_site = "expeditie.admin.PitstopAdminSite"

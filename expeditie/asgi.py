"""ASGI entry point. WSGI with threads (gunicorn gthread) is the served default; see README."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "expeditie.settings.production")

application = get_asgi_application()

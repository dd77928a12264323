"""WSGI entry point: `gunicorn expeditie.wsgi` serves production settings by default."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "expeditie.settings.production")

application = get_wsgi_application()

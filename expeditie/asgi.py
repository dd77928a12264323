"""ASGI entry point: uvicorn serves the live screens' streams with it (deploy/streams); every
other request goes to gunicorn's threads (WSGI, deploy/gunicorn.conf.py). See README."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "expeditie.settings.production")

application = get_asgi_application()

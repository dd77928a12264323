"""Development: DEBUG on, a throwaway secret, e-mail printed to the console."""

from .base import *  # noqa: F403
from .base import STORAGES, env

DEBUG = env.bool("DEBUG", default=True)
# runserver serves no streams (pitstops/views/streams.py): the screens poll.
LIVE_STREAMS = env.bool("LIVE_STREAMS", default=False)
SECRET_KEY = env("SECRET_KEY", default="django-insecure-development-only-never-in-production")
# runserver serves static files straight from the apps and static/: no collectstatic needed.
STATIC_ROOT = None
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

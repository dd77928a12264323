"""Development: DEBUG on, a throwaway secret, e-mail printed to the console."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default="django-insecure-development-only-never-in-production")
# runserver serves static files from the apps and static/ directly.
STATIC_ROOT = None

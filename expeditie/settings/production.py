"""Production: refuses to start without SECRET_KEY; HTTPS only."""

from expeditie.sentry import init_sentry

from .base import *  # noqa: F403
from .base import SENTRY_DSN, SENTRY_ENVIRONMENT, SENTRY_RELEASE, SENTRY_TRACES_SAMPLE_RATE, env

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY")  # no default: ImproperlyConfigured when it is missing
DEMO_ACCOUNTS_ALLOWED = False  # seed_demo refuses (ASVS 6.3.2), unless --in-production

TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=["127.0.0.1", "::1"])
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# A load balancer's health check may ask over plain HTTP; it gets its answer, not a redirect.
# So is Prometheus, which scrapes each app server directly (deploy/prometheus/scrape.yml).
SECURE_REDIRECT_EXEMPT = [r"^gezond/$", r"^gezond/volledig/$", r"^metrics$"]
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
LANGUAGE_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
# ASVS 3.3.1: a __Host- cookie is refused by the browser unless it is Secure, for the whole
# site and for this host only, so no sub-domain can plant one. Plain HTTP (make serve) keeps
# the usual names, which browsers accept without Secure.
if SESSION_COOKIE_SECURE:
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    LANGUAGE_COOKIE_NAME = "__Host-django_language"
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

# Nothing is set up without SENTRY_DSN.
init_sentry(
    SENTRY_DSN,
    traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
    environment=SENTRY_ENVIRONMENT,
    release=SENTRY_RELEASE,
)

"""The site's URLs plus a view that fails, for tests/test_errors.py."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from expeditie.urls import handler500, urlpatterns

__all__ = ["handler500", "urlpatterns"]


@csrf_exempt
@login_not_required
def fails(request: HttpRequest) -> HttpResponse:
    # As a careless view might: the card's words end up in the exception's message.
    raise ValueError(f"could not store {request.POST.get('text', '')!r}")


urlpatterns = [*urlpatterns, path("kapot/", fails, name="fails")]

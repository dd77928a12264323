from django.urls import path

from . import views
from .views import account, agreements, plan, reflections, reminders, space, tamtam

app_name = "coalitions"

# The coalition's own space lives under its address.
SPACE = "expeditie/<slug:expedition>/coalitie/<slug:slug>/"

urlpatterns = [
    path("account/", account.account, name="account"),
    path("account/overal-uitloggen/", account.logout_everywhere, name="logout_everywhere"),
    path("account/mijn-gegevens/", account.my_data, name="my_data"),
    path("account/verwijderen/", account.erase, name="erase"),
    path("expeditie/<slug:slug>/", views.expedition_detail, name="expedition"),
    path(SPACE, space.coalition_home, name="coalition"),
    path(f"{SPACE}tamtam/", tamtam.tamtam, name="tamtam"),
    path(f"{SPACE}kleine-dingen/", plan.small_things, name="small_things"),
    path(f"{SPACE}kleine-dingen/<int:pk>/doe-mee/", plan.count_me_in, name="count_me_in"),
    path(f"{SPACE}afspraken/", agreements.agreements, name="agreements"),
    path(f"{SPACE}afspraken/<int:pk>/", agreements.agreement_edit, name="agreement_edit"),
    path(f"{SPACE}afspraken/<int:pk>/hulp/", agreements.agreement_help, name="agreement_help"),
    path(f"{SPACE}reflecties/", reflections.reflections, name="reflections"),
    path(f"{SPACE}reflecties/<int:pk>/", reflections.reflection_edit, name="reflection_edit"),
    path(
        f"{SPACE}reflecties/<int:pk>/intrekken/",
        reflections.reflection_withdraw,
        name="reflection_withdraw",
    ),
    path("herinnering/<str:token>/", reminders.reminder_link, name="reminder_link"),
    path("herinnering/", reminders.reminder_answer, name="reminder_answer"),
]

from django.conf import settings
from django.core.management.base import BaseCommand

from coalitions.reminders import send_reminders


class Command(BaseCommand):
    help = (
        "E-mail the lead of each agreement that is due within 7 days or overdue, once per "
        "agreement and state. Safe to run as often as you like (cron, a task runner)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--base-url",
            default=settings.SITE_URL,
            help="Where the links in the e-mails point to (default: the SITE_URL setting).",
        )

    def handle(self, *args, **options) -> None:
        sent = send_reminders(base_url=options["base_url"])
        self.stdout.write(f"Reminders sent: {sent}")

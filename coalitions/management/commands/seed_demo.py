from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from coalitions.demo import ACCOUNTS, DEMO_PASSWORD, build_demo


class Command(BaseCommand):
    help = "Load the demo expedition with five coalitions. Running it again changes nothing."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--in-production",
            action="store_true",
            help="Also under production settings (for benchmarks on a throwaway database).",
        )

    def handle(self, *args, **options) -> None:
        # The demo accounts share a published password, a superuser among them (ASVS 6.3.2).
        if not settings.DEMO_ACCOUNTS_ALLOWED and not options["in_production"]:
            raise CommandError(
                "seed_demo makes accounts with a published password; it does not run with "
                "production settings (use --in-production only on a throwaway database)."
            )
        expedition = build_demo()
        self.stdout.write(self.style.SUCCESS(f"Demo expedition ready: {expedition}"))
        self.stdout.write(f"Demo log-ins (password for each: {DEMO_PASSWORD}):")
        for account in ACCOUNTS:
            self.stdout.write(f"  {account.username:<15} {account.role_description}")

from django.core.management.base import BaseCommand

from coalitions.demo import ACCOUNTS, DEMO_PASSWORD, build_demo


class Command(BaseCommand):
    help = "Load the demo expedition with five coalitions. Running it again changes nothing."

    def handle(self, *args, **options) -> None:
        expedition = build_demo()
        self.stdout.write(self.style.SUCCESS(f"Demo expedition ready: {expedition}"))
        self.stdout.write(f"Demo log-ins (password for each: {DEMO_PASSWORD}):")
        for account in ACCOUNTS:
            self.stdout.write(f"  {account.username:<15} {account.role_description}")

"""The `commonweal` console script: runs any Django management command."""

import os
import sys


def main() -> None:
    """Run the management command named on the command line (`commonweal migrate`, ...)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commonweal.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["commonweal", *sys.argv[1:]])


if __name__ == "__main__":
    main()

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def install_defaults(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """Give a new installation its role groups and the default authority matrix."""
    from commonweal.cases.authority import ensure_role_groups
    from commonweal.cases.default_matrix import ensure_default_matrix

    ensure_role_groups()
    ensure_default_matrix()


class CasesConfig(AppConfig):
    name = "commonweal.cases"
    verbose_name = "Cases and the case log"

    def ready(self) -> None:
        post_migrate.connect(install_defaults, sender=self)

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "commonweal.core"
    verbose_name = "Commonweal core"

    def ready(self) -> None:
        from commonweal.core import checks  # noqa: F401  (registers the system checks)

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "commonweal.core"
    verbose_name = "Commonweal core"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from commonweal.core import (
            checks,  # noqa: F401  (registers the system checks)
            lookups,  # noqa: F401  (registers field__any)
        )
        from commonweal.core.pgtime import use_compiled_time_loader

        connection_created.connect(use_compiled_time_loader, dispatch_uid="compiled-time-loader")

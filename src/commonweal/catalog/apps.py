from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "commonweal.catalog"
    verbose_name = "Catalogue"

    def ready(self) -> None:
        from commonweal.catalog import served  # noqa: F401 (forgets kept jurisdictions on a change)

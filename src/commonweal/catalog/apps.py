from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "commonweal.catalog"
    verbose_name = "Catalogue"

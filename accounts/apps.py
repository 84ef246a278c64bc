from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Comptes, établissements et habilitations"

    def ready(self) -> None:
        from accounts.actors import connect_invalidation

        connect_invalidation()

from django.contrib import admin
from django.urls import include, path

from api.main import api

admin.site.site_header = "Portail OF — back-office OPCO"
admin.site.site_title = "Portail OF"
admin.site.index_title = "Instruction des dossiers et des factures"

# Nothing under MEDIA_ROOT is served by URL: every file goes through a view that applies the
# reader's scope (portal.views.fichiers, api.routers.fichiers).
urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("api/cfa/", include("api.cfa.urls")),
    path("", include("portal.urls")),
]

handler400 = "portal.views.pages.page_400"
handler403 = "portal.views.pages.page_403"
handler404 = "portal.views.pages.page_404"
handler500 = "portal.views.pages.page_500"

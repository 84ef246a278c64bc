from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import path

from api.main import api

admin.site.site_header = "Portail OF — back-office OPCO"
admin.site.site_title = "Portail OF"
admin.site.index_title = "Instruction des dossiers et des factures"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

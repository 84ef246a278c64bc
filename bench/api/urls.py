from django.urls import path

from bench.api.bare import bare
from config.urls import urlpatterns as base

urlpatterns = [*base, path("bare/<str:name>", bare)]

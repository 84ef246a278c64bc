"""The portal's pages, in the guide's order. Each screen's module keeps its own patterns."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import include, path

from portal.views import comptes, fichiers, pages, tableau_de_bord

app_name = "portal"

urlpatterns = [
    path("", tableau_de_bord.accueil, name="accueil"),
    # Comptes
    path("connexion/", comptes.ConnexionView.as_view(), name="connexion"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="deconnexion"),
    path("mot-de-passe-oublie/", comptes.MotDePasseOublieView.as_view(), name="mot_de_passe_oublie"),
    path(
        "mot-de-passe-oublie/envoye/",
        auth_views.PasswordResetDoneView.as_view(template_name="portal/comptes/mot_de_passe_oublie_envoye.html"),
        name="mot_de_passe_oublie_envoye",
    ),
    path("reinitialiser/<uidb64>/<token>/", comptes.ReinitialisationView.as_view(), name="reinitialiser"),
    path(
        "reinitialiser/termine/",
        auth_views.PasswordResetCompleteView.as_view(template_name="portal/comptes/reinitialisation_terminee.html"),
        name="reinitialisation_terminee",
    ),
    path("invitation/<str:token>/", comptes.invitation, name="invitation"),
    path("mon-compte/mot-de-passe/", comptes.mot_de_passe, name="mot_de_passe"),
    path("mon-compte/notifications/", comptes.preferences, name="preferences"),
    # Tableau de bord, guide
    path("tableau-de-bord/", tableau_de_bord.tableau_de_bord, name="tableau_de_bord"),
    path("guide/", pages.guide, name="guide"),
    path("guide.pdf", pages.guide_pdf, name="guide_pdf"),
    path("guide.md", pages.guide_markdown, name="guide_markdown"),
    path("accessibilite/", pages.accessibilite, name="accessibilite"),
    # Fichiers (always through the viewer's scope)
    path("fichiers/courriers/<int:courrier_id>/", fichiers.courrier, name="fichier_courrier"),
    path("fichiers/pieces/<int:piece_id>/", fichiers.piece, name="fichier_piece"),
    path("fichiers/factures/<int:facture_id>/", fichiers.facture, name="fichier_facture"),
    path("fichiers/cerfa/<int:dossier_id>/", fichiers.cerfa, name="fichier_cerfa"),
    path("fichiers/avis/<int:reglement_id>/", fichiers.avis, name="fichier_avis"),
    # The screens
    path("", include("portal.views.notifications")),
    path("", include("portal.views.dossiers")),
    path("", include("portal.views.saisie")),
    path("", include("portal.views.factures")),
    path("", include("portal.views.paiements")),
    path("", include("portal.views.habilitations")),
]

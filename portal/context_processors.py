"""What every portal page shows around its content: the header's établissement switcher, the
unread-notifications badge, the user menu, the footer's contact."""

from __future__ import annotations

from django.conf import settings

from cases.selectors import notifications_unread_count


def portal(request):
    htmx = getattr(request, "htmx", None)
    base = "portal/_fragment.html" if htmx and not htmx.boosted else "portal/base.html"
    contact = {
        "nom": getattr(settings, "PORTAIL_OPCO_NAME", ""),
        "telephone": getattr(settings, "PORTAIL_OPCO_PHONE", ""),
        "email": getattr(settings, "PORTAIL_OPCO_EMAIL", ""),
    }
    context = {"base_template": base, "portail_contact": contact}
    viewer = getattr(request, "viewer", None)
    if viewer is not None:
        context["viewer"] = viewer

        def unread() -> int:
            # Counted when the header is rendered, unless the page already knows (the dashboard).
            known = getattr(request, "notifications_non_lues", None)
            if known is None:
                known = notifications_unread_count(actor=viewer.actor, etablissement_id=viewer.etablissement_id)
                request.notifications_non_lues = known
            return known

        context["notifications_non_lues"] = unread
    return context

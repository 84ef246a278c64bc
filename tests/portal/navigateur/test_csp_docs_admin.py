"""The API's documentation and the back office run in Chromium under the same Content-Security-Policy as
the portal (the autouse ``_no_csp_violation`` of this folder fails the test on any blocked script, style or
image): Swagger UI draws every operation, the back office's lists and forms work."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "motdepasse-solide-42"


def test_the_api_docs_render_every_operation_without_a_csp_violation(page, live_server):
    page.goto(f"{live_server.url}/api/v1/docs")

    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Portail OF")
    expect(page.locator(".opblock").first).to_be_visible()
    page.locator(".opblock-summary").first.click()
    expect(page.locator(".opblock-body").first).to_be_visible()


def test_the_back_office_lists_and_forms_run_without_a_csp_violation(page, live_server, tenant_a):
    opco = UserFactory(opco=True)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", opco.email)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("#site-name")).to_be_visible()

    for path in (
        "/admin/",
        "/admin/cases/dossier/",
        f"/admin/cases/dossier/{tenant_a.dossier.pk}/change/",
        "/admin/accounts/apikey/",
        "/admin/accounts/etablissement/add/",
    ):
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("#content")).to_be_visible()

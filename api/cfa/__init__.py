"""The inter-OPCO « API CFA » norm, served under ``/api/cfa``: the routes a CFA's management software
calls on every OPCO (contracts V1 and V2, their states, conventions, invoices and their states, documents,
the key), on the same services and selectors as ``/api/v1``.

``api.cfa.main.api`` is the NinjaAPI instance (its own OpenAPI document and error shape), mounted by
``config/urls.py``; the vendor's guide is ``docs/api-cfa.md``.
"""

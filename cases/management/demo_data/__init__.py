"""Demo data of Portail OF (``manage.py seed_demo``).

Two generators:

* :class:`DemoSeeder` — the small demo echoing the user guide (OF GENERIQUE, ENTREPRISE FICTIVE,
  LA CENTRALE AMBULANCES, dossier 3866466.1…). Every dossier, facture and règlement is created
  and moved **through the real services** with real actors, so the transition log, the courriers
  and the notifications are the ones the application itself writes.
* :class:`MassSeeder` — ``--scale N``: N more dossiers inserted with ``bulk_create`` in batches,
  number ranges reserved with ``next_numbers``, one ``creation`` log row per object.

Every établissement and user of the demo has an e-mail in the reserved ``.example`` top-level
domain (RFC 2606): that is how ``--reset`` recognises demo data, and it can never be real data.

Modules: :mod:`.parties` (établissements, users), :mod:`.scenarios` (the small demo's dossiers),
:mod:`.seeder`, :mod:`.reset`, :mod:`.mass`, and :mod:`.common` for what they share.
"""

from cases.management.demo_data.common import DEMO_TLD, OF_GENERIQUE_SIRET, OF_GENERIQUE_UAI, demo_pdf, fr_int
from cases.management.demo_data.mass import MassSeeder
from cases.management.demo_data.parties import USERS
from cases.management.demo_data.reset import reset_demo
from cases.management.demo_data.seeder import DemoSeeder

__all__ = [
    "DEMO_TLD",
    "OF_GENERIQUE_SIRET",
    "OF_GENERIQUE_UAI",
    "USERS",
    "DemoSeeder",
    "MassSeeder",
    "demo_pdf",
    "fr_int",
    "reset_demo",
]

"""Shared pieces of the demo data: shorthands, number formats, lifecycle paths, a small PDF."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal

from django.core.management.base import CommandError

from accounts.actors import Channel
from cases.models import NatureFinancement
from rules.identifiers import uai_complete, uai_is_valid
from rules.lifecycles import DOSSIER_LIFECYCLES, INITIAL_DOSSIER_STATE, Dispositif, EtatDossier, EtatFacture, Transition

E = EtatDossier
F = EtatFacture
A = Dispositif.APPRENTISSAGE
PRO = Dispositif.PROFESSIONNALISATION
PRO_A = Dispositif.PRO_A
AF = Dispositif.ACTION_FORMATION
N = NatureFinancement

DEMO_TLD = ".example"
SCALE_CHANNEL = Channel.COMMANDE
SCALE_LOG_TRANSITION = "creation"
SCALE_ACTOR_LABEL = "seed_demo --scale (données de charge)"
SCALE_OF_DOMAIN = "@of-charge.example"
SCALE_ENTREPRISE_DOMAIN = "@entreprise-charge.example"
SHARED_FACTURE_PDF = "factures/demo/facture-de-demonstration.pdf"

# The guide's famous identifiers. 99999999900009 passes the 14-digit Luhn check (its SIREN
# 999999999 alone does not, and is not checked). The guide prints the UAI 0070070X, whose check
# letter is wrong (0070070 → N): the demo's own UAI is the valid 0070070N, the guide's digits with
# their right letter, so that the demo's CERFAs and referential agree.
OF_GENERIQUE_SIRET = "99999999900009"
OF_GENERIQUE_UAI = "0070070N"
GUIDE_NUMERO_DEPOT = "076202209037237"  # marks the demo as already loaded


def cerfa_uai(uai: str) -> str:
    return uai if uai_is_valid(uai) or len(uai) != 8 else uai_complete(uai[:7])


# First numbers handed out on an empty database, so that the demo shows the guide's numbers
# (dossier 3866466.1, facture 2168343, règlement 0063618). Counters are only ever raised.
GUIDE_COUNTERS = {"dossier": 3_866_466, "facture": 2_168_343, "reglement": 63_618}


def fr_int(value: int) -> str:
    return f"{value:,}".replace(",", " ")


def euros(value: Decimal) -> str:
    return f"{value:,.2f}".replace(",", " ").replace(".", ",") + " €"


def dec(value: str | float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# --- Lifecycle paths ------------------------------------------------------------------------


def lifecycle_path(transitions: Sequence[Transition], source: str, target: str) -> list[Transition]:
    """The shortest sequence of transitions from ``source`` to ``target`` (breadth first)."""
    if source == target:
        return []
    previous: dict[str, tuple[str, Transition] | None] = {source: None}
    queue = deque([source])
    while queue:
        state = queue.popleft()
        for t in transitions:
            if state not in t.sources or t.target in previous:
                continue
            previous[t.target] = (state, t)
            if t.target == target:
                path = []
                node = target
                while previous[node] is not None:
                    node, step = previous[node]
                    path.append(step)
                return path[::-1]
            queue.append(t.target)
    raise CommandError(f"État « {target} » inaccessible depuis « {source} ».")


def plan(transitions: Sequence[Transition], initial: str, target: str, via: Iterable[str] = ()) -> list[Transition]:
    path: list[Transition] = []
    current = initial
    for waypoint in (*via, target):
        path += lifecycle_path(transitions, current, waypoint)
        current = waypoint
    return path


def reachable_states(dispositif: Dispositif) -> list[EtatDossier]:
    """Every state a dossier of ``dispositif`` can reach from its initial state, in enum order."""
    transitions = DOSSIER_LIFECYCLES[dispositif]
    seen = {INITIAL_DOSSIER_STATE[dispositif]}
    queue = deque(seen)
    while queue:
        state = queue.popleft()
        for t in transitions:
            if state in t.sources and t.target not in seen:
                seen.add(t.target)
                queue.append(t.target)
    return [e for e in EtatDossier if e in seen]


# --- Files --------------------------------------------------------------------------------


def demo_pdf(title: str, lines: Sequence[str] = ()) -> bytes:
    """A small valid one-page PDF (Helvetica, WinAnsi) — enough for a viewer and the upload checks."""

    def esc(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    ops = ["BT", "/F1 16 Tf", "60 780 Td", "22 TL", f"({esc(title)}) Tj", "/F1 11 Tf", "16 TL", "() '"]
    ops += [f"({esc(line)}) '" for line in lines]
    ops += ["() '", "(Document de démonstration - Portail OF) '", "ET"]
    stream = "\n".join(ops).encode("cp1252", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >>"
        b" /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)

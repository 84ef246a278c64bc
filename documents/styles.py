"""Names shared by the template builder and the renderer: styles, placeholders, template files.

The templates' look lives in these named Word styles: restyle them in Word or LibreOffice
(Format > Styles), never rename them. ``{{…}}`` fields in headers, footers and body are filled in
at rendering; the body paragraph ``{{contenu}}`` marks where the generated content goes.
"""

from __future__ import annotations

# Paragraph styles
TITLE = "Portail Titre"
SUBTITLE = "Portail Sous-titre"
WARNING = "Portail Avertissement"
BLOCK = "Portail Bloc"
SUBBLOCK = "Portail Sous-bloc"
FIELD = "Portail Champ"
NOTE = "Portail Note"
BODY = "Portail Corps"
DATE = "Portail Date"
ADDRESSEE = "Portail Destinataire"
REFERENCES = "Portail Références"
OBJECT = "Portail Objet"
SIGNATURE = "Portail Signature"
TABLE_TEXT = "Portail Tableau"
TABLE_HEADER = "Portail Tableau En-tête"
TABLE_NUMBER = "Portail Tableau Montant"
HEADER_NAME = "Portail En-tête OPCO"
HEADER_TEXT = "Portail En-tête texte"
FOOTER = "Portail Pied de page"
# Character styles
LABEL = "Portail Libellé"
VALUE = "Portail Valeur"
# Table styles
GRID = "Portail Grille"
FORM = "Portail Formulaire"

PARAGRAPH_STYLES = (
    TITLE,
    SUBTITLE,
    WARNING,
    BLOCK,
    SUBBLOCK,
    FIELD,
    NOTE,
    BODY,
    DATE,
    ADDRESSEE,
    REFERENCES,
    OBJECT,
    SIGNATURE,
    TABLE_TEXT,
    TABLE_HEADER,
    TABLE_NUMBER,
    HEADER_NAME,
    HEADER_TEXT,
    FOOTER,
)
CHARACTER_STYLES = (LABEL, VALUE)
TABLE_STYLES = (GRID, FORM)
ALL_STYLES = PARAGRAPH_STYLES + CHARACTER_STYLES + TABLE_STYLES

CONTENT_MARKER = "{{contenu}}"

CERFA_TEMPLATE = "cerfa.docx"
COURRIER_TEMPLATE = "courrier.docx"
AVIS_PAIEMENT_TEMPLATE = "avis_paiement.docx"
TEMPLATE_FILES = (CERFA_TEMPLATE, COURRIER_TEMPLATE, AVIS_PAIEMENT_TEMPLATE)

# A4 portrait, in millimetres.
A4_WIDTH_MM = 210
A4_HEIGHT_MM = 297

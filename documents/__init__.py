"""Rendering of documents: DOCX (python-docx), PDF (LibreOffice/docx2pdf), XLSX/CSV exports. Never decides."""

"""The PDF converters: a supervised listener that comes back after a crash, the cold soffice
fallback, the choice by setting, and clear French errors when nothing can convert."""

import os
import signal
import sys
import threading
import time

import pytest

from documents import converters
from documents.contexts import Sender
from documents.converters import (
    AutoConverter,
    Docx2PdfConverter,
    SofficeConverter,
    UnoserverConverter,
    build_converter,
    check_pdf,
    get_converter,
    processes_with_marker,
    set_default_converter,
)
from documents.docx_render import cerfa_docx
from documents.errors import ConversionError, ConverterUnavailable
from documents.mapping import cerfa_context_from_payload
from tests.documents.conftest import TODAY, assert_a4_pdf, pdf_text


@pytest.fixture(scope="module")
def sample_docx():
    payload = {
        "employeur": {"siret": "35600000000048", "denomination": "ENTREPRISE FICTIVE"},
        "organismeFormation": {"siret": "99999999900009"},
        "contrat": {"salaireEmbauche": "6795.83"},
    }
    ctx = cerfa_context_from_payload(payload, today=TODAY, opco=Sender(nom="OPCO Test"), reference="3866466.1")
    return cerfa_docx(ctx)


def wait_gone(pids, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = [pid for pid in pids if os.path.exists(f"/proc/{pid}") and _state(pid) != "Z"]
        if not alive:
            return True
        time.sleep(0.1)
    return False


def _state(pid):
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"


def assert_converted(pdf: bytes):
    assert_a4_pdf(pdf)
    text = pdf_text(pdf)
    assert "ENTREPRISE FICTIVE" in text
    assert "6 795,83 €" in text


def test_the_listener_converts_and_reports_its_processes(pdf_listener, sample_docx):
    assert pdf_listener.is_healthy(deep=True)
    assert pdf_listener.soffice_pids()
    assert pdf_listener.soffice_rss() > 10_000_000

    assert_converted(pdf_listener.convert(sample_docx))


def test_killing_libreoffice_restarts_the_listener(pdf_listener, sample_docx):
    pdf_listener.convert(sample_docx)
    starts, old = pdf_listener.starts, pdf_listener.soffice_pids()
    assert old

    for pid in old:
        os.kill(pid, signal.SIGKILL)

    assert_converted(pdf_listener.convert(sample_docx))
    assert pdf_listener.starts == starts + 1
    assert not set(old) & set(pdf_listener.soffice_pids())
    assert wait_gone(old)


def test_killing_the_listener_process_restarts_it_and_reaps_its_orphans(pdf_listener, sample_docx):
    pdf_listener.convert(sample_docx)
    starts, listener_pid, old = pdf_listener.starts, pdf_listener.pid, pdf_listener.soffice_pids()

    os.kill(listener_pid, signal.SIGKILL)  # LibreOffice is left orphaned

    assert_converted(pdf_listener.convert(sample_docx))
    assert pdf_listener.starts == starts + 1
    assert pdf_listener.pid != listener_pid
    assert wait_gone(old + [listener_pid])  # the orphans were stopped, by their id


def test_concurrent_conversions_after_a_crash_start_one_listener(pdf_listener, sample_docx):
    pdf_listener.convert(sample_docx)
    starts = pdf_listener.starts
    for pid in pdf_listener.soffice_pids():
        os.kill(pid, signal.SIGKILL)
    wait_gone([pdf_listener.pid] if pdf_listener.pid else [], timeout=10)
    results, errors = [], []

    def work():
        try:
            results.append(pdf_listener.convert(sample_docx))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)

    assert not errors
    assert len(results) == 4
    assert pdf_listener.starts == starts + 1  # the lock: one start for four threads
    for pdf in results:
        assert_a4_pdf(pdf)


def test_an_unreadable_document_is_a_conversion_error_not_a_restart(pdf_listener):
    starts = pdf_listener.starts

    with pytest.raises(ConversionError, match="n'a pas pu convertir le document en PDF"):
        pdf_listener.convert(b"ceci n'est pas un document Word")

    assert pdf_listener.starts == starts
    assert pdf_listener.is_healthy(deep=True)


def test_the_cold_soffice_fallback_converts_and_leaves_no_process(sample_docx):
    converter = SofficeConverter(timeout=120)
    assert converter.available()

    assert_converted(converter.convert(sample_docx))

    assert converter.last_workdir and not os.path.exists(converter.last_workdir)
    assert not processes_with_marker(converter.last_workdir)


def test_auto_falls_back_to_soffice_when_no_uno_python(sample_docx):
    unoserver = UnoserverConverter(python="/nonexistent/python3")
    auto = AutoConverter([unoserver, SofficeConverter(timeout=120), Docx2PdfConverter()])

    assert not unoserver.available()
    assert "python3-uno" in unoserver.unavailable_reason()
    assert_converted(auto.convert(sample_docx))


def test_auto_falls_back_when_the_listener_cannot_start(tmp_path, sample_docx):
    broken = tmp_path / "soffice"
    broken.write_text("#!/bin/sh\necho 'LibreOffice cassé' >&2\nexit 3\n")
    broken.chmod(0o755)
    unoserver = UnoserverConverter(soffice=str(broken), start_timeout=60)
    auto = AutoConverter([unoserver, SofficeConverter(timeout=120)])

    started = time.monotonic()
    assert_converted(auto.convert(sample_docx))

    assert time.monotonic() - started < 45  # a dead LibreOffice is detected, not waited for
    assert unoserver.marker and not processes_with_marker(unoserver.marker)
    assert not unoserver.available()  # cool-down: the next documents go straight to soffice
    assert "le dernier démarrage a échoué" in unoserver.unavailable_reason()
    unoserver.close()


def test_no_converter_at_all_is_a_clear_french_error(sample_docx):
    auto = AutoConverter(
        [
            UnoserverConverter(python="/nonexistent/python3", soffice="/nonexistent/soffice"),
            SofficeConverter(soffice="/nonexistent/soffice"),
            Docx2PdfConverter(),
        ]
    )

    assert not auto.available()
    with pytest.raises(ConverterUnavailable, match="Aucun convertisseur PDF n'est disponible") as error:
        auto.convert(sample_docx)
    assert "libreoffice-writer-nogui" in str(error.value)


def test_an_explicit_converter_does_not_fall_back(sample_docx):
    with pytest.raises(ConverterUnavailable, match="soffice est introuvable"):
        SofficeConverter(soffice="/nonexistent/soffice").convert(sample_docx)
    with pytest.raises(ConverterUnavailable, match="unoserver"):
        UnoserverConverter(soffice="/nonexistent/soffice").convert(sample_docx)


def test_docx2pdf_needs_microsoft_word_and_is_imported_lazily(sample_docx):
    converter = Docx2PdfConverter()

    assert not converter.available()
    assert "Windows ou macOS" in converter.unavailable_reason()
    with pytest.raises(ConverterUnavailable, match="Microsoft Word"):
        converter.convert(sample_docx)
    assert "docx2pdf" not in sys.modules


@pytest.mark.parametrize(
    ("choice", "kind"),
    [
        ("auto", AutoConverter),
        ("unoserver", UnoserverConverter),
        ("soffice", SofficeConverter),
        ("docx2pdf", Docx2PdfConverter),
    ],
)
def test_the_setting_chooses_the_converter(settings, choice, kind):
    previous = set_default_converter(None)
    try:
        settings.PORTAIL_PDF_CONVERTER = choice
        converter = get_converter()
        assert isinstance(converter, kind)
        assert get_converter() is converter  # built once per process
    finally:
        converters.get_converter().close()
        set_default_converter(previous)


def test_auto_is_the_default(settings):
    previous = set_default_converter(None)
    try:
        if hasattr(settings, "PORTAIL_PDF_CONVERTER"):
            del settings.PORTAIL_PDF_CONVERTER
        converter = get_converter()
        assert isinstance(converter, AutoConverter)
        assert [c.name for c in converter.candidates] == ["unoserver", "soffice", "docx2pdf"]
    finally:
        get_converter().close()
        set_default_converter(previous)


def test_an_unknown_setting_is_named():
    with pytest.raises(ConversionError, match="PORTAIL_PDF_CONVERTER inconnu : « pandoc »"):
        build_converter("pandoc")


def test_listener_ports_and_python_come_from_settings(settings):
    settings.PORTAIL_UNOSERVER_PORT = 47123
    settings.PORTAIL_UNOSERVER_UNO_PORT = 47124
    settings.PORTAIL_UNO_PYTHON = "/usr/bin/python3"
    settings.PORTAIL_PDF_TIMEOUT = 30

    converter = UnoserverConverter.from_settings()

    assert converter._fixed_ports == (47123, 47124)
    assert converter.timeout == 30
    assert converter.available()
    converter.close()


def test_truncated_pdfs_are_refused():
    with pytest.raises(ConversionError, match="tronqué"):
        check_pdf(b"%PDF-1.7\n1 0 obj", "test")
    with pytest.raises(ConversionError):
        check_pdf(b"", "test")
    assert check_pdf(b"%PDF-1.7\n%%EOF\n", "test")


def test_libreoffice_is_recycled_after_max_conversions(sample_docx):
    converter = UnoserverConverter(max_conversions=2, start_timeout=120)
    try:
        for _ in range(3):
            assert_converted(converter.convert(sample_docx))
        assert converter.starts == 2
    finally:
        marker = converter.marker
        converter.close()
    assert not processes_with_marker(marker)


def test_the_process_knows_its_own_libreoffice_pids(pdf_listener, sample_docx):
    pdf_listener.convert(sample_docx)

    assert set(pdf_listener.soffice_pids()) <= set(converters.listener_soffice_pids())

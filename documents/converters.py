"""DOCX → PDF converters, chosen by ``PORTAIL_PDF_CONVERTER`` (``auto`` by default).

- ``unoserver``: a persistent LibreOffice listener (the `unoserver` package), started lazily by the
  application, health-checked before each conversion and restarted when it died. Its server side
  runs under a Python that has LibreOffice's ``uno`` module (on Debian: ``/usr/bin/python3`` with
  ``python3-uno``), with this venv's ``unoserver`` package appended to its path; the client side is
  ``unoserver.client.UnoClient``. ~0.1–0.3 s per document once warm.
- ``soffice``: a cold ``soffice --headless --convert-to pdf`` per document, in a temporary folder
  with its own LibreOffice profile (no clash with a running LibreOffice). Slower (seconds), no
  process left behind.
- ``docx2pdf``: Microsoft Word, through the ``docx2pdf`` package (Windows and macOS only).
- ``auto``: the first available of the three, moving on to the next when one cannot run.

Settings (all optional): ``PORTAIL_PDF_CONVERTER``, ``PORTAIL_UNO_PYTHON`` (the Python with ``uno``),
``PORTAIL_SOFFICE`` (the LibreOffice executable), ``PORTAIL_UNOSERVER_PORT`` and
``PORTAIL_UNOSERVER_UNO_PORT`` (fixed ports: one listener shared by the processes of the machine;
by default each process starts its own on free ports), ``PORTAIL_PDF_TIMEOUT`` (seconds per
conversion, 60), ``PORTAIL_PDF_START_TIMEOUT`` (seconds for the listener to start, 60),
``PORTAIL_UNOSERVER_MAX_CONVERSIONS`` (recycle LibreOffice after N documents; 0, the default: never).
Nothing is ever downloaded.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import http.client
import importlib.util
import logging
import os
import platform
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import weakref
import xmlrpc.client
from pathlib import Path
from typing import Protocol

from django.conf import settings

from documents.errors import ConversionError, ConverterUnavailable

logger = logging.getLogger(__name__)

CHOICES = ("auto", "unoserver", "soffice", "docx2pdf")
NO_CONVERTER_HINT = (
    "Aucun convertisseur PDF n'est disponible : installez LibreOffice (sous Debian/Ubuntu, les paquets "
    "libreoffice-writer-nogui et python3-uno) ou, sous Windows/macOS, Microsoft Word avec le paquet docx2pdf."
)
DEFAULT_TIMEOUT = 60
DEFAULT_START_TIMEOUT = 60
START_FAILURE_COOLDOWN = 60
DOCX_IMPORT_FILTER = "MS Word 2007 XML"
LIBREOFFICE_GONE_AFTER = 4.0  # seconds without any LibreOffice process while the listener starts


class Converter(Protocol):
    name: str

    def available(self) -> bool: ...

    def unavailable_reason(self) -> str: ...

    def convert(self, docx: bytes) -> bytes: ...

    def close(self) -> None: ...


def check_pdf(data: bytes | None, converter: str) -> bytes:
    """A complete PDF, or :class:`ConversionError` (never hand out a truncated file)."""
    if not data or not data.startswith(b"%PDF-") or b"%%EOF" not in data[-2048:]:
        raise ConversionError(f"Le convertisseur « {converter} » a produit un PDF vide, invalide ou tronqué.")
    return bytes(data)


def _setting(name: str, default=None):
    return getattr(settings, name, default)


def _tail(text: str, limit: int = 600) -> str:
    text = " ".join(text.split())
    return text[-limit:]


# --- Finding LibreOffice ------------------------------------------------------------------------------


def _platform_soffice_paths() -> list[str]:
    system = platform.system()
    if system == "Windows":
        roots = [os.environ.get("PROGRAMFILES", r"C:\Program Files"), os.environ.get("PROGRAMFILES(X86)", "")]
        return [str(Path(root) / "LibreOffice" / "program" / "soffice.exe") for root in roots if root]
    if system == "Darwin":
        return ["/Applications/LibreOffice.app/Contents/MacOS/soffice"]
    return ["/usr/bin/soffice", "/usr/lib/libreoffice/program/soffice", "/opt/libreoffice/program/soffice"]


def find_soffice(configured: str | None = None) -> str | None:
    configured = configured or _setting("PORTAIL_SOFFICE")
    if configured:
        path = shutil.which(configured) or (configured if Path(configured).is_file() else None)
        return path
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    return next((p for p in _platform_soffice_paths() if Path(p).is_file()), None)


def unoserver_package_root() -> str | None:
    """The folder holding this venv's ``unoserver`` package (appended to the uno Python's path)."""
    spec = importlib.util.find_spec("unoserver")
    if spec is None or not spec.origin:
        return None
    return str(Path(spec.origin).resolve().parent.parent)


@functools.lru_cache(maxsize=16)
def _python_runs_unoserver(python: str, package_root: str) -> bool:
    probe = f"import sys; sys.path.append({package_root!r}); import uno, unoserver.server"
    try:
        result = subprocess.run(
            [python, "-c", probe], capture_output=True, timeout=30, env=_child_env(), stdin=subprocess.DEVNULL
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return result.returncode == 0


def _uno_python_candidates() -> list[str]:
    system = platform.system()
    candidates = ["/usr/bin/python3", "/usr/local/bin/python3", shutil.which("python3") or ""]
    soffice = find_soffice()
    if soffice:  # LibreOffice's own Python (Windows, macOS, TDF builds)
        program = Path(soffice).resolve().parent
        candidates += [
            str(program / "python"),
            str(program / "python.exe"),
            str(program.parent / "Resources" / "python"),
        ]
    if system == "Windows":
        candidates = [c for c in candidates if c.endswith(".exe")]
    return [c for c in dict.fromkeys(candidates) if c and Path(c).is_file()]


def find_uno_python(configured: str | None = None) -> str | None:
    """A Python interpreter able to run unoserver's server (``import uno`` works there)."""
    root = unoserver_package_root()
    if root is None:
        return None
    configured = configured or _setting("PORTAIL_UNO_PYTHON")
    candidates = [configured] if configured else _uno_python_candidates()
    for python in candidates:
        if python and _python_runs_unoserver(python, root):
            return python
    return None


def _child_env() -> dict[str, str]:
    """The environment of LibreOffice children: without this venv's Python variables."""
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"}}
    env.setdefault("LANG", "C.UTF-8")
    return env


# --- Process housekeeping (by id, never by name) ------------------------------------------------------


def processes_with_marker(marker: str) -> list[int]:
    """Pids of the live processes whose command line contains ``marker`` (Linux ``/proc``)."""
    proc = Path("/proc")
    if not proc.is_dir():
        return []
    needle = marker.encode()
    found = []
    for entry in os.scandir(proc):
        if not entry.name.isdigit():
            continue
        try:
            cmdline = Path(entry.path, "cmdline").read_bytes()
        except OSError:
            continue
        if needle in cmdline and int(entry.name) != os.getpid():
            found.append(int(entry.name))
    return found


def rss_bytes(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _kill_marked(marker: str, timeout: float = 5.0) -> None:
    pids = processes_with_marker(marker)
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + timeout
    while pids and time.monotonic() < deadline:
        pids = processes_with_marker(marker)
        if pids:
            time.sleep(0.05)


# --- unoserver -------------------------------------------------------------------------------------------

# Runs under the uno Python: appends the venv's unoserver package to the path, watches its parent
# (the application) and stops LibreOffice when the parent is gone, then runs unoserver's server.
_BOOTSTRAP = """
import os, signal, sys, threading, time
sys.path.append(sys.argv.pop(1))
_parent = os.getppid()
def _watch():
    while True:
        time.sleep(1)
        if os.getppid() != _parent:
            os.kill(os.getpid(), signal.SIGTERM)
            return
threading.Thread(target=_watch, daemon=True).start()
from unoserver.server import main
sys.exit(main())
"""


class _TimeoutTransport(xmlrpc.client.Transport):
    def __init__(self, timeout: float):
        super().__init__()
        self._timeout = timeout

    def make_connection(self, host):
        connection = super().make_connection(host)
        connection.timeout = self._timeout
        return connection


def _make_client(host: str, port: int):
    from unoserver.client import UnoClient

    class _Client(UnoClient):
        """No 5 × 10 s connection retries: the supervisor restarts a dead listener itself."""

        def _connect(self, proxy, retries=1, sleep=0):
            return super()._connect(proxy, retries=1, sleep=0)

    return _Client(server=host, port=str(port), host_location="remote")


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


_instances: weakref.WeakSet = weakref.WeakSet()


class UnoserverConverter:
    """A supervised unoserver listener: lazy start, health check, restart, one start at a time."""

    name = "unoserver"

    def __init__(
        self,
        *,
        python: str | None = None,
        soffice: str | None = None,
        host: str = "127.0.0.1",
        port: int | None = None,
        uno_port: int | None = None,
        timeout: float | None = None,
        start_timeout: float | None = None,
        max_conversions: int | None = None,
    ):
        self._python_option = python
        self._soffice_option = soffice
        self.host = host
        self._fixed_ports = (int(port), int(uno_port)) if port and uno_port else None
        self.timeout = int(timeout or DEFAULT_TIMEOUT)
        self.start_timeout = float(start_timeout or DEFAULT_START_TIMEOUT)
        # Recycle LibreOffice after this many conversions (its memory grows slowly); 0/None: never.
        self.max_conversions = int(max_conversions or 0)
        self._lock = threading.RLock()
        # The listener converts one document at a time: queue here rather than in its socket backlog.
        self._convert_lock = threading.Lock()
        self._proc: subprocess.Popen | None = None
        self._owner_pid: int | None = None
        self._external = False
        self._ports: tuple[int, int] | None = None
        self._generation = 0
        self._workdir: Path | None = None
        self._failed_at: float | None = None
        self._failure = ""
        self.starts = 0
        # Naming the DOCX import filter spares LibreOffice its type detection (~30 % faster).
        self.import_filter: str | None = DOCX_IMPORT_FILTER
        _instances.add(self)

    @classmethod
    def from_settings(cls) -> UnoserverConverter:
        return cls(
            python=_setting("PORTAIL_UNO_PYTHON"),
            soffice=_setting("PORTAIL_SOFFICE"),
            port=_setting("PORTAIL_UNOSERVER_PORT"),
            uno_port=_setting("PORTAIL_UNOSERVER_UNO_PORT"),
            timeout=_setting("PORTAIL_PDF_TIMEOUT"),
            start_timeout=_setting("PORTAIL_PDF_START_TIMEOUT"),
            max_conversions=_setting("PORTAIL_UNOSERVER_MAX_CONVERSIONS"),
        )

    # Availability
    def _python(self) -> str | None:
        return find_uno_python(self._python_option)

    def _soffice(self) -> str | None:
        return find_soffice(self._soffice_option)

    def unavailable_reason(self) -> str:
        if unoserver_package_root() is None:
            return "le paquet Python unoserver n'est pas installé"
        if self._soffice() is None:
            return "LibreOffice (soffice) est introuvable"
        if self._python() is None:
            return "aucun Python disposant du module uno de LibreOffice (paquet python3-uno) n'a été trouvé"
        if self._cooling_down():
            return f"le dernier démarrage a échoué : {self._failure}"
        return ""

    def _cooling_down(self) -> bool:
        return self._failed_at is not None and time.monotonic() - self._failed_at < START_FAILURE_COOLDOWN

    def available(self) -> bool:
        return not self.unavailable_reason()

    # Introspection (bench, tests, health pages)
    @property
    def pid(self) -> int | None:
        proc = self._proc
        return proc.pid if proc is not None and proc.poll() is None else None

    @property
    def port(self) -> int | None:
        return self._ports[0] if self._ports else None

    @property
    def marker(self) -> str | None:
        return str(self._workdir) if self._workdir else None

    def processes(self) -> list[int]:
        """Every live process of this listener (the unoserver Python, oosplash, soffice.bin)."""
        return processes_with_marker(self.marker) if self.marker else []

    def soffice_pids(self) -> list[int]:
        pids = []
        for pid in self.processes():
            try:
                exe = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
            except OSError:
                continue
            if exe.endswith(b"soffice.bin") or exe.endswith(b"soffice"):
                pids.append(pid)
        return pids

    def soffice_rss(self) -> int | None:
        sizes = [rss_bytes(pid) for pid in self.soffice_pids()]
        sizes = [s for s in sizes if s]
        return sum(sizes) if sizes else None

    # Health
    def _port_open(self, timeout: float = 1.0) -> bool:
        if not self._ports:
            return False
        try:
            with socket.create_connection((self.host, self._ports[0]), timeout=timeout):
                return True
        except OSError:
            return False

    def _answers(self, timeout: float = 5.0) -> bool:
        if not self._ports:
            return False
        proxy = xmlrpc.client.ServerProxy(
            f"http://{self.host}:{self._ports[0]}", allow_none=True, transport=_TimeoutTransport(timeout)
        )
        try:
            info = proxy.info()
        except (OSError, http.client.HTTPException, xmlrpc.client.Error):
            return False
        return isinstance(info, dict) and "api" in info

    def is_healthy(self, *, deep: bool = False) -> bool:
        if self._external:
            return self._port_open() and (not deep or self._answers())
        proc = self._proc
        if proc is None or proc.poll() is not None or self._owner_pid != os.getpid():
            return False
        if deep and not self.soffice_pids() and Path("/proc").is_dir():
            return False
        return self._port_open()

    # Lifecycle
    def start(self) -> None:
        """Start the listener now (it is otherwise started by the first conversion)."""
        self._ensure_running()

    def _ensure_running(self) -> int:
        with self._lock:
            if self._proc is not None and self._owner_pid != os.getpid():
                self._proc = None  # inherited through fork: the parent's listener, not ours
            if self.is_healthy():
                return self._generation
            reason = self.unavailable_reason()
            if reason:
                raise ConverterUnavailable(f"Le convertisseur LibreOffice (unoserver) est indisponible : {reason}.")
            self._stop_locked()
            with self._start_guard():
                if self._fixed_ports and self._adopt_external():
                    return self._generation
                try:
                    self._start_locked()
                except ConverterUnavailable as exc:
                    self._failed_at, self._failure = time.monotonic(), str(exc)
                    raise
            self._failed_at = None
            return self._generation

    @contextlib.contextmanager
    def _start_guard(self):
        """With fixed ports, one start at a time across the processes of the machine."""
        if not self._fixed_ports:
            yield
            return
        try:
            import fcntl
        except ImportError:  # Windows: thread lock only
            yield
            return
        path = Path(tempfile.gettempdir()) / f"portail-unoserver-{self._fixed_ports[0]}.lock"
        with open(path, "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _adopt_external(self) -> bool:
        self._ports = self._fixed_ports
        if self._answers():
            self._external = True
            self._generation += 1
            return True
        self._external = False
        return False

    def _start_locked(self) -> None:
        python, soffice, root = self._python(), self._soffice(), unoserver_package_root()
        if not (python and soffice and root):
            raise ConverterUnavailable(
                f"Le convertisseur LibreOffice (unoserver) est indisponible : {self.unavailable_reason()}."
            )
        if self._workdir is None or not self._workdir.is_dir():
            self._workdir = Path(tempfile.mkdtemp(prefix="portail-unoserver-"))
        port, uno_port = self._fixed_ports or (_free_port(self.host), _free_port(self.host))
        while uno_port == port:
            uno_port = _free_port(self.host)
        self._ports = (port, uno_port)
        self._external = False
        log_path = self._workdir / "unoserver.log"
        cmd = [
            python,
            "-c",
            _BOOTSTRAP,
            root,
            "--interface",
            self.host,
            "--port",
            str(port),
            "--uno-interface",
            self.host,
            "--uno-port",
            str(uno_port),
            "--user-installation",
            str(self._workdir / "profile"),
            "--executable",
            soffice,
            "--conversion-timeout",
            str(self.timeout),
        ]
        if self.max_conversions > 0:
            cmd += ["--stop-after", str(self.max_conversions)]
        started = time.monotonic()
        with open(log_path, "ab") as log:
            self._proc = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=_child_env(),
                cwd=str(self._workdir),
                start_new_session=os.name == "posix",
                close_fds=True,
            )
        self._owner_pid = os.getpid()
        self._generation += 1
        self.starts += 1
        watch_children = Path("/proc").is_dir()
        last_child = time.monotonic()
        while time.monotonic() - started < self.start_timeout:
            if watch_children:
                if [pid for pid in self.processes() if pid != self._proc.pid]:
                    last_child = time.monotonic()
                elif time.monotonic() - last_child > LIBREOFFICE_GONE_AFTER:
                    detail = _tail(log_path.read_text(errors="replace")) if log_path.exists() else ""
                    self._stop_locked()
                    raise ConverterUnavailable(
                        f"LibreOffice ({soffice}) s'est arrêté pendant le démarrage du serveur de conversion. {detail}"
                    )
            code = self._proc.poll()
            if code is not None:
                detail = _tail(log_path.read_text(errors="replace")) if log_path.exists() else ""
                self._stop_locked()
                raise ConverterUnavailable(
                    "Le serveur de conversion LibreOffice (unoserver) s'est arrêté au démarrage "
                    f"(code {code}). {detail}"
                )
            if self._port_open(0.2) and self._answers(2.0):
                logger.info(
                    "Convertisseur unoserver démarré (pid %s, port %s) en %.1f s",
                    self._proc.pid,
                    port,
                    time.monotonic() - started,
                )
                return
            time.sleep(0.2)
        self._stop_locked()
        raise ConverterUnavailable(
            f"Le serveur de conversion LibreOffice (unoserver) n'a pas répondu dans les {self.start_timeout:.0f} s."
        )

    def _restart(self, generation: int) -> None:
        with self._lock:
            if generation == self._generation:
                logger.warning("Convertisseur unoserver hors service : redémarrage.")
                self._stop_locked()
        self._ensure_running()

    def stop(self) -> None:
        """Stop the listener and every process it started (the profile is kept for a faster restart)."""
        with self._lock:
            self._stop_locked()

    def _stop_locked(self) -> None:
        proc, self._proc = self._proc, None
        self._external = False
        if proc is not None and self._owner_pid == os.getpid():
            if proc.poll() is None:
                with contextlib.suppress(OSError):
                    proc.terminate()  # unoserver forwards SIGTERM to LibreOffice
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(OSError):
                        proc.kill()
                    with contextlib.suppress(subprocess.TimeoutExpired):
                        proc.wait(5)
        if self.marker and self._owner_pid == os.getpid():
            _kill_marked(self.marker)

    def close(self) -> None:
        with self._lock:
            self._stop_locked()
            if self._workdir is not None and self._owner_pid in (None, os.getpid()):
                shutil.rmtree(self._workdir, ignore_errors=True)
                self._workdir = None

    # Conversion
    def _convert_once(self, port: int, docx: bytes) -> bytes:
        client = _make_client(self.host, port)
        if self.import_filter:
            try:
                return client.convert(indata=docx, convert_to="pdf", infiltername=self.import_filter)
            except RuntimeError:  # the filter is unknown to this LibreOffice: let it detect the type
                logger.info("Filtre d'import %r inconnu de LibreOffice : détection automatique.", self.import_filter)
                self.import_filter = None
        return client.convert(indata=docx, convert_to="pdf")

    def convert(self, docx: bytes) -> bytes:
        with self._convert_lock:
            return self._convert(docx)

    def _convert(self, docx: bytes) -> bytes:
        for attempt in (1, 2):
            generation = self._ensure_running()
            port = self._ports[0]
            try:
                data = self._convert_once(port, docx)
            except xmlrpc.client.Fault as exc:
                if attempt == 1 and not self.is_healthy(deep=True):
                    self._restart(generation)
                    continue
                raise ConversionError(
                    f"LibreOffice n'a pas pu convertir le document en PDF : {_tail(str(exc.faultString), 300)}"
                ) from exc
            except (OSError, http.client.HTTPException, xmlrpc.client.ProtocolError) as exc:
                if attempt == 1:
                    self._restart(generation)
                    continue
                raise ConverterUnavailable(
                    f"Le serveur de conversion LibreOffice (unoserver) ne répond pas : {exc}"
                ) from exc
            return check_pdf(data, self.name)
        raise ConverterUnavailable("Le serveur de conversion LibreOffice (unoserver) ne répond pas.")


# --- Cold soffice -----------------------------------------------------------------------------------------


class SofficeConverter:
    """One ``soffice --headless --convert-to pdf`` per document, with its own throw-away profile."""

    name = "soffice"

    def __init__(self, *, soffice: str | None = None, timeout: float | None = None):
        self._soffice_option = soffice
        self.timeout = float(timeout or DEFAULT_TIMEOUT)
        self.last_workdir: str | None = None  # for inspection: no process may outlive a conversion

    @classmethod
    def from_settings(cls) -> SofficeConverter:
        return cls(soffice=_setting("PORTAIL_SOFFICE"), timeout=_setting("PORTAIL_PDF_TIMEOUT"))

    def unavailable_reason(self) -> str:
        return "" if find_soffice(self._soffice_option) else "LibreOffice (soffice) est introuvable"

    def available(self) -> bool:
        return not self.unavailable_reason()

    def convert(self, docx: bytes) -> bytes:
        soffice = find_soffice(self._soffice_option)
        if soffice is None:
            raise ConverterUnavailable(
                "Le convertisseur LibreOffice (soffice) est indisponible : soffice est introuvable."
            )
        with tempfile.TemporaryDirectory(prefix="portail-soffice-") as tmp:
            work = Path(tmp)
            self.last_workdir = str(work)
            source = work / "document.docx"
            source.write_bytes(docx)
            outdir = work / "pdf"
            outdir.mkdir()
            cmd = [
                soffice,
                "--headless",
                "--invisible",
                "--nologo",
                "--nodefault",
                "--norestore",
                "--nolockcheck",
                "--nofirststartwizard",
                f"-env:UserInstallation={(work / 'profile').as_uri()}",
                "--convert-to",
                "pdf:writer_pdf_Export",
                "--outdir",
                str(outdir),
                str(source),
            ]
            env = _child_env()
            env["HOME"] = str(work)
            try:
                proc = subprocess.Popen(
                    cmd,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    env=env,
                    cwd=str(work),
                    start_new_session=os.name == "posix",
                )
            except OSError as exc:
                raise ConverterUnavailable(f"Impossible de lancer LibreOffice (soffice) : {exc}") from exc
            try:
                out, err = proc.communicate(timeout=self.timeout)
            except subprocess.TimeoutExpired:
                if os.name == "posix":
                    with contextlib.suppress(OSError):
                        os.killpg(proc.pid, signal.SIGKILL)  # our own session, not yet reaped
                proc.kill()
                proc.communicate()
                _kill_marked(str(work))
                raise ConversionError(
                    f"LibreOffice (soffice) n'a pas converti le document dans le délai de {self.timeout:.0f} s."
                ) from None
            _kill_marked(str(work), timeout=1.0)
            result = outdir / "document.pdf"
            if proc.returncode != 0 or not result.exists():
                detail = _tail((err or b"").decode(errors="replace") + " " + (out or b"").decode(errors="replace"))
                raise ConversionError(
                    f"LibreOffice (soffice) n'a produit aucun PDF (code {proc.returncode}). {detail}".strip()
                )
            return check_pdf(result.read_bytes(), self.name)

    def close(self) -> None:
        pass


# --- docx2pdf (Microsoft Word) ----------------------------------------------------------------------------


def word_installed() -> bool:
    system = platform.system()
    if system == "Darwin":
        return Path("/Applications/Microsoft Word.app").exists()
    if system == "Windows":
        try:
            import winreg

            with winreg.OpenKey(winreg.HKEY_CLASSES_ROOT, r"Word.Application\CLSID"):
                return True
        except OSError:
            return False
    return False


class Docx2PdfConverter:
    """Microsoft Word through docx2pdf, where Word exists (Windows, macOS); imported lazily."""

    name = "docx2pdf"
    _word_lock = threading.Lock()  # Word automation is not reentrant

    def unavailable_reason(self) -> str:
        if platform.system() not in ("Windows", "Darwin"):
            return "docx2pdf nécessite Microsoft Word, disponible seulement sous Windows ou macOS"
        if importlib.util.find_spec("docx2pdf") is None:
            return "le paquet Python docx2pdf n'est pas installé"
        if not word_installed():
            return "Microsoft Word est introuvable"
        return ""

    def available(self) -> bool:
        return not self.unavailable_reason()

    def convert(self, docx: bytes) -> bytes:
        reason = self.unavailable_reason()
        if reason:
            raise ConverterUnavailable(f"Le convertisseur docx2pdf est indisponible : {reason}.")
        import docx2pdf  # noqa: PLC0415 - only where Word exists

        with self._word_lock, tempfile.TemporaryDirectory(prefix="portail-docx2pdf-") as tmp:
            source, target = Path(tmp) / "document.docx", Path(tmp) / "document.pdf"
            source.write_bytes(docx)
            com = None
            if platform.system() == "Windows":
                with contextlib.suppress(ImportError):
                    import pythoncom  # noqa: PLC0415

                    pythoncom.CoInitialize()
                    com = pythoncom
            try:
                docx2pdf.convert(str(source), str(target))
            except Exception as exc:  # noqa: BLE001 - Word automation raises anything
                raise ConversionError(f"Microsoft Word n'a pas pu convertir le document en PDF : {exc}") from exc
            finally:
                if com is not None:
                    com.CoUninitialize()
            if not target.exists():
                raise ConversionError("Microsoft Word n'a produit aucun PDF.")
            return check_pdf(target.read_bytes(), self.name)

    def close(self) -> None:
        pass


# --- auto -------------------------------------------------------------------------------------------------


class AutoConverter:
    """The first available converter; the next one when a converter cannot run."""

    name = "auto"

    def __init__(self, candidates: list[Converter] | None = None):
        self.candidates = candidates or [
            UnoserverConverter.from_settings(),
            SofficeConverter.from_settings(),
            Docx2PdfConverter(),
        ]

    def unavailable_reason(self) -> str:
        if any(c.available() for c in self.candidates):
            return ""
        return "; ".join(f"{c.name} : {c.unavailable_reason()}" for c in self.candidates)

    def available(self) -> bool:
        return not self.unavailable_reason()

    def start(self) -> None:
        for candidate in self.candidates:
            if candidate.available():
                with contextlib.suppress(ConverterUnavailable):
                    if hasattr(candidate, "start"):
                        candidate.start()
                    return

    def convert(self, docx: bytes) -> bytes:
        reasons = []
        for candidate in self.candidates:
            if not candidate.available():
                reasons.append(f"{candidate.name} : {candidate.unavailable_reason()}")
                continue
            try:
                return candidate.convert(docx)
            except ConverterUnavailable as exc:
                logger.warning("Convertisseur %s indisponible, essai du suivant : %s", candidate.name, exc)
                reasons.append(f"{candidate.name} : {exc}")
        raise ConverterUnavailable(f"{NO_CONVERTER_HINT} Détail : " + " ; ".join(reasons) + ".")

    def close(self) -> None:
        for candidate in self.candidates:
            candidate.close()


# --- The default converter of the process -----------------------------------------------------------------

_default_lock = threading.Lock()
_default: tuple[str, Converter] | None = None
_override: Converter | None = None


def build_converter(choice: str) -> Converter:
    choice = (choice or "auto").strip().lower()
    if choice == "auto":
        return AutoConverter()
    if choice == "unoserver":
        return UnoserverConverter.from_settings()
    if choice == "soffice":
        return SofficeConverter.from_settings()
    if choice == "docx2pdf":
        return Docx2PdfConverter()
    raise ConversionError(
        f"Réglage PORTAIL_PDF_CONVERTER inconnu : « {choice} » (valeurs possibles : {', '.join(CHOICES)})."
    )


def get_converter() -> Converter:
    """The converter of ``PORTAIL_PDF_CONVERTER`` (built once per process and per setting value)."""
    global _default
    if _override is not None:
        return _override
    choice = str(_setting("PORTAIL_PDF_CONVERTER", "auto") or "auto").strip().lower()
    with _default_lock:
        if _default is None or _default[0] != choice:
            previous = _default
            _default = (choice, build_converter(choice))
            if previous is not None:
                previous[1].close()
        return _default[1]


def set_default_converter(converter: Converter | None) -> Converter | None:
    """Use ``converter`` instead of the settings' one (tests, benchmarks); returns the previous override."""
    global _override
    previous, _override = _override, converter
    return previous


def warm_up() -> Converter:
    """Start the PDF converter now (e.g. when a worker boots) rather than at the first document."""
    converter = get_converter()
    if hasattr(converter, "start"):
        converter.start()
    return converter


def shutdown() -> None:
    """Stop every listener started by this process (also run at interpreter exit)."""
    for instance in list(_instances):
        with contextlib.suppress(Exception):
            instance.close()


atexit.register(shutdown)


def listener_soffice_pids() -> list[int]:
    """The LibreOffice (soffice.bin) pids of the listeners started by this process — to watch or to kill
    them in a bench by their id, never by name (other processes of the machine have their own)."""
    return sorted({pid for instance in list(_instances) for pid in instance.soffice_pids()})


def convert_docx_to_pdf(docx: bytes, *, converter: Converter | None = None) -> bytes:
    return (converter or get_converter()).convert(docx)


__all__ = [
    "AutoConverter",
    "Converter",
    "Docx2PdfConverter",
    "SofficeConverter",
    "UnoserverConverter",
    "build_converter",
    "check_pdf",
    "convert_docx_to_pdf",
    "find_soffice",
    "find_uno_python",
    "get_converter",
    "listener_soffice_pids",
    "processes_with_marker",
    "set_default_converter",
    "shutdown",
    "warm_up",
]

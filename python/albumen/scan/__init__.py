"""Finding and probing files (``ParallelScanner``), bringing a store up to date with its folder
(``scan_library``), and Live Photo pairing."""

from __future__ import annotations

from albumen.scan.incremental import ScanReport, scan_library
from albumen.scan.scanner import LIBRARY_DIRNAME, ParallelScanner, ScanResult

__all__ = ["LIBRARY_DIRNAME", "ParallelScanner", "ScanReport", "ScanResult", "scan_library"]

"""The status bar: what the album holds and what is selected, a running scan's progress, and
the hit rate of each thumbnail tier (the plan's cache monitoring, where a user sees it)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar, QWidget

from albumen.thumbnails.service import ThumbnailService

__all__ = ["StatusBar", "tier_summary"]


def tier_summary(stats: dict[str, Any]) -> str:
    """``L1 memory 91% · L2 disk 8% · L3 made 1%`` from ``ThumbnailService.stats()``: the
    share of the gallery's lookups each tier answered (L3: made from the original)."""
    rates = stats.get("hit_rate", {})
    lookups = int(stats.get("lookups", 0))
    if not lookups:
        return "thumbnails: no lookups yet"
    return (
        f"L1 memory {rates.get('memory', 0.0):.0%} · L2 disk {rates.get('disk', 0.0):.0%} · "
        f"L3 made {rates.get('miss', 0.0):.0%} of {lookups:,}"
    )


class StatusBar(QStatusBar):
    """Album and selection counts, scan progress, and thumbnail tier hit rates (refreshed
    every second)."""

    def __init__(self, service: ThumbnailService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.album_label = QLabel()
        self.scan_label = QLabel()
        self.scan_bar = QProgressBar()
        self.scan_bar.setMaximumWidth(180)
        self.scan_bar.setTextVisible(False)
        self.tiers_label = QLabel()
        self.tiers_label.setObjectName("tierHitRates")
        self.addWidget(self.album_label, 1)
        self.addPermanentWidget(self.scan_label)
        self.addPermanentWidget(self.scan_bar)
        self.addPermanentWidget(self.tiers_label)
        self.scan_bar.hide()
        self.scan_label.hide()
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self.update_tiers)
        self._timer.start()
        self.update_tiers()

    def set_album(self, title: str, count: int, selected: int) -> None:
        text = f"{title}: {count:,} item{'s' if count != 1 else ''}"
        if selected:
            text += f" · {selected:,} selected"
        self.album_label.setText(text)

    def scan_started(self) -> None:
        self.scan_label.setText("Scanning…")
        self.scan_label.show()
        self.scan_bar.setRange(0, 0)
        self.scan_bar.show()

    def scan_progress(self, processed: int, total: int) -> None:
        self.scan_label.setText(f"Scanning: {processed:,} of {total:,} files")
        self.scan_label.show()
        self.scan_bar.show()
        if total > 0:
            self.scan_bar.setRange(0, total)
            self.scan_bar.setValue(processed)

    def scan_finished(self, summary: str) -> None:
        self.scan_bar.hide()
        self.scan_label.setText(summary)
        self.scan_label.show()

    def update_tiers(self) -> None:
        self.tiers_label.setText(tier_summary(self.service.stats()))

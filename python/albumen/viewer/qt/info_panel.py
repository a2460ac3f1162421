"""The info panel: what the index knows about the asset in view: file, size, capture time with
its UTC offset, camera, lens, exposure, GPS, video duration and codec, Live Photo partner, and
the error of a file that could not be read."""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QLabel, QWidget

__all__ = ["InfoPanel", "describe"]


def _size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"


def _offset(minutes: int) -> str:
    sign = "+" if minutes >= 0 else "-"
    h, m = divmod(abs(minutes), 60)
    return f"UTC{sign}{h:02d}:{m:02d}"


def _exposure(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:g} s"
    return f"1/{round(1 / seconds)} s" if seconds > 0 else ""


def describe(record: dict[str, Any], partner: str | None = None) -> list[tuple[str, str]]:
    """``(field, text)`` rows for a stored record (``AssetStore.get``): only what is known."""
    rows: list[tuple[str, str]] = []
    path = os.fsdecode(record["path"])
    rows.append(("File", path.rpartition("/")[2]))
    rows.append(("Folder", path.rpartition("/")[0] or "/"))
    rows.append(("Kind", f"{record.get('kind', '')} ({record.get('mime', '')})"))
    w, h = record.get("display_width"), record.get("display_height")
    if w and h:
        rows.append(("Size", f"{w} x {h} ({w * h / 1e6:.1f} MP) · {_size(record.get('size', 0))}"))
    else:
        rows.append(("Size", _size(record.get("size", 0))))
    if record.get("captured_at"):
        text = str(record["captured_at"]).replace("T", " ")
        offset = record.get("captured_offset")
        text += f" ({_offset(offset)})" if offset is not None else " (local time, no zone)"
        source = record.get("captured_at_source")
        if source:
            text += f"\nfrom {source}"
        rows.append(("Captured", text))
    camera = " ".join(x for x in (record.get("make"), record.get("model")) if x)
    if camera:
        rows.append(("Camera", camera))
    if record.get("lens"):
        rows.append(("Lens", str(record["lens"])))
    exposure = []
    if record.get("exposure_time"):
        exposure.append(_exposure(float(record["exposure_time"])))
    if record.get("f_number"):
        exposure.append(f"f/{float(record['f_number']):g}")
    if record.get("iso"):
        exposure.append(f"ISO {record['iso']}")
    if record.get("focal_length"):
        exposure.append(f"{float(record['focal_length']):g} mm")
    if exposure:
        rows.append(("Exposure", " · ".join(x for x in exposure if x)))
    if record.get("gps_lat") is not None and record.get("gps_lon") is not None:
        text = f"{float(record['gps_lat']):.5f}, {float(record['gps_lon']):.5f}"
        if record.get("gps_alt") is not None:
            text += f" · {float(record['gps_alt']):.0f} m"
        rows.append(("GPS", text))
    if record.get("duration") is not None:
        video = f"{float(record['duration']):.1f} s"
        if record.get("codec"):
            video += f" · {record['codec']}"
        if record.get("frame_rate"):
            video += f" · {float(record['frame_rate']):g} fps"
        rows.append(("Video", video))
    if partner:
        rows.append(("Live Photo", f"motion: {partner}"))
    if record.get("error"):
        rows.append(("Error", str(record["error"])))
    return rows


class InfoPanel(QWidget):
    """A form of ``describe`` rows; ``show_record(None)`` empties it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.form = QFormLayout(self)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        self.setMinimumWidth(260)
        self.rows: list[tuple[str, str]] = []
        self.show_record(None)

    def show_record(self, record: dict[str, Any] | None, partner: str | None = None) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.rows = describe(record, partner) if record is not None else []
        if not self.rows:
            self.form.addRow(QLabel("Nothing selected"))
            return
        for name, text in self.rows:
            value = QLabel(text)
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            if name == "Error":
                value.setStyleSheet("color: #ff8080;")
            self.form.addRow(f"{name}:", value)

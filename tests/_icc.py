"""Matrix/TRC ICC profiles built by hand (Display P3, Adobe RGB), and the colour maths to check
a conversion to sRGB independently of LittleCMS.

Pillow's ImageCms only creates sRGB, LAB and XYZ profiles, so the RGB profiles here are
written field by field (ICC.1:2001 v2 layout: header, tag table, ``desc``, ``wtpt``,
``r/g/bXYZ`` colorants adapted to D50 with Bradford, ``r/g/bTRC`` curves) and then loaded with
``ImageCms.ImageCmsProfile`` to prove they parse.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

Matrix = list[list[float]]

D65 = (0.3127, 0.3290)
D50_XYZ = (0.9642, 1.0, 0.8249)
SRGB_PRIMARIES = ((0.640, 0.330), (0.300, 0.600), (0.150, 0.060))
P3_PRIMARIES = ((0.680, 0.320), (0.265, 0.690), (0.150, 0.060))
ADOBE_PRIMARIES = ((0.640, 0.330), (0.210, 0.710), (0.150, 0.060))
ADOBE_GAMMA = 563 / 256

_BRADFORD = [
    [0.8951, 0.2664, -0.1614],
    [-0.7502, 1.7135, 0.0367],
    [0.0389, -0.0685, 1.0296],
]


def _mul(a: Matrix, b: Matrix) -> Matrix:
    return [[sum(a[i][k] * b[k][j] for k in range(3)) for j in range(3)] for i in range(3)]


def _apply(m: Matrix, v: Sequence[float]) -> list[float]:
    return [sum(m[i][k] * v[k] for k in range(3)) for i in range(3)]


def _inverse(m: Matrix) -> Matrix:
    (a, b, c), (d, e, f), (g, h, i) = m
    det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g)
    return [
        [(e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det],
        [(f * g - d * i) / det, (a * i - c * g) / det, (c * d - a * f) / det],
        [(d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det],
    ]


def _xyz(xy: tuple[float, float]) -> list[float]:
    x, y = xy
    return [x / y, 1.0, (1 - x - y) / y]


def rgb_to_xyz(primaries: Sequence[tuple[float, float]], white: tuple[float, float]) -> Matrix:
    """Linear RGB -> XYZ (white Y = 1) for these primaries and white point."""
    cols = [_xyz(p) for p in primaries]
    m = [[cols[j][i] for j in range(3)] for i in range(3)]
    s = _apply(_inverse(m), _xyz(white))
    return [[m[i][j] * s[j] for j in range(3)] for i in range(3)]


def _to_d50(m: Matrix, white: tuple[float, float]) -> Matrix:
    src = _apply(_BRADFORD, _xyz(white))
    dst = _apply(_BRADFORD, D50_XYZ)
    scale = [[dst[i] / src[i] if i == j else 0.0 for j in range(3)] for i in range(3)]
    adapt = _mul(_inverse(_BRADFORD), _mul(scale, _BRADFORD))
    return _mul(adapt, m)


def _s15(v: float) -> bytes:
    return struct.pack(">i", round(v * 65536))


def _xyz_tag(v: Sequence[float]) -> bytes:
    return b"XYZ \0\0\0\0" + b"".join(_s15(c) for c in v)


def _desc(text: str) -> bytes:
    ascii_ = text.encode("ascii") + b"\0"
    return (
        b"desc\0\0\0\0"
        + struct.pack(">I", len(ascii_))
        + ascii_
        + struct.pack(">II", 0, 0)  # no Unicode description
        + struct.pack(">HB", 0, 0)
        + b"\0" * 67  # no ScriptCode description
    )


def _srgb_curve() -> bytes:
    # parametric type 3: the sRGB transfer function
    g, a, b, c, d = 2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045
    return b"para\0\0\0\0" + struct.pack(">HH", 3, 0) + b"".join(_s15(v) for v in (g, a, b, c, d))


def _gamma_curve(gamma: float) -> bytes:
    return b"curv\0\0\0\0" + struct.pack(">IH", 1, round(gamma * 256)) + b"\0\0"


def rgb_profile(
    description: str, primaries: Sequence[tuple[float, float]], gamma: float | None = None
) -> bytes:
    """An ICC v2 display profile: these primaries, D65 white, the sRGB transfer curve (or a
    pure ``gamma``)."""
    m = _to_d50(rgb_to_xyz(primaries, D65), D65)
    curve = _srgb_curve() if gamma is None else _gamma_curve(gamma)
    tags: list[tuple[bytes, bytes]] = [
        (b"desc", _desc(description)),
        (b"cprt", b"text\0\0\0\0" + b"No copyright, test profile\0"),
        (b"wtpt", _xyz_tag(D50_XYZ)),
        (b"rXYZ", _xyz_tag([m[i][0] for i in range(3)])),
        (b"gXYZ", _xyz_tag([m[i][1] for i in range(3)])),
        (b"bXYZ", _xyz_tag([m[i][2] for i in range(3)])),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
    ]
    table_len = 4 + 12 * len(tags)
    offset = 128 + table_len
    table = struct.pack(">I", len(tags))
    data = b""
    for sig, body in tags:
        while (offset + len(data)) % 4:
            data += b"\0"
        table += sig + struct.pack(">II", offset + len(data), len(body))
        data += body
    size = 128 + table_len + len(data)
    header = (
        struct.pack(">I", size)
        + b"\0\0\0\0"
        + struct.pack(">I", 0x02100000)
        + b"mntrRGB XYZ "
        + struct.pack(">6H", 2024, 1, 1, 0, 0, 0)
        + b"acsp"
        + b"\0" * 24
        + b"\0" * 8  # attributes
        + struct.pack(">I", 0)  # perceptual intent
        + b"".join(_s15(c) for c in D50_XYZ)
        + b"\0" * 4
    ).ljust(128, b"\0")
    return header + table + data


def display_p3() -> bytes:
    return rgb_profile("Display P3 (test)", P3_PRIMARIES)


def adobe_rgb() -> bytes:
    return rgb_profile("Adobe RGB (1998) (test)", ADOBE_PRIMARIES, ADOBE_GAMMA)


def _srgb_decode(v: float) -> float:
    return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4


def _srgb_encode(v: float) -> float:
    v = min(1.0, max(0.0, v))
    return v * 12.92 if v <= 0.0031308 else 1.055 * v ** (1 / 2.4) - 0.055


def to_srgb(
    rgb: Sequence[int], primaries: Sequence[tuple[float, float]], gamma: float | None = None
) -> tuple[int, int, int]:
    """What an 8-bit pixel in that space is in sRGB (relative colorimetric, clipped)."""
    lin = [(c / 255) ** gamma if gamma else _srgb_decode(c / 255) for c in rgb]
    xyz = _apply(rgb_to_xyz(primaries, D65), lin)
    out = _apply(_inverse(rgb_to_xyz(SRGB_PRIMARIES, D65)), xyz)
    r, g, b = (round(_srgb_encode(c) * 255) for c in out)
    return r, g, b


def lab_to_srgb(lab: tuple[float, float, float]) -> tuple[int, int, int]:
    """sRGB of a CIELAB (D50) colour: LAB -> XYZ (D50) -> Bradford to D65 -> sRGB."""
    lstar, a, b = lab
    fy = (lstar + 16) / 116
    fx, fz = fy + a / 500, fy - b / 200

    def finv(t: float) -> float:
        return t**3 if t > 6 / 29 else 3 * (6 / 29) ** 2 * (t - 4 / 29)

    xyz50 = [D50_XYZ[0] * finv(fx), D50_XYZ[1] * finv(fy), D50_XYZ[2] * finv(fz)]
    src = _apply(_BRADFORD, D50_XYZ)
    dst = _apply(_BRADFORD, _xyz(D65))
    scale = [[dst[i] / src[i] if i == j else 0.0 for j in range(3)] for i in range(3)]
    xyz65 = _apply(_mul(_inverse(_BRADFORD), _mul(scale, _BRADFORD)), xyz50)
    lin = _apply(_inverse(rgb_to_xyz(SRGB_PRIMARIES, D65)), xyz65)
    r, g, b_ = (round(_srgb_encode(c) * 255) for c in lin)
    return r, g, b_

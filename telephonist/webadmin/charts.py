"""Small server-side SVG line charts (no JavaScript, prints and exports as it is)."""
from __future__ import annotations

from markupsafe import Markup, escape

COLOURS = {"total": "#2f5d8a", "answered": "#2e8b57", "missed": "#d08c00", "abandoned": "#c0392b"}


def line_chart(labels: list[str], series: dict[str, list[int]], names: dict[str, str],
               width: int = 900, height: int = 280) -> Markup:
    left, right, top, bottom = 44, 12, 14, 48
    pw, ph = width - left - right, height - top - bottom
    peak = max([1] + [max(v) if v else 0 for v in series.values()])
    step = _nice_step(peak)
    ymax = step * -(-peak // step)
    n = max(1, len(labels) - 1)

    def xy(i: int, v: int) -> tuple[float, float]:
        return left + pw * i / n, top + ph * (1 - v / ymax)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
             f'role="img" width="100%">']
    for y in range(0, ymax + 1, step):
        _, py = xy(0, y)
        parts.append(f'<line x1="{left}" y1="{py:.1f}" x2="{width - right}" y2="{py:.1f}" class="grid"/>'
                     f'<text x="{left - 6}" y="{py + 4:.1f}" text-anchor="end" class="tick">{y}</text>')
    every = max(1, len(labels) // 12)
    for i, lab in enumerate(labels):
        if i % every == 0:
            px, _ = xy(i, 0)
            short = lab if len(lab) == 7 else lab[-5:]      # month as is; MM-DD; HH:00
            parts.append(f'<text x="{px:.1f}" y="{height - bottom + 16}" text-anchor="middle" '
                         f'class="tick">{escape(short)}</text>')
    for k, (name, values) in enumerate(series.items()):
        colour = COLOURS.get(name, "#555")
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(i, v) for i, v in enumerate(values)))
        wide = 'stroke-width="5" stroke-opacity="0.35"' if name == "total" else 'stroke-width="2"'   # total shows under the others
        parts.append(f'<polyline fill="none" stroke="{colour}" {wide} points="{pts}">'
                     f'<title>{escape(names.get(name, name))}</title></polyline>')
        lx = left + k * 130
        parts.append(f'<rect x="{lx}" y="{height - 18}" width="12" height="12" fill="{colour}"/>'
                     f'<text x="{lx + 16}" y="{height - 8}" class="legend">{escape(names.get(name, name))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _nice_step(peak: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if peak / step <= 6:
            return step
    return 10 ** len(str(peak))

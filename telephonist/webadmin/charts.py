"""Small server-side SVG charts (no JavaScript, prints and exports as it is): lines over time, and
stacked horizontal bars (survey answers by agent)."""
from __future__ import annotations

from markupsafe import Markup, escape

COLOURS = {"total": "#2f5d8a", "answered": "#2e8b57", "missed": "#d08c00", "abandoned": "#c0392b",
           "satisfied": "#2e8b57", "neutral": "#9aa5b1", "dissatisfied": "#d08c00", "complaint": "#c0392b",
           "inbound ok": "#2f5d8a", "inbound failed": "#c0392b", "outbound ok": "#2e8b57", "outbound failed": "#d08c00"}
PALETTE = ("#2f5d8a", "#2e8b57", "#d08c00", "#c0392b", "#8e44ad", "#16a085", "#7f8c8d", "#d35400", "#2c3e50",
           "#27ae60", "#e84393", "#0984e3")
LEGEND_W = 150


def colour(name: str, k: int) -> str:
    return COLOURS.get(name) or PALETTE[k % len(PALETTE)]


def _legend(names: list[str], labels: dict[str, str], width: int, left: int, y0: int) -> list[str]:
    per_row = max(1, (width - left) // LEGEND_W)
    out = []
    for k, name in enumerate(names):
        lx, ly = left + (k % per_row) * LEGEND_W, y0 + (k // per_row) * 18
        out.append(f'<rect x="{lx}" y="{ly}" width="12" height="12" fill="{colour(name, k)}"/>'
                   f'<text x="{lx + 16}" y="{ly + 10}" class="legend">{escape(labels.get(name, name))}</text>')
    return out


def _legend_rows(n: int, width: int, left: int) -> int:
    return -(-n // max(1, (width - left) // LEGEND_W))


def line_chart(labels: list[str], series: dict[str, list[int]], names: dict[str, str],
               width: int = 900, height: int = 280) -> Markup:
    legend_h = 18 * max(1, _legend_rows(len(series), width, 44))
    left, right, top, bottom = 44, 12, 14, 30 + legend_h
    height += legend_h - 18
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
            parts.append(f'<text x="{px:.1f}" y="{top + ph + 16}" text-anchor="middle" '
                         f'class="tick">{escape(short)}</text>')
    for k, (name, values) in enumerate(series.items()):
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(i, v) for i, v in enumerate(values)))
        wide = 'stroke-width="5" stroke-opacity="0.35"' if name == "total" else 'stroke-width="2"'   # total shows under the others
        parts.append(f'<polyline fill="none" stroke="{colour(name, k)}" {wide} points="{pts}">'
                     f'<title>{escape(names.get(name, name))}</title></polyline>')
    parts += _legend(list(series), names, width, left, height - legend_h)
    parts.append("</svg>")
    return Markup("".join(parts))


def stacked_bars(labels: list[str], series: dict[str, list[int]], names: dict[str, str], width: int = 900) -> Markup:
    """One horizontal bar a label, split by series (e.g. an agent's answers), scaled to the longest bar."""
    bar, gap, left, right, top = 18, 8, 110, 40, 8
    legend_h = 18 * max(1, _legend_rows(len(series), width, left))
    height = top + len(labels) * (bar + gap) + 10 + legend_h
    totals = [sum(v[i] for v in series.values()) for i in range(len(labels))]
    peak = max([1] + totals)
    pw = width - left - right
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
             f'role="img" width="100%">']
    for i, lab in enumerate(labels):
        y = top + i * (bar + gap)
        parts.append(f'<text x="{left - 8}" y="{y + 13}" text-anchor="end" class="tick">{escape(lab)}</text>')
        x = float(left)
        for k, (name, values) in enumerate(series.items()):
            w = pw * values[i] / peak
            if w > 0:
                parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar}" fill="{colour(name, k)}">'
                             f'<title>{escape(names.get(name, name))}: {values[i]}</title></rect>')
            x += w
        parts.append(f'<text x="{x + 4:.1f}" y="{y + 13}" class="tick">{totals[i]}</text>')
    parts += _legend(list(series), names, width, left, height - legend_h)
    parts.append("</svg>")
    return Markup("".join(parts))


def _nice_step(peak: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if peak / step <= 6:
            return step
    return 10 ** len(str(peak))

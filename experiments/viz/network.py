"""The organisation drawn as a network: staff by desk, hand-off routes, a sample of customers."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from experiments.viz.style import (
    DESK_TITLES,
    FONT,
    GOODWILL_CMAP,
    ROLE_STYLE,
    SEGMENT_SIZE,
    SEGMENT_STYLE,
    WEEKDAYS,
)
from experiments.viz.vizmodel import HANDOFF_WINDOW_DAYS, VizModel

NODE_GAP = 0.42  # distance between neighbouring staff dots (data units; the axes are equal)
HEADER = 0.62  # room for a desk's two-line title inside its box
COLUMN_GAP = 1.9  # free space between columns, for the hand-off arrows


def _desk_column(model: VizModel, name: str) -> int:
    """Column of a desk: its escalation level; a desk behind the front line that exchanges
    tickets only with desks of a higher level (specialists in owned designs) joins its lowest
    such neighbour's column."""
    g = model.org_graph
    level = int(g.nodes[name].get("level", 1))
    around = {int(g.nodes[n].get("level", 1)) for n in (*g.predecessors(name), *g.successors(name))}
    if level > 1 and around and min(around) > level:
        return min(around)
    return level


def _desk_boxes(model: VizModel, x_start: float) -> dict[str, tuple]:
    """Desk name -> (x0, y0, width, height, columns of the member grid); desks stacked per
    column, columns left to right by escalation level, all vertically centred on 0."""
    by_col: dict[int, list[str]] = {}
    for name in model.desks:
        by_col.setdefault(_desk_column(model, name), []).append(name)
    boxes, x = {}, x_start
    g = model.org_graph
    for col in sorted(by_col):
        sizes = []
        for name in by_col[col]:
            n = max(len(model.desks[name].members), 1)
            cols = min(n, 6) if n <= 6 else max(3, min(6, math.ceil(math.sqrt(n * 1.5))))
            rows = math.ceil(n / cols)
            sizes.append((max(cols * NODE_GAP + 0.2, 1.9), rows * NODE_GAP + 0.2 + HEADER, cols))
        width = max(w for w, _, _ in sizes)
        names = by_col[col]
        # room for arrows only between stacked desks that exchange tickets
        gaps = [1.1 if g.has_edge(a, b) or g.has_edge(b, a) else 0.35
                for a, b in zip(names, names[1:], strict=False)]
        y = (sum(h for _, h, _ in sizes) + sum(gaps)) / 2
        for k, (name, (w, h, cols)) in enumerate(zip(names, sizes, strict=True)):
            boxes[name] = (x + (width - w) / 2, y - h, w, h, cols)
            y -= h + (gaps[k] if k < len(gaps) else 0)
        x += width + COLUMN_GAP
    return boxes


def _staff_positions(model: VizModel, boxes) -> dict:
    pos = {}
    for name, desk in model.desks.items():
        x0, y0, w, h, cols = boxes[name]
        n = len(desk.members)
        for k, person in enumerate(sorted(desk.members, key=lambda p: p.unique_id)):
            r, c = divmod(k, cols)
            in_row = min(cols, n - r * cols)
            left = x0 + (w - in_row * NODE_GAP) / 2
            pos[person] = (left + NODE_GAP * (c + 0.5), y0 + h - HEADER - NODE_GAP * (r + 0.5))
    return pos


def _customer_positions(model: VizModel, top: float, bottom: float) -> dict:
    n = len(model.sample)
    cols = max(1, math.ceil(n / 20))
    rows = math.ceil(n / cols) if n else 1
    gap = min(NODE_GAP * 0.85, (top - bottom) / max(rows - 1, 1))
    y_top = (top + bottom) / 2 + (rows - 1) * gap / 2
    return {c: (0.45 * ((k % cols) - (cols - 1) / 2), y_top - gap * (k // cols))
            for k, c in enumerate(model.sample)}


def _box_exit(box, towards) -> tuple[float, float]:
    """Where the line from the box centre towards ``towards`` leaves the box."""
    x0, y0, w, h, _ = box
    cx, cy = x0 + w / 2, y0 + h / 2
    dx, dy = towards[0] - cx, towards[1] - cy
    scale = min((w / 2 + 0.08) / abs(dx) if dx else math.inf,
                (h / 2 + 0.08) / abs(dy) if dy else math.inf)
    return cx + dx * scale, cy + dy * scale


ARC = 0.2  # curvature of the hand-off arrows (matplotlib's arc3 rad)


def _arc_point(start, end, t: float) -> tuple[float, float]:
    """Point ``t`` in [0, 1] along an arc3 arrow (a quadratic Bezier curve)."""
    (x1, y1), (x2, y2) = start, end
    cx, cy = (x1 + x2) / 2 + ARC * (y2 - y1), (y1 + y2) / 2 - ARC * (x2 - x1)
    u = 1 - t
    return u * u * x1 + 2 * u * t * cx + t * t * x2, u * u * y1 + 2 * u * t * cy + t * t * y2


def _label_spot(start, end, boxes, ends, placed: list) -> tuple[float, float]:
    """Where an arrow's count goes: its middle (beside it if the arrow is short), else the
    first spot along it that is off other desks and away from the labels ``placed`` so far."""
    others = [b for name, b in boxes.items() if name not in ends]

    def free(p):
        return (not any(x0 <= p[0] <= x0 + w and y0 <= p[1] <= y0 + h
                        for x0, y0, w, h, _ in others)
                and all(math.hypot(p[0] - q[0], p[1] - q[1]) > 0.45 for q in placed))

    dx, dy = end[0] - start[0], end[1] - start[1]
    off = max(ARC / 2, 0.3 / max(math.hypot(dx, dy), 1e-9))
    spots = [((start[0] + end[0]) / 2 + off * dy, (start[1] + end[1]) / 2 - off * dx)]
    spots += [_arc_point(start, end, t) for t in (0.35, 0.65, 0.2, 0.8)]
    spot = next((p for p in spots if free(p)), spots[0])
    placed.append(spot)
    return spot


def _churned(customer) -> bool:
    return getattr(customer, "churned_day", None) is not None


def _fit_equal(ax, xlim, ylim) -> None:
    """Equal data aspect, widening the short side of the limits to the axes' own shape."""
    fig_w, fig_h = ax.figure.get_size_inches()
    box = ax.get_position()
    ratio = (box.width * fig_w) / (box.height * fig_h)
    (x0, x1), (y0, y1) = xlim, ylim
    if (x1 - x0) / (y1 - y0) > ratio:
        pad = ((x1 - x0) / ratio - (y1 - y0)) / 2
        y0, y1 = y0 - pad, y1 + pad
    else:
        pad = ((y1 - y0) * ratio - (x1 - x0)) / 2
        x0, x1 = x0 - pad, x1 + pad
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")


def day_text(model: VizModel) -> str:
    d = model.day
    if d == 0:
        return "Day 0: nothing simulated yet (day 1 is a Monday)"
    return f"Day {d} (week {(d - 1) // 7 + 1}, {WEEKDAYS[(d - 1) % 7]})"


def draw_network(model: VizModel, size=(11.2, 4.8), dpi=100) -> Figure:
    fig = Figure(figsize=size, dpi=dpi)
    ax = fig.add_axes((0.005, 0.01, 0.765, 0.87))
    ax.set_axis_off()
    boxes = _desk_boxes(model, x_start=1.2 + COLUMN_GAP * 0.8)
    pos = _staff_positions(model, boxes)
    top = max(b[1] + b[3] for b in boxes.values())
    bottom = min(b[1] for b in boxes.values())
    cpos = _customer_positions(model, top, bottom)

    # customer links: named owner (owned designs), else the last person who resolved a ticket
    owned = model.cfg.org.design == "generalist"
    segs = []
    for c in model.sample:
        target = c.owner if owned and c.owner is not None else model.last_resolver.get(c.unique_id)
        if target is not None and target in pos:
            segs.append((cpos[c], pos[target]))
    # owned: links end on the owner (drawn over the pod boxes); else they stop at the desk's box
    ax.add_collection(LineCollection(segs, colors="#7F7F7F", linewidths=0.6, alpha=0.5,
                                     zorder=3.5 if owned else 1))

    # hand-off routes between desks, as wide as the hand-offs of the last days
    recent = model.recent_handoffs()
    peak = max(recent.values(), default=1)
    centre = {n: (b[0] + b[2] / 2, b[1] + b[3] / 2) for n, b in boxes.items()}
    placed: list = []
    for a, b in model.org_graph.edges:
        n = recent.get((a, b), 0)
        start, end = _box_exit(boxes[a], centre[b]), _box_exit(boxes[b], centre[a])
        ax.add_patch(FancyArrowPatch(
            start, end, connectionstyle=f"arc3,rad={ARC}", arrowstyle="-|>",
            mutation_scale=10 + 6 * n / peak if n else 10,
            linewidth=0.8 + 5 * n / peak if n else 0.8,
            color="#4D4D4D" if n else "#B3B3B3", linestyle="-" if n else (0, (3, 3)),
            zorder=2, shrinkA=2, shrinkB=2))
        if n:
            lx, ly = _label_spot(start, end, boxes, (a, b), placed)
            ax.text(lx, ly, str(n), fontsize=FONT["tick"], ha="center", va="center", zorder=6,
                    bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "#4D4D4D",
                          "lw": 0.6})

    for name, (x0, y0, w, h, _) in boxes.items():
        desk = model.desks[name]
        ax.add_patch(FancyBboxPatch((x0, y0), w, h, boxstyle="round,pad=0.04,rounding_size=0.12",
                                    fc="#F2F2F2", ec="#8C8C8C", linewidth=1, zorder=3))
        title = DESK_TITLES.get(name, name.replace("pod_", "Pod "))
        ax.text(x0 + w / 2, y0 + h - 0.08, f"{title} ({len(desk.members)})",
                ha="center", va="top", fontsize=FONT["tick"] + 0.5, fontweight="bold", zorder=6)
        ax.text(x0 + w / 2, y0 + h - 0.36, f"{desk.queued} queued", ha="center", va="top",
                fontsize=FONT["tick"], zorder=6, color="#333333")

    # staff by role; area grows with mean proficiency over certified domains
    for role, (colour, _label) in ROLE_STYLE.items():
        people = [p for p in pos if p.role.value == role]
        if people:
            xy = np.array([pos[p] for p in people])
            prof = np.array([p.mean_proficiency() for p in people])
            ax.scatter(xy[:, 0], xy[:, 1], s=15 + 170 * prof ** 2, c=colour,
                       edgecolors="#333333", linewidths=0.6, zorder=4)

    # sampled customers: colour = goodwill where the model has it (else segment), size = segment
    goodwill = np.array([getattr(c, "goodwill", math.nan) for c in model.sample], dtype=float)
    by_goodwill = bool(np.isfinite(goodwill).any())
    gone = np.array([_churned(c) for c in model.sample], dtype=bool)
    if len(model.sample):
        xy = np.array([cpos[c] for c in model.sample])
        size = np.array([SEGMENT_SIZE.get(c.segment, 30) for c in model.sample])
        if by_goodwill:
            colour = GOODWILL_CMAP(np.nan_to_num(goodwill, nan=0.5))
        else:
            colour = [SEGMENT_STYLE.get(c.segment, ("#999999", ""))[0] for c in model.sample]
        stay = ~gone
        ax.scatter(xy[stay, 0], xy[stay, 1], s=size[stay], marker="s",
                   c=np.asarray(colour)[stay], edgecolors="#333333", linewidths=0.5, zorder=4)
        if gone.any():
            ax.scatter(xy[gone, 0], xy[gone, 1], s=size[gone], marker="x", c="#7F7F7F",
                       linewidths=1.2, zorder=4)
    ctop = max((p[1] for p in cpos.values()), default=top)
    active = sum(1 for c in model.customers if getattr(c, "active", True))
    ax.text(0, ctop + 0.3, f"Customers:\n{len(model.sample)} of {active}",
            ha="center", va="bottom", fontsize=FONT["tick"], linespacing=1.1)
    _fit_equal(ax, (-0.9, max(b[0] + b[2] for b in boxes.values()) + 0.2),
               (bottom - 0.25, max(top, ctop + 0.85) + 0.1))

    # legend, right of the drawing
    roles_present = {p.role.value for p in pos}
    handles = [Line2D([], [], marker="o", linestyle="", markersize=10, markerfacecolor=colour,
                      markeredgecolor="#333333", label=label)
               for role, (colour, label) in ROLE_STYLE.items() if role in roles_present]
    segs = [seg for seg in SEGMENT_STYLE if any(c.segment == seg for c in model.sample)]
    handles += [Line2D([], [], marker="s", linestyle="", markeredgecolor="#333333",
                       markersize=math.sqrt(SEGMENT_SIZE[seg]),
                       markerfacecolor="#BDBDBD" if by_goodwill else SEGMENT_STYLE[seg][0],
                       label=SEGMENT_STYLE[seg][1]) for seg in segs]
    if gone.any():
        handles.append(Line2D([], [], marker="x", linestyle="", markersize=7, color="#7F7F7F",
                              label="customer who left"))
    handles += [
        Line2D([], [], color="#7F7F7F", linewidth=1,
               label="customer to named owner" if owned else "customer to last resolver"),
        Line2D([], [], color="#4D4D4D", linewidth=3.5,
               label=f"hand-offs, last {HANDOFF_WINDOW_DAYS} days\n(width and label: count)"),
        Line2D([], [], color="#B3B3B3", linewidth=1, linestyle=(0, (3, 3)),
               label="route, no recent hand-off"),
    ]
    if by_goodwill:
        cax = fig.add_axes((0.79, 0.09, 0.17, 0.03))
        bar = fig.colorbar(ScalarMappable(norm=Normalize(0, 1), cmap=GOODWILL_CMAP), cax=cax,
                           orientation="horizontal")
        bar.set_label("customer goodwill (0-1)", fontsize=FONT["legend"])
        bar.set_ticks([0, 0.5, 1])
        bar.ax.tick_params(labelsize=FONT["legend"] - 1)
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.77, 0.9),
               fontsize=FONT["legend"] + 0.5, frameon=False, labelspacing=0.45,
               title="larger dot = more proficient", title_fontsize=FONT["legend"] + 0.5)
    fig.text(0.01, 0.975, f"Organisation ({model.cfg.org.design}), day {model.day}"
             if model.day else f"Organisation ({model.cfg.org.design}) at the start",
             fontsize=FONT["title"] + 1, fontweight="bold", va="top")
    fig.text(0.01, 0.925, "Staff grouped by desk, escalation level rising to the right; arrows: "
             "hand-off routes between desks.", fontsize=FONT["label"], va="top", color="#333333")
    return fig



def network_alt(model: VizModel) -> str:
    desks = []
    for name, desk in model.desks.items():
        roles: dict[str, int] = {}
        for p in desk.members:
            label = ROLE_STYLE.get(p.role.value, ("", p.role.value))[1]
            roles[label] = roles.get(label, 0) + 1
        who = ", ".join(f"{n} {r}" for r, n in roles.items()) or "nobody"
        desks.append(f"{DESK_TITLES.get(name, name.replace('pod_', 'Pod '))} ({who}; "
                     f"{desk.queued} queued)")
    recent = model.recent_handoffs()
    moves = ", ".join(f"{a} to {b}: {n}" for (a, b), n in sorted(recent.items())) or "none"
    return (f"Organisation ({model.cfg.org.design}), day {model.day}. Desks: "
            f"{'; '.join(desks)}. Hand-offs in the last {HANDOFF_WINDOW_DAYS} days: {moves}. "
            f"{len(model.sample)} of {len(model.customers)} customers drawn.")


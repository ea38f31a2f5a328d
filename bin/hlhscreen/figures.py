"""Figures of the report: the carrier matrix and the gene-level forest plot (matplotlib, Agg).

Each drawing function takes plain values (already formatted text where text is shown), returns the
figure together with what it drew (legend labels, clipped rows) so callers and tests can check it,
and never touches matplotlib's global pyplot state. :func:`render` turns a figure into PNG and SVG
bytes that do not depend on when they were made.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import matplotlib

matplotlib.use("Agg")  # no display: the report is made in batch jobs and containers

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.ticker import FuncFormatter, NullFormatter  # noqa: E402

# ------------------------------------------------------------------ carrier matrix

# Shape and fill carry the state; colour only repeats it (readable in greyscale and by colour-blind
# readers). Colours: Okabe-Ito vermillion and blue, greys.
STATE_ORDER = ("hom_alt", "hemizygous", "het", "not_assessable", "ref")
OPTIONAL_STATES = ("hemizygous",)  # drawn (and in the legend) only when some call has it
STATE_STYLE: Dict[str, Dict[str, object]] = {
    "hom_alt": {"marker": "s", "markersize": 9, "markerfacecolor": "#D55E00", "markeredgecolor": "black",
                "fillstyle": "full", "label": "homozygous alternate (hom_alt)"},
    "hemizygous": {"marker": "D", "markersize": 8, "markerfacecolor": "#CC79A7", "markeredgecolor": "black",
                   "fillstyle": "full", "label": "hemizygous (male, chrX outside the PARs)"},
    "het": {"marker": "o", "markersize": 9, "markerfacecolor": "#0072B2", "markeredgecolor": "black",
            "fillstyle": "left", "markerfacecoloralt": "white", "label": "heterozygous (het)"},
    "not_assessable": {"marker": "x", "markersize": 7, "markerfacecolor": "#555555", "markeredgecolor": "#555555",
                       "fillstyle": "full", "label": "not assessable (no call, low depth or GQ, sex unknown)"},
    "ref": {"marker": ".", "markersize": 4, "markerfacecolor": "#B0B0B0", "markeredgecolor": "#B0B0B0",
            "fillstyle": "full", "label": "reference (not a carrier)"},
}
GROUP_TITLES = {"case": "Cases", "control": "Controls"}
MAX_LABEL = 38
# Names and labels are data, not markup: every text drawn from the inputs is given parse_math=False, or
# a sample called "pt$2$x" would be drawn as "pt2x" and one called "x$\frac$" would crash the report.
#: Above this many samples the columns are narrower than a sample name can be read at: names are left out
#: (the tables of section 3 name every carrier) and the axis title says so.
MAX_NAMED_SAMPLES = 120
#: Above this many cells the markers go into the SVG as one embedded bitmap (text and axes stay vector):
#: 1,000 samples x 300 variants as vector markers would be a ~40 MB SVG inside the HTML.
MAX_VECTOR_CELLS = 20_000
_DEFAULT_MARKER_PT = 9.0
#: Above this many samples a column is under ~2.6 pt (under 4 pixels of the PNG) and a lone carrier's mark is
#: lost: at 5,000 samples a call is one pixel and the matrix a grey haze. The figure then draws, per variant and
#: group, the carriers as a share of the assessable samples (:func:`carrier_summary`) and names no sample; the
#: calls sample by sample are in carriers.tsv and the report's tables.
MAX_MATRIX_SAMPLES = 1000
CARRIER_STATES = ("hom_alt", "hemizygous", "het")  # stacked in this order, left to right
_BAR_HATCH = {"hom_alt": "xxx", "hemizygous": "...", "het": ""}  # the state without colour too


@dataclass(frozen=True)
class MatrixFigure:
    figure: Figure
    legend_labels: Tuple[str, ...]
    markers: Mapping[str, str]          # state -> matplotlib marker drawn for it
    counts: Mapping[str, int]           # state -> number of cells drawn with it
    compact: bool = False               # cells too small for shapes: one coloured square per call
    aggregated: bool = False            # too many samples for a column each: carriers per group (carrier_summary)


def shorten(text: str, limit: int = MAX_LABEL) -> str:
    """Cut a label to ``limit`` characters with an ellipsis (the full text is in the report tables)."""
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _figure(width: float, height: float) -> Figure:
    figure = Figure(figsize=(width, height))
    FigureCanvasAgg(figure)
    return figure


def _empty(message: str) -> Figure:
    figure = _figure(6.0, 1.6)
    ax = figure.add_subplot()
    ax.axis("off")
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=11)
    return figure


def carrier_matrix(samples: Sequence[Tuple[str, str]], variants: Sequence[Tuple[str, str]],
                   states: Mapping[Tuple[str, str], str]) -> MatrixFigure:
    """Kept variants (rows) by samples (columns), cases left of controls, one marker per genotype state.

    ``samples``: ``(sample, group)`` in display order (cases first); ``variants``: ``(variant_id, label)``
    top to bottom; ``states``: ``(sample, variant_id) -> state`` for every pair.
    """
    counts = {state: 0 for state in STATE_ORDER}
    markers = {state: str(STATE_STYLE[state]["marker"]) for state in STATE_ORDER}
    if not samples or not variants:
        figure = _empty("No variant passed the screen: nothing to show.")
        return MatrixFigure(figure, (), markers, counts)

    n_samples, n_variants = len(samples), len(variants)
    width = min(3.2 + (0.26 if n_samples > 20 else 0.36) * n_samples, 40.0)
    height = min(2.4 + 0.3 * n_variants, 40.0)
    figure = _figure(max(width, 6.5), height)
    ax = figure.add_subplot()
    # Once the size caps bind, a cell is smaller than the default marker: shrink the markers (and the row
    # labels) to the cell so neighbours do not overlap into one smear.
    row_pitch = (height - 2.4) * 72 / n_variants
    pitch = min((width - 3.2) * 72 / n_samples, row_pitch)
    scale = min(1.0, 0.85 * pitch / _DEFAULT_MARKER_PT)
    # Below half size (hundreds of samples) shapes and edges are a few pixels and every mark looks like a
    # black dot: draw one edgeless square per call in the state's colour instead, a heat map that stays
    # readable (Okabe-Ito colours, distinct for colour-blind readers; the report's caption says so).
    compact = scale < 0.5
    if compact:
        markers = {state: "s" for state in STATE_ORDER}
    rasterized = n_samples * n_variants > MAX_VECTOR_CELLS

    columns = {sample: x for x, (sample, _) in enumerate(samples)}
    rows = {variant_id: y for y, (variant_id, _) in enumerate(variants)}
    for state in STATE_ORDER:
        xs, ys = [], []
        for (sample, variant_id), value in states.items():
            if value == state and sample in columns and variant_id in rows:
                xs.append(columns[sample])
                ys.append(rows[variant_id])
        counts[state] = len(xs)
        if state in OPTIONAL_STATES and not xs:
            continue  # no male carrier on chrX: no legend entry for a state nobody has
        style = dict(STATE_STYLE[state])
        label = style.pop("label")
        if compact:
            colour = style["markerfacecolor"] if state != "ref" else "#E8E8E8"
            style = {"marker": "s", "markersize": max(1.0, 0.9 * pitch), "markerfacecolor": colour,
                     "markeredgewidth": 0, "fillstyle": "full"}
        else:
            style["markersize"] = max(1.0, float(style["markersize"]) * scale)  # type: ignore[arg-type]
        ax.plot(xs, ys, linestyle="none", label=label, rasterized=rasterized, **style)

    _group_bands(ax, samples, n_variants)
    if n_samples <= MAX_NAMED_SAMPLES:
        ax.set_xticks(range(n_samples))
        ax.set_xticklabels([shorten(sample, 20) for sample, _ in samples], rotation=90, fontsize=8, parse_math=False)
        ax.set_xlabel("Sample")
    else:
        ax.set_xticks([])
        ax.set_xlabel(f"Samples ({n_samples}; too many to name here: the tables of section 3 name every carrier)")
    ax.set_yticks(range(n_variants))
    ax.set_yticklabels([shorten(label) for _, label in variants], fontsize=max(2.0, min(8.0, 0.9 * row_pitch)),
                       parse_math=False)
    ax.set_xlim(-0.6, n_samples - 0.4)
    ax.set_ylim(n_variants - 0.5, -0.5)  # first variant on top
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    legend = ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8,
                       title="Genotype", title_fontsize=9,
                       markerscale=(8.0 / max(1.0, 0.9 * pitch)) if compact else 1 / scale)  # readable key
    labels = tuple(text.get_text() for text in legend.get_texts())
    figure.tight_layout()
    return MatrixFigure(figure, labels, markers, counts, compact)


def carrier_figure(samples: Sequence[Tuple[str, str]], variants: Sequence[Tuple[str, str]],
                   states: Mapping[Tuple[str, str], str]) -> MatrixFigure:
    """The report's carrier figure: the matrix, or above :data:`MAX_MATRIX_SAMPLES` samples the summary."""
    if len(samples) > MAX_MATRIX_SAMPLES and variants:
        return carrier_summary(samples, variants, states)
    return carrier_matrix(samples, variants, states)


def group_state_counts(samples: Sequence[Tuple[str, str]], variants: Sequence[Tuple[str, str]],
                       states: Mapping[Tuple[str, str], str]) -> Dict[str, Dict[str, Dict[str, int]]]:
    """variant_id -> group -> state -> number of samples (every state of STATE_ORDER present, 0 if none)."""
    groups = list(dict.fromkeys(group for _, group in samples))
    group_of = dict(samples)
    counts = {variant_id: {group: {state: 0 for state in STATE_ORDER} for group in groups} for variant_id, _ in variants}
    for (sample, variant_id), state in states.items():
        if variant_id in counts and sample in group_of:
            counts[variant_id][group_of[sample]][state] += 1
    return counts


def carrier_summary(samples: Sequence[Tuple[str, str]], variants: Sequence[Tuple[str, str]],
                    states: Mapping[Tuple[str, str], str]) -> MatrixFigure:
    """Kept variants (rows) by group (one panel each): the share of the group's assessable samples that carry
    the variant, stacked by genotype, with 'carriers/assessable' and the not-assessable count printed."""
    per_variant = group_state_counts(samples, variants, states)
    groups = list(dict.fromkeys(group for _, group in samples))
    totals = {state: sum(c[g][state] for c in per_variant.values() for g in groups) for state in STATE_ORDER}
    markers = {state: "s" for state in STATE_ORDER}
    n_variants = len(variants)
    height = min(2.4 + 0.3 * n_variants, 40.0)
    row_pitch = (height - 2.4) * 72 / n_variants
    figure = _figure(13.0, height)
    axes = figure.subplots(1, len(groups), sharey=True, squeeze=False)[0]

    def share(count: Dict[str, int], state: str) -> float:
        assessable = sum(count.values()) - count["not_assessable"]
        return 100.0 * count[state] / assessable if assessable else 0.0

    widest = max([sum(share(per_variant[v][g], s) for s in CARRIER_STATES) for v, _ in variants for g in groups] + [1.0])
    drawn = [state for state in CARRIER_STATES if totals[state] or state not in OPTIONAL_STATES]
    fontsize = max(2.0, min(8.0, 0.9 * row_pitch))
    for ax, group in zip(axes, groups):
        left = [0.0] * n_variants
        for state in drawn:
            widths = [share(per_variant[v][group], state) for v, _ in variants]
            style = STATE_STYLE[state]
            ax.barh(range(n_variants), widths, left=left, height=0.7, color=style["markerfacecolor"],
                    edgecolor="black", linewidth=0.3, hatch=_BAR_HATCH[state], label=str(style["label"]))
            left = [a + b for a, b in zip(left, widths)]
        for y, (variant_id, _) in enumerate(variants):
            count = per_variant[variant_id][group]
            carriers = sum(count[state] for state in CARRIER_STATES)
            assessable = sum(count.values()) - count["not_assessable"]
            text = f"{carriers}/{assessable}" + (f" ({count['not_assessable']} n.a.)" if count["not_assessable"] else "")
            ax.text(left[y] + widest * 0.02, y, text, va="center", ha="left", fontsize=fontsize * 0.9)
        n_group = sum(1 for _, g in samples if g == group)
        ax.set_title(f"{GROUP_TITLES.get(group, group)} (n={n_group})", fontsize=9, fontweight="bold")
        ax.set_xlim(0, widest * 1.6)
        ax.set_xlabel(f"% of assessable {GROUP_TITLES.get(group, group).lower()} carrying", fontsize=8)
        ax.grid(axis="x", color="#EEEEEE")
        ax.set_axisbelow(True)
        for y in range(n_variants):
            ax.axhline(y, color="#E4E4E4", linewidth=0.5, zorder=0)
    axes[0].set_yticks(range(n_variants))
    axes[0].set_yticklabels([shorten(label) for _, label in variants], fontsize=fontsize, parse_math=False)
    axes[0].set_ylim(n_variants - 0.5, -0.5)
    legend = axes[-1].legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8,
                             title="Genotype (carriers)", title_fontsize=9)
    labels = tuple(text.get_text() for text in legend.get_texts())
    figure.tight_layout()
    return MatrixFigure(figure, labels, markers, totals, compact=False, aggregated=True)


def _group_bands(ax, samples: Sequence[Tuple[str, str]], n_variants: int) -> None:
    """Shade the case columns, draw a line between the groups and name each group above its columns."""
    spans: List[Tuple[str, int, int]] = []
    for x, (_, group) in enumerate(samples):
        if spans and spans[-1][0] == group:
            spans[-1] = (group, spans[-1][1], x)
        else:
            spans.append((group, x, x))
    for group, first, last in spans:
        if group == "case":
            ax.axvspan(first - 0.5, last + 0.5, color="#F2E6D9", zorder=0, linewidth=0)
        title = f"{GROUP_TITLES.get(group, group)}\nn={last - first + 1}"
        ax.text((first + last) / 2, -0.6, title, ha="center", va="bottom", fontsize=8, fontweight="bold",
                linespacing=1.1)
        if first > 0:
            ax.axvline(first - 0.5, color="black", linewidth=1.2)
    for y in range(n_variants):
        ax.axhline(y, color="#E4E4E4", linewidth=0.5, zorder=0)


# ------------------------------------------------------------------ forest plot

AXIS_FLOOR = 1e-3
AXIS_CEILING = 1e3


@dataclass(frozen=True)
class ForestRow:
    label: str
    testable: bool
    odds_ratio: Optional[float] = None
    ci_low: Optional[float] = None
    ci_high: Optional[float] = None
    text: str = ""                      # shown right of the plot, e.g. "2/12 vs 1/32  3.10 (0.142-196)"
    reason: str = ""                    # why not testable
    not_estimable: str = ""             # why the odds ratio has no finite estimate (a zero cell), in words
    single_table: bool = False          # nobody / everybody carries: nothing compared, no interval drawn


@dataclass(frozen=True)
class Clipped:
    """Where one row is drawn on the axis, and which ends leave it."""

    point: Optional[float]      # the estimate's position (clipped to the axis)
    low: float
    high: float
    point_off: str              # "" | "low" | "high": estimate beyond the axis (0, Inf or far out)
    low_open: bool              # interval continues below the axis (to 0 or a tiny value)
    high_open: bool             # interval continues above the axis (to Inf or a huge value)


@dataclass(frozen=True)
class ForestFigure:
    figure: Figure
    limits: Tuple[float, float]
    clipped: Tuple[Tuple[str, Clipped], ...]       # per row with an interval drawn
    not_testable: Tuple[str, ...]
    not_estimable: Tuple[str, ...] = ()            # rows drawn without an estimate (interval only, or nothing)


def _finite_positive(value: Optional[float]) -> bool:
    return value is not None and math.isfinite(value) and value > 0


def axis_limits(rows: Sequence[ForestRow]) -> Tuple[float, float]:
    """Log-axis range: every finite, positive estimate and bound with a margin, rounded out to powers of ten;
    at least 0.01..100, at most 1e-3..1e3."""
    values = [v for row in rows if row.testable and not row.single_table
              for v in ((row.ci_low, row.ci_high) if row.not_estimable else (row.odds_ratio, row.ci_low, row.ci_high))
              if _finite_positive(v)]
    low = min(values + [0.1]) / 1.5
    high = max(values + [10.0]) * 1.5
    low = 10 ** math.floor(math.log10(max(low, AXIS_FLOOR)))
    high = 10 ** math.ceil(math.log10(min(high, AXIS_CEILING)))
    return low, high


def clip_row(row: ForestRow, limits: Tuple[float, float]) -> Clipped:
    """Place a row on the log axis: 0, Inf and values beyond the range go to the edge, marked open."""
    lo_lim, hi_lim = limits

    def place(value: Optional[float], default: float) -> Tuple[float, str]:
        if value is None or math.isnan(value):
            return default, ""
        if value < lo_lim:
            return lo_lim, "low"
        if value > hi_lim:
            return hi_lim, "high"
        return value, ""

    low, low_side = place(row.ci_low, lo_lim)
    high, high_side = place(row.ci_high, hi_lim)
    point: Optional[float]
    if row.odds_ratio is None or math.isnan(row.odds_ratio):
        point, point_off = None, ""
    else:
        point, point_off = place(row.odds_ratio, lo_lim)
    return Clipped(point, low, high, point_off, low_side == "low", high_side == "high")


def gene_forest(rows: Sequence[ForestRow], conf_label: str = "95% CI") -> ForestFigure:
    """Gene-level odds ratios (cases vs controls) with confidence intervals on a log axis, top to bottom."""
    if not rows:
        figure = _empty("No gene-level test: no variant passed the screen.")
        return ForestFigure(figure, (AXIS_FLOOR, AXIS_CEILING), (), ())

    limits = axis_limits(rows)
    n = len(rows)
    figure = _figure(10.0, min(2.4 + 0.42 * n, 40.0))
    ax = figure.add_subplot()
    ax.set_xscale("log")
    ax.set_xlim(limits)
    ax.set_ylim(n - 0.4, -0.9)
    ax.axvline(1.0, color="#777777", linestyle="--", linewidth=1)

    clipped: List[Tuple[str, Clipped]] = []
    not_testable: List[str] = []
    not_estimable: List[str] = []
    middle = math.sqrt(limits[0] * limits[1])
    for y, row in enumerate(rows):
        if not row.testable:
            not_testable.append(row.label)
            _row_message(ax, middle, y, f"not testable: {row.reason}" if row.reason else "not testable")
        elif row.single_table:
            # nobody or everybody carries: R's OR 0 and CI [0, Inf] say nothing, so nothing is drawn
            not_estimable.append(row.label)
            _row_message(ax, middle, y, f"OR not estimable: {row.not_estimable}")
        elif row.not_estimable:
            # a zero cell: R's OR is 0 or Inf, which is no estimate; the one finite CI limit still informs
            not_estimable.append(row.label)
            place = clip_row(ForestRow(row.label, True, None, row.ci_low, row.ci_high), limits)
            clipped.append((row.label, place))
            _draw_interval(ax, y, place)
            ax.text(math.sqrt(place.low * place.high), y - 0.22, f"OR not estimable: {row.not_estimable}",
                    ha="center", va="bottom", fontsize=7, style="italic", color="#444444")
        else:
            place = clip_row(row, limits)
            clipped.append((row.label, place))
            _draw_interval(ax, y, place, _off_axis_text(row.odds_ratio))
        ax.text(1.04, y, row.text, transform=ax.get_yaxis_transform(), ha="left", va="center", parse_math=False,
                fontsize=8, family="monospace")

    ax.text(1.04, -0.75, f"cases vs controls   OR ({conf_label})", transform=ax.get_yaxis_transform(),
            ha="left", va="center", fontsize=8, fontweight="bold", family="monospace")
    ax.set_yticks(range(n))
    ax.set_yticklabels([row.label for row in rows], fontsize=9, parse_math=False)
    ax.set_xlabel("Odds ratio, cases vs controls (log scale)\n"
                  "< 1: carriers more frequent in controls      > 1: carriers more frequent in cases",
                  fontsize=8)
    ax.grid(axis="x", which="major", color="#EEEEEE")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    height = figure.get_figheight()
    figure.legend(handles=_forest_legend(conf_label), loc="lower left", bbox_to_anchor=(0.01, 0.22 / height),
                  ncol=3, frameon=False, fontsize=7)
    if any(place.low_open or place.high_open or place.point_off for _, place in clipped):
        figure.text(0.01, 0.04 / height, "Arrow heads at an axis edge: the estimate or interval goes beyond the "
                    "drawn range (down to 0 or up to Inf); the exact values are printed on the right.",
                    fontsize=7, ha="left", va="bottom")
    figure.subplots_adjust(left=0.12, right=0.6, top=1 - 0.15 / height, bottom=1.45 / height)
    return ForestFigure(figure, limits, tuple(clipped), tuple(not_testable), tuple(not_estimable))


def _row_message(ax, x: float, y: float, text: str) -> None:
    ax.text(x, y, text, ha="center", va="center", fontsize=8, style="italic", color="#444444",
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.0})


def _forest_legend(conf_label: str) -> List[Line2D]:
    return [
        Line2D([], [], marker="D", color="#0072B2", linestyle="none", markersize=6, label="odds ratio (conditional MLE)"),
        Line2D([], [], marker="|", color="black", linewidth=1.4, markersize=7, label=conf_label),
        Line2D([], [], marker=">", markerfacecolor="white", markeredgecolor="#0072B2", linestyle="none",
               markersize=7, label="beyond the axis (0 / Inf / off scale)"),
    ]


def _off_axis_text(value: Optional[float]) -> str:
    if value == 0:
        return "= 0"
    if value is not None and math.isinf(value):
        return "= Inf"
    return "off scale"


def _draw_interval(ax, y: float, place: Clipped, estimate_text: str = "") -> None:
    ax.plot([place.low, place.high], [y, y], color="black", linewidth=1.4, solid_capstyle="butt")
    if place.low_open:
        ax.plot([place.low], [y], marker="<", color="black", markersize=7, linestyle="none", clip_on=False)
    else:
        ax.plot([place.low], [y], marker="|", color="black", markersize=8, linestyle="none")
    if place.high_open:
        ax.plot([place.high], [y], marker=">", color="black", markersize=7, linestyle="none", clip_on=False)
    else:
        ax.plot([place.high], [y], marker="|", color="black", markersize=8, linestyle="none")
    if place.point is None:
        return
    if place.point_off:
        low = place.point_off == "low"
        ax.plot([place.point], [y], marker="<" if low else ">", markersize=11, markerfacecolor="white",
                markeredgecolor="#0072B2", markeredgewidth=1.6, linestyle="none", zorder=3, clip_on=False)
        ax.annotate(f"OR {estimate_text}", (place.point, y), xytext=(4 if low else -4, 7), textcoords="offset points",
                    ha="left" if low else "right", va="bottom", fontsize=7, color="#0072B2")
    else:
        ax.plot([place.point], [y], marker="D", markersize=7, color="#0072B2", linestyle="none", zorder=3, clip_on=False)


# ------------------------------------------------------------------ output


def render(figure: Figure, dpi: int = 150) -> Tuple[bytes, bytes]:
    """PNG and SVG bytes of ``figure``, free of creation dates and random ids (reruns give the same bytes)."""
    png, svg = io.BytesIO(), io.BytesIO()
    figure.savefig(png, format="png", dpi=dpi, metadata={"Software": None}, bbox_inches="tight")
    with matplotlib.rc_context({"svg.hashsalt": "hlhscreen", "svg.fonttype": "path"}):
        figure.savefig(svg, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches="tight")
    return png.getvalue(), svg.getvalue()

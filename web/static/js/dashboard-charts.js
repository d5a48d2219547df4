// Per-minute charts of a show (concurrent viewers, orders, GMV), drawn with the vendored
// ECharts and annotated with what the host did: pins and deal starts/ends/cancellations as markLines.

import * as echarts from "../vendor/echarts/echarts.esm.min.js";
import { formatCount, formatMoney, formatTime } from "./dashboard-format.js";
import { t } from "./i18n.js";

export const SERIES = [
  { key: "viewers", field: "peak_viewers", type: "line", color: "#7a5af8", money: false },
  { key: "orders", field: "orders", type: "bar", color: "#ff7a3d", money: false },
  { key: "gmv", field: "gmv_gross_cents", type: "bar", color: "#ff2d55", money: true },
];

const MARKS = {
  "product.pinned": { color: "#12b76a", icon: "📌" },
  "sale.started": { color: "#f79009", icon: "⚡" },
  "sale.sold_out": { color: "#e5484d", icon: "✓" },
  "sale.ended": { color: "#98a2b3", icon: "■" },
  "sale.cancelled": { color: "#667085", icon: "✕" },
};

/** Every minute from the first to the last that has data or an annotation, so gaps show. */
export function minuteRange(minutes, events) {
  const all = [...minutes.map((m) => m.minute), ...events.map((e) => e.minute)];
  if (all.length === 0) return [];
  const first = Math.min(0, ...all);
  const last = Math.max(...all);
  return Array.from({ length: last - first + 1 }, (_, i) => first + i);
}

function markLabel(event, titles) {
  const mark = MARKS[event.kind];
  const title = titles.get(event.product_id) ?? "";
  const what = event.kind === "product.pinned" ? title : t(`dash.mark_${event.kind.replace(".", "_")}`);
  return `${mark.icon} ${what.slice(0, 14)}`;
}

/** One dashed line per minute that had marks; its label lists them, or only their icons
 * in the small charts, where full labels would pile up into an unreadable stack. */
function markLines(events, range, titles, { iconsOnly = false } = {}) {
  const first = range[0];
  const byMinute = new Map();
  for (const e of events.filter((e) => MARKS[e.kind])) {
    if (!byMinute.has(e.minute)) byMinute.set(e.minute, []);
    byMinute.get(e.minute).push(e);
  }
  return [...byMinute.entries()].map(([minute, marks]) => {
    const color = MARKS[marks[marks.length - 1].kind].color;
    return {
      xAxis: minute - first,
      lineStyle: { color, type: "dashed", width: 1.5 },
      label: { formatter: iconsOnly ? marks.map((e) => MARKS[e.kind].icon).join("")
        : marks.map((e) => markLabel(e, titles)).join("\n"), color,
        fontSize: 10, position: "end", backgroundColor: "rgba(255,255,255,.85)", padding: 2 },
    };
  });
}

function option(spec, minutes, events, { startedAt, titles, currency }) {
  const range = minuteRange(minutes, events);
  const byMinute = new Map(minutes.map((m) => [m.minute, m]));
  const values = range.map((m) => byMinute.get(m)?.[spec.field] ?? 0);
  const label = (m) => (startedAt ? formatTime(startedAt + m * 60_000) : String(m));
  const format = (v) => (spec.money ? formatMoney(v, currency) : formatCount(v));
  return {
    animation: false,
    title: { text: t(`dash.chart_${spec.key}`), left: 0, top: 0, textStyle: { fontSize: 13, fontWeight: 650 } },
    grid: { left: 8, right: 12, top: 34, bottom: 4, containLabel: true },
    tooltip: { trigger: "axis", valueFormatter: format },
    xAxis: { type: "category", data: range.map(label), boundaryGap: spec.type === "bar", axisTick: { show: false } },
    yAxis: { type: "value", minInterval: 1, splitNumber: 3,
      axisLabel: { formatter: (v) => (spec.money ? formatMoney(v, currency) : formatCount(v)) } },
    series: [{
      name: t(`dash.chart_${spec.key}`), type: spec.type, data: values, color: spec.color,
      smooth: spec.type === "line", showSymbol: range.length < 30, barMaxWidth: 18,
      areaStyle: spec.type === "line" ? { opacity: 0.12 } : undefined,
      markLine: { symbol: "none", silent: true, data: markLines(events, range, titles, { iconsOnly: true }) },
    }],
  };
}

/** Charts in `nodes` (one element per SERIES entry); `update()` redraws them all. */
export function minuteCharts(nodes) {
  const charts = SERIES.map((spec, i) => {
    nodes[i].dataset.chart = spec.key;
    return echarts.init(nodes[i], null, { renderer: "canvas" });
  });
  const observer = new ResizeObserver(() => charts.forEach((c) => c.resize()));
  nodes.forEach((n) => observer.observe(n));
  return {
    update(minutes, events, context) {
      SERIES.forEach((spec, i) => charts[i].setOption(option(spec, minutes, events, context), true));
    },
  };
}

/** The report's timeline: GMV per minute (bars) and viewers (line, right axis) under the
 * marks of what the host did, so a pin or a deal lines up with what it sold. */
export function timelineChart(node, minutes, events, { startedAt, titles, currency }) {
  const chart = echarts.init(node, null, { renderer: "canvas" });
  const range = minuteRange(minutes, events);
  const byMinute = new Map(minutes.map((m) => [m.minute, m]));
  const label = (m) => (startedAt ? formatTime(startedAt + m * 60_000) : String(m));
  chart.setOption({
    animation: false,
    legend: { top: 0, left: 0 },
    grid: { left: 8, right: 8, top: 96, bottom: 4, containLabel: true },
    tooltip: { trigger: "axis" },
    xAxis: { type: "category", data: range.map(label), axisTick: { show: false } },
    yAxis: [
      { type: "value", splitNumber: 3, axisLabel: { formatter: (v) => formatMoney(v, currency) } },
      { type: "value", minInterval: 1, splitNumber: 3, splitLine: { show: false } },
    ],
    series: [
      { name: t("dash.chart_gmv"), type: "bar", color: SERIES[2].color, barMaxWidth: 22,
        data: range.map((m) => byMinute.get(m)?.gmv_gross_cents ?? 0),
        tooltip: { valueFormatter: (v) => formatMoney(v, currency) },
        markLine: { symbol: "none", silent: true, data: markLines(events, range, titles) } },
      { name: t("dash.chart_viewers"), type: "line", yAxisIndex: 1, color: SERIES[0].color, smooth: true,
        data: range.map((m) => byMinute.get(m)?.peak_viewers ?? 0), tooltip: { valueFormatter: formatCount } },
    ],
  });
  new ResizeObserver(() => chart.resize()).observe(node);
  return chart;
}

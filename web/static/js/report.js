// The post-show report: the server rendered every figure; this rewrites them for the
// reader's locale and draws the timeline and per-minute charts from the page data.

import { pageData } from "./api.js";
import { minuteCharts, timelineChart } from "./dashboard-charts.js";
import { formatChange, formatDateTime, formatValue } from "./dashboard-format.js";

const data = pageData().report;

for (const node of document.querySelectorAll("[data-kind][data-value]")) {
  if (node.dataset.value === "" || node.tagName === "TR") continue;
  const value = Number(node.dataset.value);
  node.textContent = node.dataset.kind === "change" ? formatChange(value) : formatValue(node.dataset.kind, value);
}
for (const node of document.querySelectorAll("time[data-local-time]")) {
  node.textContent = formatDateTime(Date.parse(node.getAttribute("datetime")));
}

const titles = new Map(Object.entries(data.titles).map(([id, title]) => [Number(id), title]));
const context = { startedAt: data.started_at ? Date.parse(data.started_at) : null, titles, currency: "CNY" };
timelineChart(document.getElementById("timeline-chart"), data.minutes, data.events, context);
minuteCharts([...document.querySelectorAll("#minute-charts .dash-chart")]).update(data.minutes, data.events, context);
document.querySelector("[data-testid=report]").dataset.drawn = "true";

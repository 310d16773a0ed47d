// report.html: the stylesheet. Local system fonts only (no web fonts: the page must not touch
// the network); numbers in tabular monospace so columns of figures line up.
#include "report/html_parts.h"

namespace layerscope::html {

const char* const kStyle = R"CSS(
:root {
  --bg: #f4f5f7; --card: #ffffff; --ink: #1d2330; --muted: #6b7385; --line: #e1e4ea; --accent: #2857c5;
  --high: #c0392b; --medium: #c77c0e; --info: #2f6fb0; --zebra: #fafbfc; --hover: #eef3ff; --target: #fff4c2;
  --sans: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", "Helvetica Neue", Arial, sans-serif;
  --mono: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", "Liberation Mono", Menlo, Consolas, monospace;
}
* { box-sizing: border-box; }
html { scroll-behavior: smooth; }
body { margin: 0; background: var(--bg); color: var(--ink); font: 14px/1.45 var(--sans); }
code { font-family: var(--mono); font-size: 12.5px; word-break: break-all; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
.muted { color: var(--muted); }
.page-head { background: #1d2330; color: #fff; padding: 18px 32px 0; }
.page-head .brand { font-size: 12px; letter-spacing: .12em; text-transform: uppercase; color: #9fb4e6; }
.page-head h1 { margin: 4px 0 12px; font-size: 22px; font-weight: 600; }
.page-head .model { font-family: var(--mono); font-weight: 400; color: #cfd8ee; margin-left: 8px; }
.page-head nav a { display: inline-block; color: #cfd8ee; padding: 8px 14px 10px 0; margin-right: 8px; font-size: 13px; }
.page-head nav a:hover { color: #fff; text-decoration: none; }
main { max-width: 1680px; margin: 0 auto; padding: 8px 32px 32px; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 18px 22px 20px;
  margin: 18px 0; scroll-margin-top: 12px; }
h2 { font-size: 17px; font-weight: 600; margin: 0 0 14px; }
h3 { font-size: 14px; font-weight: 600; margin: 0 0 8px; }
footer { max-width: 1680px; margin: 0 auto; padding: 0 32px 32px; color: var(--muted); font-size: 12px; }

.metrics { display: grid; grid-template-columns: repeat(auto-fit, minmax(190px, 1fr)); gap: 12px; margin-bottom: 16px; }
.metric { border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; background: var(--zebra); }
.metric-label { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
.metric-value { font-size: 22px; font-weight: 600; font-variant-numeric: tabular-nums; margin: 2px 0; }
.metric-note { font-size: 12px; color: var(--muted); }
.panels { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 14px; }
.panel { border: 1px solid var(--line); border-radius: 6px; padding: 12px 14px; overflow-x: auto; }
table.kv { border-collapse: collapse; width: 100%; }
table.kv th { text-align: left; font-weight: 500; color: var(--muted); padding: 3px 12px 3px 0; width: 34%;
  vertical-align: top; white-space: nowrap; }
table.kv td { padding: 3px 0; font-variant-numeric: tabular-nums; }
table.stats { border-collapse: collapse; width: 100%; font-family: var(--mono); font-size: 12.5px; }
table.stats th, table.stats td { padding: 4px 8px; border-bottom: 1px solid var(--line); }
table.stats th { font-family: var(--sans); font-weight: 500; color: var(--muted); text-align: left; }
.honesty { margin: 10px 0 0; }
.honesty strong { font-family: var(--mono); font-size: 15px; }
.num { text-align: right; }

.table-tools { display: flex; align-items: center; gap: 14px; margin-bottom: 10px; flex-wrap: wrap; }
.table-tools .filter { font: 13px var(--sans); padding: 6px 10px; width: 360px; max-width: 100%;
  border: 1px solid #c9ceda; border-radius: 5px; }
.table-tools .filter:focus { outline: 2px solid #b8c9f2; border-color: var(--accent); }
.table-tools .count { font-variant-numeric: tabular-nums; color: var(--ink); font-weight: 500; }
.table-tools .hint { color: var(--muted); font-size: 12px; }
.table-wrap { overflow: auto; max-height: 78vh; border: 1px solid var(--line); border-radius: 6px; }
table.data { border-collapse: separate; border-spacing: 0; width: 100%; font-size: 12.5px; }
table.data th { position: sticky; top: 0; z-index: 1; background: #eef0f4; color: #3b4354; font-weight: 600;
  text-align: left; padding: 7px 8px; border-bottom: 1px solid #d5d9e2; white-space: nowrap; cursor: pointer;
  user-select: none; }
table.data th.num { text-align: right; }
table.data th:hover { background: #e3e7ef; }
table.data th[aria-sort="ascending"]::after { content: " \25B2"; font-size: 9px; color: var(--accent); }
table.data th[aria-sort="descending"]::after { content: " \25BC"; font-size: 9px; color: var(--accent); }
table.data td { padding: 4px 8px; border-bottom: 1px solid #eef0f3; white-space: nowrap; }
table.data td.num { font-family: var(--mono); font-variant-numeric: tabular-nums; }
table.data tbody tr:nth-child(even) { background: var(--zebra); }
table.data tbody tr:hover { background: var(--hover); }
table.data tbody tr:target, table.data tbody tr.flash { background: var(--target); }
table.data tfoot th, table.data tfoot td { position: static; background: #f3f5f8; border-top: 1px solid #d5d9e2;
  font-weight: 600; cursor: default; }
td.shape, td.kernel { font-family: var(--mono); max-width: 260px; overflow: hidden; text-overflow: ellipsis; }
td.name { font-family: var(--mono); max-width: 520px; overflow: hidden; text-overflow: ellipsis; }
td.kernel.fallback { color: var(--high); font-weight: 600; }
td.ratio { position: relative; min-width: 150px; }
.ratio-bar { position: absolute; left: 8px; top: 5px; bottom: 5px; max-width: calc(100% - 16px); opacity: .22;
  border-radius: 2px; background: var(--op, #888); }
.ratio-text { position: relative; }

.op-chip { display: inline-flex; align-items: center; gap: 6px; font-weight: 500; }
.op-chip::before { content: ""; width: 10px; height: 10px; border-radius: 2px; background: var(--op, #9aa1ad);
  flex: none; }
.bound { display: inline-block; padding: 0 7px; border-radius: 9px; font-size: 11.5px; font-weight: 600; }
.bound-memory { background: #e6effc; color: #1f57b5; }
.bound-compute { background: #fdeedd; color: #a3570a; }

ol.findings { list-style: none; padding: 0; margin: 0; display: grid; gap: 10px; }
.finding { border: 1px solid var(--line); border-left: 4px solid var(--info); border-radius: 6px; padding: 10px 14px; }
.finding.sev-high { border-left-color: var(--high); }
.finding.sev-medium { border-left-color: var(--medium); }
.finding-head { display: flex; align-items: baseline; gap: 10px; flex-wrap: wrap; }
.severity { text-transform: uppercase; font-size: 11px; font-weight: 700; letter-spacing: .05em; color: var(--info); }
.sev-high .severity { color: var(--high); }
.sev-medium .severity { color: var(--medium); }
.finding-title { font-weight: 600; }
.finding-share { margin-left: auto; font-family: var(--mono); color: var(--muted); font-size: 12.5px; }
.finding-detail { margin: 6px 0; color: #3b4354; }
.finding-layers { display: flex; flex-wrap: wrap; gap: 4px 8px; font-size: 12.5px; max-height: 96px; overflow: auto; }
.layer-link { font-family: var(--mono); white-space: nowrap; }
.layer-link::before { content: ""; display: inline-block; width: 8px; height: 8px; border-radius: 2px;
  margin-right: 4px; background: var(--op, #9aa1ad); }

.legend { display: flex; flex-wrap: wrap; gap: 6px 16px; font-size: 12.5px; margin: 0 0 14px; }
figure.chart { margin: 0 0 22px; }
figure.chart figcaption p { margin: 0 0 8px; color: var(--muted); font-size: 12.5px; max-width: 1100px; }
.chart-body { width: 100%; min-height: 60px; }
.chart-body svg { display: block; width: 100%; height: auto; font-family: var(--sans); }
.chart-body .axis text { font-size: 11px; fill: #5b6374; }
.chart-body .axis line, .chart-body .axis path { stroke: #c7ccd6; }
.chart-body .grid line { stroke: #eceef2; }
.chart-body .label { font-size: 12px; fill: var(--ink); }
.chart-body .value { font-size: 11.5px; fill: #4a5263; font-family: var(--mono); }
.chart-body .roof { stroke-width: 2; fill: none; }
.chart-body .roof-label { font-size: 11.5px; font-weight: 600; }
.chart-body .mark:hover, .chart-body .mark.hot { stroke: #1d2330; stroke-width: 1.5; }
.chart-body .empty { font-size: 13px; fill: var(--muted); }
#tooltip { position: fixed; z-index: 10; pointer-events: none; background: #1d2330; color: #fff; font-size: 12px;
  line-height: 1.4; padding: 7px 10px; border-radius: 5px; max-width: 460px; box-shadow: 0 4px 14px rgba(0,0,0,.25);
  white-space: pre-line; font-variant-numeric: tabular-nums; }
@media print { .table-wrap { max-height: none; overflow: visible; } .table-tools { display: none; } }
)CSS";

}  // namespace layerscope::html

// The HTML report: one self-contained file with the markdown report's content (converted by
// `marked`) and live charts. Each chart's Vega-Lite spec is compiled to Vega here and drawn in the
// browser by Vega's own runtime, inlined (vega.min.js, about 0.5 MB): hovering a mark shows its
// values (tooltips). Vega-Lite and vega-embed are not shipped to the browser, since the specs arrive
// compiled: that halves the file. The static SVG sits in each chart's place until the live view
// replaces it, so the report still shows its charts with scripts off.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { marked } from "marked";
import { compile, type TopLevelSpec } from "vega-lite";

export interface HtmlChart {
  /** What the markdown links the chart as (its file name). */
  file: string;
  svg: string;
  spec: TopLevelSpec;
}

let vegaRuntime: string | null = null;

/** Vega's browser build, read once from the installed package. */
function vegaScript(): string {
  if (vegaRuntime === null) {
    const entry = createRequire(import.meta.url).resolve("vega");
    vegaRuntime = readFileSync(join(dirname(entry), "vega.min.js"), "utf8");
  }
  return vegaRuntime;
}

/** JSON that is safe inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028|\u2029/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

const STYLE = `
body { font-family: Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 1200px; padding: 0 1em; color: #222; line-height: 1.4; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.85em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.5em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
tr:nth-child(even) td { background: #fafafa; }
code { background: #f3f3f3; padding: 0 0.2em; }
pre { background: #f6f6f6; padding: 0.8em; overflow-x: auto; }
figure.chart { margin: 1em 0 2em; }
figure.chart figcaption { font-size: 0.85em; color: #555; }
figure.chart .downloads { font-size: 0.8em; }
.vega-chart svg { max-width: 100%; height: auto; }
`;

/**
 * The HTML document of a markdown report whose chart images (`![title](file)`) are the given charts.
 * Chart files not among `charts` stay as they are (an <img> pointing at the file).
 */
export function renderHtml(title: string, markdown: string, charts: readonly HtmlChart[]): string {
  const byFile = new Map(charts.map((c, i) => [c.file, { chart: c, id: `chart-${i + 1}` }]));
  let body = marked.parse(markdown, { gfm: true, async: false }) as string;
  // A chart image, alone in its paragraph as the markdown writes it, becomes a live figure.
  body = body.replace(
    /<p>\s*<img src="([^"]+)" alt="([^"]*)"\s*\/?>\s*<\/p>/g,
    (whole, src: string, alt: string) => {
      const entry = byFile.get(src);
      if (!entry) return whole;
      const { chart, id } = entry;
      const base = chart.file.replace(/\.svg$/, "");
      return [
        `<figure class="chart" id="${id}-figure">`,
        `<div class="vega-chart" id="${id}" data-chart-file="${escapeHtml(chart.file)}">${chart.svg.replace(/^<\?xml[^>]*>\s*/, "")}</div>`,
        `<figcaption>${alt} <span class="downloads">(files next to this report: <code>${escapeHtml(chart.file)}</code>, its Vega-Lite spec <code>${escapeHtml(base)}.vl.json</code> and data <code>${escapeHtml(base)}.csv</code>)</span></figcaption>`,
        "</figure>",
      ].join("");
    },
  );
  const specs = Object.fromEntries(
    [...byFile.values()].map(({ chart, id }) => [id, compile(chart.spec).spec]),
  );
  const boot = `
(function () {
  var specs = ${scriptJson(specs)};
  Object.keys(specs).forEach(function (id) {
    var el = document.getElementById(id);
    if (!el || typeof vega === "undefined") return;
    var view = new vega.View(vega.parse(specs[id]), { renderer: "svg", hover: true });
    var holder = document.createElement("div");
    view.initialize(holder).runAsync().then(function () {
      el.innerHTML = "";
      el.appendChild(holder);
      el.setAttribute("data-rendered", "vega");
    }).catch(function (err) {
      el.setAttribute("data-render-error", String(err));
    });
  });
})();`;
  return [
    "<!DOCTYPE html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="generator" content="@pqtls/report">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLE}</style>`,
    "</head>",
    "<body>",
    body,
    `<script>${vegaScript()}</script>`,
    `<script>${boot}</script>`,
    "</body>",
    "</html>",
    "",
  ].join("\n");
}

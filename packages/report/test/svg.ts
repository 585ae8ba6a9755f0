// Test helpers for SVG output: a well-formedness check (balanced tags, one <svg> root, quoted
// attributes) and the rsvg-convert renderer used to turn a chart into a PNG.

import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** Throws unless `svg` is well-formed XML with a single <svg> root. */
export function assertWellFormedSvg(svg: string): void {
  const body = svg.replace(/<!--[\s\S]*?-->/g, "").replace(/<\?xml[^>]*\?>/, "");
  const stack: string[] = [];
  let roots = 0;
  const tag = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"]*")*)\s*(\/?)>/g;
  let last = 0;
  for (let m = tag.exec(body); m; m = tag.exec(body)) {
    const between = body.slice(last, m.index);
    if (between.includes("<"))
      throw new Error(`malformed markup near: ${between.slice(between.indexOf("<"), 80)}`);
    last = tag.lastIndex;
    const [, close, name, , selfClose] = m;
    if (close) {
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open}>`);
    } else {
      if (stack.length === 0) roots++;
      if (!selfClose) stack.push(name);
      if (stack.length === 0 && name !== "svg") throw new Error(`root element is <${name}>`);
      if (stack.length === 1 && stack[0] !== "svg") throw new Error(`root element is <${stack[0]}>`);
    }
  }
  if (body.slice(last).includes("<")) throw new Error("malformed markup at the end");
  if (stack.length > 0) throw new Error(`unclosed <${stack.at(-1)}>`);
  if (roots !== 1) throw new Error(`${roots} root elements`);
}

export function hasRsvg(): boolean {
  return spawnSync("rsvg-convert", ["--version"]).status === 0;
}

/** Render an SVG file to PNG with rsvg-convert (librsvg); returns the PNG bytes. */
export function rsvgToPng(svgPath: string, pngPath: string): Buffer {
  const r = spawnSync("rsvg-convert", ["-b", "white", "-o", pngPath, svgPath], { timeout: 30_000 });
  if (r.status !== 0) throw new Error(`rsvg-convert failed: ${r.stderr?.toString() ?? r.error}`);
  return readFileSync(pngPath);
}

// Shared by the net*.test.ts files: what the machine offers, and what a lane leaves behind.
import { execFile } from "node:child_process";

function ok(cmd: string, args: string[]): Promise<boolean> {
  return new Promise((resolve) => execFile(cmd, args, (err) => resolve(!err)));
}

export const hasPing = () => ok("ping", ["-V"]);

/** Our namespaces and root-namespace devices still present. */
export async function leftovers(tagOrPrefix: string): Promise<string[]> {
  const out = (cmd: string, args: string[]) =>
    new Promise<string>((resolve) => execFile(cmd, args, (_e, stdout) => resolve(stdout ?? "")));
  const ns = (await out("ip", ["netns", "list"])).split("\n").map((l) => l.split(" ")[0]);
  const links = (await out("ip", ["-o", "link", "show"]))
    .split("\n")
    .map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1] ?? "");
  return [...ns, ...links].filter((n) => n?.includes(tagOrPrefix));
}

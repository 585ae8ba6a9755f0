// NSS key log format (SSLKEYLOGFILE), the format Wireshark/tshark read to decrypt TLS 1.3:
// "<LABEL> <client_random hex> <secret hex>" per line.
//
// A file sink is written asynchronously: a secret is computed in the middle of a handshake flight,
// and a synchronous append there stalls the event loop on the disk for every connection. Lines for
// one path go through one queue (one write at a time, in call order), and a socket waits for its
// lines to reach the file before it reports 'close' (KeylogWriter.flushed).

import { appendFile } from "node:fs";
import type { Bytes } from "./crypto/provider.js";
import type { KeylogOption } from "./options.js";
import { toHex } from "./wire/bytes.js";

export type KeylogLabel =
  | "CLIENT_EARLY_TRAFFIC_SECRET"
  | "CLIENT_HANDSHAKE_TRAFFIC_SECRET"
  | "SERVER_HANDSHAKE_TRAFFIC_SECRET"
  | "CLIENT_TRAFFIC_SECRET_0"
  | "SERVER_TRAFFIC_SECRET_0"
  | "EXPORTER_SECRET";

export type KeylogWriter = ((label: KeylogLabel, clientRandom: Bytes, secret: Bytes) => void) & {
  /** Resolves once every line written so far is in the file (absent for callback sinks). */
  flushed?: () => Promise<void>;
};

/** One key log file: lines appended in order, batched into one asynchronous append at a time. */
class KeylogFile {
  private queued: string[] = [];
  private writing?: Promise<void>;
  private warned = false;

  constructor(private readonly path: string) {}

  append(line: string): void {
    this.queued.push(line);
    // Start writing on a later turn: the rest of the flight's secrets join the same append.
    this.writing ??= new Promise<void>((resolve) => setImmediate(() => this.drain().then(resolve)));
  }

  flushed(): Promise<void> {
    return this.writing ?? Promise.resolve();
  }

  private async drain(): Promise<void> {
    while (this.queued.length) {
      const batch = this.queued.join("");
      this.queued = [];
      await new Promise<void>((resolve) =>
        appendFile(this.path, batch, { mode: 0o600 }, (err) => {
          // A debugging aid failing must not fail the connection: say so once, carry on.
          if (err && !this.warned) {
            this.warned = true;
            process.emitWarning(`key log ${this.path}: ${err.message}`, "KeylogWarning");
          }
          resolve();
        }),
      );
    }
    this.writing = undefined;
  }
}

/** Every connection writing to a path shares its queue, so their lines never interleave mid-line. */
const files = new Map<string, KeylogFile>();

function fileFor(path: string): KeylogFile {
  let f = files.get(path);
  if (!f) {
    f = new KeylogFile(path);
    files.set(path, f);
  }
  return f;
}

/** One NSS key log line, newline included (what node:tls's 'keylog' event carries). */
export function keylogLine(label: KeylogLabel, clientRandom: Bytes, secret: Bytes): string {
  return `${label} ${toHex(clientRandom)} ${toHex(secret)}\n`;
}

/**
 * A writer for the option; when it is absent, for $SSLKEYLOGFILE if `fromEnv` (clients always,
 * servers only when they opt in); undefined when there is no sink.
 */
export function keylogWriter(option: KeylogOption | undefined, fromEnv: boolean): KeylogWriter | undefined {
  const sink = option ?? (fromEnv ? process.env.SSLKEYLOGFILE : undefined);
  if (!sink) return undefined;
  const line = keylogLine;
  if (typeof sink === "function")
    return (label, clientRandom, secret) => sink(line(label, clientRandom, secret));
  const file = fileFor(sink);
  const writer: KeylogWriter = (label, clientRandom, secret) =>
    file.append(line(label, clientRandom, secret));
  writer.flushed = () => file.flushed();
  return writer;
}

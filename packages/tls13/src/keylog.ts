// NSS key log format (SSLKEYLOGFILE), the format Wireshark/tshark read to decrypt TLS 1.3:
// "<LABEL> <client_random hex> <secret hex>" per line.

import { appendFileSync } from "node:fs";
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

export type KeylogWriter = (label: KeylogLabel, clientRandom: Bytes, secret: Bytes) => void;

/** A writer for the option, or for $SSLKEYLOGFILE when the option is absent; undefined when neither. */
export function keylogWriter(option: KeylogOption | undefined): KeylogWriter | undefined {
  const sink = option ?? process.env.SSLKEYLOGFILE;
  if (!sink) return undefined;
  const emit =
    typeof sink === "function" ? sink : (line: string) => appendFileSync(sink, line, { mode: 0o600 });
  return (label, clientRandom, secret) => emit(`${label} ${toHex(clientRandom)} ${toHex(secret)}\n`);
}

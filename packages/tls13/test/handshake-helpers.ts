// In-memory handshakes for the tests: a connected client/server pair, or a handshake expected to
// fail with both sides' alerts. Shared so every suite drives connect()/accept() the same way.

import { accept, connect, type TlsAlert, type TlsSocket } from "../src/index.js";
import type { ClientOptions, ServerOptions } from "../src/options.js";
import { duplexPair, once } from "./helpers.js";

/** Handshake in memory; resolves with both sockets once both sides are secure. */
export async function pair(
  client: ClientOptions,
  server: ServerOptions,
): Promise<{ c: TlsSocket; s: TlsSocket }> {
  const [a, b] = duplexPair();
  const s = accept(b, server);
  const c = connect({ ...client, socket: a });
  await Promise.all([once(c, "secureConnect"), once(s, "secure")]);
  return { c, s };
}

/** Runs a handshake expected to fail; resolves with both sides' errors. */
export async function failing(
  client: ClientOptions,
  server: ServerOptions,
): Promise<{ client: TlsAlert; server: TlsAlert }> {
  const [a, b] = duplexPair();
  const s = accept(b, server);
  const c = connect({ ...client, socket: a });
  const [ce, se] = await Promise.all([once<TlsAlert>(c, "error"), once<TlsAlert>(s, "error")]);
  return { client: ce, server: se };
}

// Protocol-experiment hooks: observe and transform handshake messages at the one seam every message
// crosses (Connection.send / the handshake reader), so an experiment does not fork the state machine.
//
// A hook sees the message body; returning bytes replaces the body (the framing is rebuilt and the
// transcript hashes what was really sent/received, so Finished still verifies when both sides
// agree). `state` is per connection: a hook on a shared server config keeps what it learnt from
// one connection's ClientHello for that connection's Certificate.

import type { Bytes } from "./crypto/provider.js";

export interface HookMessage {
  /** "client_hello", "certificate", ... (RFC 8446 names). */
  type: string;
  /** The HandshakeType code. */
  typeCode: number;
  /** The body without the 4-byte handshake header. */
  body: Bytes;
  direction: "sent" | "received";
}

export interface HookContext {
  role: "client" | "server";
  /** Free-form per-connection state for the hooks. */
  state: Record<string, unknown>;
}

export interface HandshakeHooks {
  /**
   * Before a handshake message of ours enters the transcript and the wire (ClientHello before its
   * PSK binders are computed, so binders cover the change). Return a new body to replace it.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: observers return nothing; a hook with no return is void
  onSend?(msg: HookMessage, ctx: HookContext): Bytes | undefined | void;
  /**
   * A handshake message from the peer before the state machine parses it. Return a new body to make
   * the state machine parse that instead; the transcript still hashes the bytes received.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: as onSend
  onReceive?(msg: HookMessage, ctx: HookContext): Bytes | undefined | void;
  /**
   * Largest handshake-record plaintext we send (default 2^14). A small value splits a flight into
   * more records, e.g. to study how the server flight meets the initial congestion window.
   */
  maxHandshakeRecordSize?: number;
}

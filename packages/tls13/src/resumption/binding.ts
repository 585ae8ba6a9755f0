// What a client session is bound to, and what it proves when resumed. A resumed handshake sends no
// certificate, so the session must carry the original connection's verdict: the name the chain was
// checked against, the trust configuration that judged it, and whether it verified. A session is
// offered only where that verdict still answers the question the new connection asks (same name,
// same trust configuration), and resumption reports the stored verdict, never a fresh `true`.
// (node:tls keys its session cache by host, port and the TLS options; Go's ClientSessionCache by
// server name or address, and it re-verifies the stored chain against the current config.)

import { createHash } from "node:crypto";
import type { ClientConfig } from "../handshake/config.js";
import type { HandshakeInfo } from "../handshake/io.js";
import { equalBytes } from "../wire/bytes.js";
import type { Certificate } from "../x509/index.js";

/** The fields of a session that tie it to the connection that received it. */
export interface SessionBinding {
  /** The name the server was identified by (servername, else the host connected to), lowercased. */
  name?: string;
  /** SHA-256 of the trust configuration that judged the chain (see trustIdentity). */
  trust: Uint8Array;
  /** The original connection's verdict, restored as `authorized` on resumption. */
  authorized: boolean;
  authorizationError?: string;
}

const anchorDigests = new WeakMap<Certificate, Buffer>();

function anchorDigest(cert: Certificate): Buffer {
  let d = anchorDigests.get(cert);
  if (!d) {
    d = createHash("sha256").update(cert.der).digest();
    anchorDigests.set(cert, d);
  }
  return d;
}

const trustIds = new WeakMap<ClientConfig, Uint8Array>();

/**
 * SHA-256 over what decides whether a chain verifies, the name aside: the trust anchors (as a set:
 * order and duplicates do not matter) and the signature schemes accepted on certificates. Options
 * that change verification must be added here, so that sessions judged under other rules are not
 * offered.
 */
export function trustIdentity(config: ClientConfig): Uint8Array {
  let id = trustIds.get(config);
  if (!id) {
    const h = createHash("sha256").update("pqtls trust v1\n");
    const anchors = [...new Set(config.trustAnchors.map((c) => anchorDigest(c).toString("hex")))].sort();
    h.update(`anchors ${anchors.join(",")}\n`);
    h.update(`schemes ${config.advertisedSignatureSchemes.join(",")}\n`);
    id = new Uint8Array(h.digest());
    trustIds.set(config, id); // a connection asks once per offer and once per ticket
  }
  return id;
}

/** The name a session is bound to: the one the certificate is checked against. */
export function sessionName(config: ClientConfig): string | undefined {
  return config.verifyName?.toLowerCase();
}

/** The binding for a session received on this connection. */
export function bindingOf(info: HandshakeInfo, config: ClientConfig): SessionBinding {
  return {
    name: sessionName(config),
    trust: trustIdentity(config),
    authorized: info.authorized === true,
    authorizationError: info.authorizationError,
  };
}

/** Whether this connection may hand out sessions: a verified one, or an explicit opt-in. */
export function mayEmitSessions(info: HandshakeInfo, config: ClientConfig): boolean {
  return info.authorized === true || config.allowUnauthorizedSessions;
}

/**
 * Whether a session may be offered on this connection: same name and SNI, same trust configuration,
 * and, for a session whose chain did not verify, a client that accepts unverified servers and
 * opted in to such sessions.
 */
export function mayOffer(session: SessionBinding & { servername?: string }, config: ClientConfig): boolean {
  if (session.name !== sessionName(config)) return false;
  if ((session.servername ?? undefined) !== config.servername) return false;
  // (A hand-built session without a trust identity is offered nowhere.)
  if (!(session.trust instanceof Uint8Array) || !equalBytes(session.trust, trustIdentity(config)))
    return false;
  if (!session.authorized && (config.rejectUnauthorized || !config.allowUnauthorizedSessions)) return false;
  return true;
}

/** On resumption: the verdict of the connection that issued the session. */
export function restoreVerdict(info: HandshakeInfo, session: SessionBinding): void {
  info.authorized = session.authorized;
  info.authorizationError = session.authorizationError;
}

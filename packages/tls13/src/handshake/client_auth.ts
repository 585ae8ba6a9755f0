// The server's side of client authentication (RFC 8446 §4.4.2-§4.4.3): the client's Certificate
// and CertificateVerify after our CertificateRequest, judged as the client judges a server's: the
// chain verified against the `ca` anchors (clientAuth purpose, no name check), the signature over
// the transcript with the client context string. node:tls semantics for the outcome: with
// rejectUnauthorized a client without a valid certificate fails the handshake (no certificate at
// all: certificate_required, §4.4.2.4); without it the handshake goes on and `authorized` says no.

import type { PublicKey } from "../crypto/provider.js";
import { TlsAlert } from "../errors.js";
import { equalBytes } from "../wire/bytes.js";
import { checkCertificateEntryExtensions, parseCertificate } from "../wire/certificate.js";
import { certificateVerifyInput, parseCertificateVerify } from "../wire/certificate_verify.js";
import {
  AlertDescription,
  HandshakeType,
  nameOf,
  SignatureScheme,
  type SignatureSchemeName,
} from "../wire/codepoints.js";
import { type HandshakeMessage, handshakeName } from "../wire/handshake.js";
import { keyAllowsScheme } from "../x509/algorithms.js";
import type { ClientAuthConfig } from "./config.js";
import { checkClientChain } from "./credentials.js";
import type { HandshakeIO } from "./io.js";

/**
 * What judging the client's answer touches: the handshake's io, or for post-handshake
 * authentication the connection with that exchange's own transcript (post_handshake_auth.ts).
 */
export type ClientAuthIO = Pick<HandshakeIO, "provider" | "transcript" | "info">;

/** What the client's CertificateVerify is checked against. */
export interface ClientAuthState {
  leafKey: PublicKey;
}

const alert = (code: AlertDescription, reason: string) => new TlsAlert(code, reason);

/** What `authorizationError` says when a client (allowed to) sent no certificate. */
export const NO_CLIENT_CERTIFICATE = "the client sent no certificate";

/**
 * The client's Certificate. Returns what its CertificateVerify needs, or undefined when it sent an
 * empty one (allowed only without rejectUnauthorized; then no CertificateVerify follows).
 * `requestContext`: our CertificateRequest's (empty in the handshake), which the answer echoes.
 */
export function onClientCertificate(
  io: ClientAuthIO,
  config: ClientAuthConfig,
  msg: HandshakeMessage,
  requestExtensions: ReadonlySet<number>,
  requestContext: Uint8Array = new Uint8Array(0),
): ClientAuthState | undefined {
  // We offer no certificate compression in the CertificateRequest, so only a plain Certificate fits.
  if (msg.type !== HandshakeType.certificate)
    throw alert(AlertDescription.unexpected_message, `expected certificate, got ${handshakeName(msg.type)}`);
  const cert = parseCertificate(msg.body);
  if (!equalBytes(cert.requestContext, requestContext))
    throw alert(AlertDescription.illegal_parameter, "client Certificate: request context differs from ours");
  checkCertificateEntryExtensions(cert, requestExtensions);
  if (cert.entries.length === 0) {
    if (config.rejectUnauthorized)
      throw alert(
        AlertDescription.certificate_required,
        "a client certificate is required and none was sent",
      );
    io.info.peerCertificates = []; // a post-handshake answer replaces an earlier certificate
    io.info.authorized = false;
    io.info.authorizationError = NO_CLIENT_CERTIFICATE;
    io.transcript.add(msg.raw);
    return undefined;
  }
  const verdict = checkClientChain(
    cert.entries.map((e) => e.certData),
    {
      trustAnchors: config.trustAnchors,
      provider: io.provider,
      rejectUnauthorized: config.rejectUnauthorized,
      // We asked for the leaf alone: complete the chain from the intermediates we hold.
      completeWith: config.clientIntermediates,
    },
  );
  io.info.peerCertificates = verdict.chain;
  io.info.authorized = verdict.authorized;
  io.info.authorizationError = verdict.error?.message;
  io.transcript.add(msg.raw);
  return { leafKey: verdict.chain[0].publicKey };
}

/**
 * The client's CertificateVerify: a scheme we listed (CertificateVerify-capable: PKCS#1 is
 * illegal_parameter, §4.2.3) that matches the leaf key, over "TLS 1.3, client CertificateVerify".
 * A signature that does not verify is decrypt_error whatever rejectUnauthorized says: it proves
 * nothing about who is on the other end.
 */
export function onClientCertificateVerify(
  io: ClientAuthIO,
  accepted: readonly SignatureSchemeName[],
  msg: HandshakeMessage,
  state: ClientAuthState,
): void {
  if (msg.type !== HandshakeType.certificate_verify)
    throw alert(
      AlertDescription.unexpected_message,
      `expected certificate_verify, got ${handshakeName(msg.type)}`,
    );
  const cv = parseCertificateVerify(msg.body);
  const name = nameOf(SignatureScheme, cv.algorithm) as SignatureSchemeName | undefined;
  if (!name || !accepted.includes(name))
    throw alert(
      AlertDescription.illegal_parameter,
      `client CertificateVerify: scheme 0x${cv.algorithm.toString(16)} not offered`,
    );
  const scheme = io.provider.signatures[name]!;
  const key = state.leafKey;
  if (!scheme.keyAlgorithms.includes(key.algorithm) || !keyAllowsScheme(key, name))
    throw alert(
      AlertDescription.illegal_parameter,
      `client CertificateVerify: ${name} does not match the ${key.algorithm} certificate key`,
    );
  const signed = certificateVerifyInput("client", io.transcript.digest());
  if (!scheme.verify(key, signed, cv.signature))
    throw alert(AlertDescription.decrypt_error, "client CertificateVerify: signature does not verify");
  io.info.clientSignatureScheme = name;
  io.transcript.add(msg.raw);
}

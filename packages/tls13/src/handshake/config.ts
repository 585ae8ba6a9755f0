// Options resolved against the crypto provider into what the state machines use. Misconfiguration
// (an unknown group, a key share for a group not offered) is a plain Error thrown by connect() /
// createServer(), before any byte is sent.

import type { CryptoProvider, PrivateKey } from "../crypto/provider.js";
import type { HandshakeHooks } from "../hooks.js";
import { type KeylogWriter, keylogWriter } from "../keylog.js";
import {
  CERTIFICATE_ONLY_SCHEMES,
  type ClientOptions,
  DEFAULT_CIPHER_SUITES,
  DEFAULT_GROUPS,
  DEFAULT_KEY_SHARES,
  DEFAULT_SIGNATURE_SCHEMES,
  type PskModeName,
  type ServerOptions,
} from "../options.js";
import type { PaddingPolicy } from "../record/padding.js";
import { decodeSession, type TlsSession } from "../resumption/session.js";
import { type ReplayCache, TicketKeys } from "../resumption/tickets.js";
import { SecureContext, type SNICallback } from "../secure-context.js";
import {
  type CertificateCompressionName,
  CipherSuite,
  type CipherSuiteName,
  type GroupName,
  NamedGroup,
  SignatureScheme,
  type SignatureSchemeName,
} from "../wire/codepoints.js";
import type { AbridgedScheme } from "../x509/abridge.js";
import type { Certificate } from "../x509/index.js";
import { resolveCertificateCompression } from "./certificate_compression.js";
import type { ClientCredential } from "./client_certificate.js";
import { loadCertificateList, loadKey } from "./credentials.js";
import { groupsFromEcdhCurve, schemesFromSigalgs, suitesFromCiphers } from "./openssl_names.js";
import { DEFAULT_MAX_CERTIFICATE_BYTES } from "./reassembly.js";
import { type IntermediateStore, intermediateStoreOf, resolveIntermediateStore } from "./suppress_ca.js";
import {
  resolveRequestedTrustAnchors,
  resolveTrustAnchorChains,
  type TrustAnchorChain,
} from "./trust_anchors.js";

/** As node:tls: a server gives a silent or stalled client two minutes. */
const DEFAULT_SERVER_HANDSHAKE_TIMEOUT_MS = 120_000;

interface CommonConfig {
  provider: CryptoProvider;
  groups: GroupName[];
  cipherSuites: CipherSuiteName[];
  signatureSchemes: SignatureSchemeName[];
  alpn: string[];
  recordSizeLimit?: number;
  padding?: PaddingPolicy;
  keylog?: KeylogWriter;
  handshakeTimeout?: number;
  /** RFC 8879 algorithms: offered (client) or usable (server), preferred first; empty = off. */
  certificateCompression: CertificateCompressionName[];
  /** draft-ietf-tls-cert-abridge: the list and dictionary behind the "abridged" algorithm. */
  abridgedScheme?: AbridgedScheme;
  hooks?: HandshakeHooks;
  pskModes: PskModeName[];
  maxCertificateBytes: number;
  maxRecordsPerKey?: number;
}

export interface ClientConfig extends CommonConfig {
  keyShares: GroupName[];
  servername?: string;
  /** The name the leaf must be valid for: servername, else the host, else "localhost" (as node:tls;
   *  an IP literal is checked against IP SANs). */
  verifyName: string;
  /** The caller's name check replacing the built-in one (`() => undefined` opts out). */
  checkServerIdentity?: ClientOptions["checkServerIdentity"];
  trustAnchors: Certificate[];
  rejectUnauthorized: boolean;
  /** Emit and offer sessions from connections whose chain did not verify (opt-in). */
  allowUnauthorizedSessions: boolean;
  middleboxCompat: boolean;
  /** signature_algorithms as sent: CertificateVerify schemes, then certificate-only ones. */
  advertisedSignatureSchemes: SignatureSchemeName[];
  session?: TlsSession;
  earlyData?: Uint8Array;
  retryEarlyData: boolean;
  /** draft-ietf-tls-trust-anchor-ids: requested IDs; undefined = no extension. */
  trustAnchorIds?: string[];
  /** draft-kampanakis-tls-scas: where missing CA certificates come from; undefined = off. */
  intermediateStore?: IntermediateStore;
  /** mTLS: our chains, `cert`/`key` first, then `certificates`; empty = none. */
  credentials: ClientCredential[];
  /** Offer post_handshake_auth and answer CertificateRequests after the handshake (RFC 8446 §4.6.2). */
  postHandshakeAuth: boolean;
}

/** mTLS on the server: what the CertificateRequest asks and how the answer is judged. */
export interface ClientAuthConfig {
  trustAnchors: Certificate[];
  rejectUnauthorized: boolean;
  /** certificate_authorities: the anchors' subject DNs (DER); undefined = not sent. */
  authorities?: Uint8Array[];
  /** signature_algorithms of the CertificateRequest: CertificateVerify schemes, then certificate-only ones. */
  advertisedSignatureSchemes: SignatureSchemeName[];
  /** Client-chain intermediates we hold: the CertificateRequest asks the client to suppress its CAs. */
  clientIntermediates?: IntermediateStore;
}

/** What a server authenticates with: its chain (leaf first) and the leaf's key. */
export interface ServerCredentials {
  chain: Certificate[];
  key: PrivateKey;
}

/**
 * Asked once per connection, after the ClientHello is parsed and before a certificate is chosen, when
 * the client sent server_name: answers (at once or later) with other credentials, undefined for the
 * configured ones, or an error (the handshake fails with unrecognized_name).
 */
export type CredentialsSelector = (
  servername: string,
  done: (err: Error | null | undefined, credentials?: ServerCredentials) => void,
) => void;

/**
 * node:tls's server 'resumeSession' event: asked, while `wanted()`, with the first ClientHello's
 * legacy_session_id when it has one, before selectCredentials; the handshake waits for `done`. TLS 1.3
 * resumes by ticket only, so what a session-ID cache answers is not used; an error fails the handshake.
 */
export interface SessionLookup {
  wanted(): boolean;
  lookup(sessionId: Uint8Array, done: (err?: Error | null) => void): void;
}

export interface ServerConfig extends CommonConfig, ServerCredentials {
  /** node:tls's SNICallback (or addContext's lookup), adapted to credentials. */
  selectCredentials?: CredentialsSelector;
  sessionLookup?: SessionLookup;
  tickets: number;
  /** Seconds. */
  ticketLifetime: number;
  ticketKeys: TicketKeys;
  /** 0-RTT anti-replay: the ticket keys' cache, shared by every connection using them. */
  replayCache: ReplayCache;
  maxEarlyData: number;
  /** draft-kampanakis-tls-scas: honour a client's request to send the end-entity certificate only. */
  suppressCaCertificates: boolean;
  /** draft-ietf-tls-trust-anchor-ids: candidate paths with their IDs, preferred first. */
  trustAnchorChains: TrustAnchorChain[];
  /** `chain` without its CA certificates: a stable array, so compression caches it once. */
  leafOnlyChain: Certificate[];
  /** Present with requestCert. */
  clientAuth?: ClientAuthConfig;
  /** How requestCertificate() after the handshake asks and judges (`ca`, rejectUnauthorized), requestCert or not. */
  postHandshakeClientAuth: ClientAuthConfig;
}

function checkNames<T extends string>(kind: string, names: readonly T[], table: Record<string, number>): T[] {
  for (const n of names) if (!(n in table)) throw new TypeError(`unknown ${kind} "${n}"`);
  return [...new Set(names)];
}

function common(
  o: ClientOptions | ServerOptions,
  provider: CryptoProvider,
  keylogFromEnv: boolean,
): CommonConfig {
  // Our array options win over node:tls's OpenSSL-style strings when both are given.
  const groupNames = o.groups ?? (o.ecdhCurve !== undefined ? groupsFromEcdhCurve(o.ecdhCurve) : undefined);
  const suiteNames = o.cipherSuites ?? (o.ciphers !== undefined ? suitesFromCiphers(o.ciphers) : undefined);
  const schemeNames =
    o.signatureSchemes ?? (o.sigalgs !== undefined ? schemesFromSigalgs(o.sigalgs) : undefined);
  const groups = groupNames
    ? checkNames("group", groupNames, NamedGroup)
    : DEFAULT_GROUPS.filter((g) => provider.groups[g]);
  for (const g of groups)
    if (!provider.groups[g]) throw new TypeError(`crypto provider "${provider.name}" lacks group ${g}`);
  const cipherSuites = suiteNames
    ? checkNames("cipher suite", suiteNames, CipherSuite)
    : DEFAULT_CIPHER_SUITES.filter((s) => provider.suites[s]);
  for (const s of cipherSuites)
    if (!provider.suites[s]) throw new TypeError(`crypto provider "${provider.name}" lacks ${s}`);
  const signatureSchemes = (
    schemeNames
      ? checkNames("signature scheme", schemeNames, SignatureScheme)
      : [...DEFAULT_SIGNATURE_SCHEMES]
  ).filter((s) => provider.signatures[s] && !CERTIFICATE_ONLY_SCHEMES.includes(s));
  if (schemeNames && signatureSchemes.length === 0)
    throw new TypeError("no usable signature scheme for CertificateVerify in signatureSchemes");
  if (!groups.length) throw new TypeError("no key exchange groups");
  if (!cipherSuites.length) throw new TypeError("no cipher suites");
  if (o.recordSizeLimit !== undefined && !(o.recordSizeLimit >= 64 && o.recordSizeLimit <= 16385))
    throw new RangeError("recordSizeLimit must be 64..16385");
  const maxCertificateBytes = o.maxCertificateBytes ?? DEFAULT_MAX_CERTIFICATE_BYTES;
  if (!Number.isInteger(maxCertificateBytes) || maxCertificateBytes < 1 || maxCertificateBytes > 0xffffff)
    throw new RangeError("maxCertificateBytes must be a whole number of bytes, 1..16777215");
  if (o.maxRecordsPerKey !== undefined && !(Number.isInteger(o.maxRecordsPerKey) && o.maxRecordsPerKey >= 2))
    throw new RangeError("maxRecordsPerKey must be a whole number >= 2");
  return {
    provider,
    groups,
    cipherSuites,
    signatureSchemes,
    alpn: o.ALPNProtocols ?? [],
    recordSizeLimit: o.recordSizeLimit,
    padding: o.padding,
    keylog: keylogWriter(o.keylog, keylogFromEnv),
    handshakeTimeout: o.handshakeTimeout,
    certificateCompression: resolveCertificateCompression(o.certificateCompression, o.abridgedScheme),
    abridgedScheme: o.abridgedScheme,
    hooks: o.hooks,
    pskModes: o.pskModes ? checkPskModes(o.pskModes) : [],
    maxCertificateBytes,
    maxRecordsPerKey: o.maxRecordsPerKey,
  };
}

function checkPskModes(modes: PskModeName[]): PskModeName[] {
  for (const m of modes)
    if (m !== "psk_dhe_ke" && m !== "psk_ke") throw new TypeError(`unknown PSK mode "${m}"`);
  return [...new Set(modes)];
}

// Trust anchors parsed once per distinct `ca` input: a client that connects many times with the
// same PEM (the harness, the bench) would otherwise re-parse it on every connect(). PEM text is
// keyed by value (a few recent ones are kept); bytes are keyed by object and re-checked against a
// copy, since a caller may refill a buffer. Parsed certificates are immutable, so sharing is safe.
const PEM_ANCHORS_KEPT = 16;
const anchorsByText = new Map<string, Certificate[]>();
const anchorsByBytes = new WeakMap<Uint8Array, { copy: Uint8Array; certs: Certificate[] }>();

function anchorsOfItem(item: string | Uint8Array | Certificate): Certificate[] {
  if (typeof item === "string") {
    let certs = anchorsByText.get(item);
    if (!certs) {
      certs = loadCertificateList(item);
      if (anchorsByText.size >= PEM_ANCHORS_KEPT) anchorsByText.delete(anchorsByText.keys().next().value!);
      anchorsByText.set(item, certs);
    }
    return certs;
  }
  if (item instanceof Uint8Array) {
    const hit = anchorsByBytes.get(item);
    if (hit && Buffer.compare(hit.copy, item) === 0) return hit.certs;
    const certs = loadCertificateList(item);
    anchorsByBytes.set(item, { copy: item.slice(), certs });
    return certs;
  }
  return [item];
}

function trustAnchorsOf(ca: NonNullable<ClientOptions["ca"] | ServerOptions["ca"]>): Certificate[] {
  const items = Array.isArray(ca) ? ca : [ca as string | Uint8Array | Certificate];
  return items.flatMap((item: string | Uint8Array | Certificate) => anchorsOfItem(item));
}

function isIpLiteral(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(":");
}

export function resolveClientConfig(o: ClientOptions, provider: CryptoProvider): ClientConfig {
  const c = common(o, provider, true);
  // With node:tls's ecdhCurve, OpenSSL sends one key share, for the first group of the list.
  const keyShares = o.keyShares
    ? checkNames("group", o.keyShares, NamedGroup)
    : o.groups === undefined && o.ecdhCurve !== undefined && o.ecdhCurve.trim().toLowerCase() !== "auto"
      ? [c.groups[0]]
      : DEFAULT_KEY_SHARES.filter((g) => c.groups.includes(g));
  for (const g of keyShares)
    if (!c.groups.includes(g)) throw new TypeError(`key share ${g} is not in groups`);
  const servername = o.servername ?? (o.host && !isIpLiteral(o.host) ? o.host : undefined);
  const trustAnchors = o.ca === undefined ? [] : trustAnchorsOf(o.ca);
  const rejectUnauthorized = o.rejectUnauthorized ?? true;
  if (o.checkServerIdentity !== undefined && typeof o.checkServerIdentity !== "function")
    throw new TypeError("checkServerIdentity must be a function");
  const certOnly = CERTIFICATE_ONLY_SCHEMES.filter((s) => provider.signatures[s]);
  return {
    ...c,
    keyShares,
    servername,
    // node:tls: `options.servername || options.host || 'localhost'` (empty strings fall through).
    verifyName: o.servername || o.host || "localhost",
    checkServerIdentity: o.checkServerIdentity,
    trustAnchors,
    rejectUnauthorized,
    allowUnauthorizedSessions: o.allowUnauthorizedSessions ?? false,
    middleboxCompat: o.middleboxCompat ?? true,
    advertisedSignatureSchemes: [...c.signatureSchemes, ...certOnly],
    pskModes: o.pskModes ? c.pskModes : ["psk_dhe_ke"],
    session:
      o.session === undefined
        ? undefined
        : o.session instanceof Uint8Array
          ? decodeSession(o.session)
          : o.session,
    earlyData: typeof o.earlyData === "string" ? new TextEncoder().encode(o.earlyData) : o.earlyData,
    retryEarlyData: o.retryEarlyData ?? true,
    intermediateStore: resolveIntermediateStore(o.suppressCaCertificates),
    trustAnchorIds: resolveRequestedTrustAnchors(o.trustAnchorIds),
    credentials: clientCredentialsOf(o),
    postHandshakeAuth: o.postHandshakeAuth === true,
  };
}

function credentialOf(
  cert: ClientOptions["cert"],
  key: ClientOptions["key"],
  what: string,
): ClientCredential {
  if (cert === undefined || key === undefined) throw new TypeError(`${what}: cert and key go together`);
  const chain = loadCertificateList(cert);
  if (!chain.length) throw new TypeError(`${what}: cert holds no certificate`);
  const privateKey = loadKey(key);
  // A mismatched pair would only show as the server's decrypt_error; say it here, as node:tls does.
  const leaf = chain[0].publicKey;
  const own = privateKey.publicKey;
  if (leaf.algorithm !== own.algorithm || (leaf.raw && own.raw && !Buffer.from(leaf.raw).equals(own.raw)))
    throw new TypeError(`${what}: the key does not belong to the leaf certificate`);
  return { chain, key: privateKey };
}

/** `cert`/`key` (node:tls's pair) first, then `certificates` in order. */
function clientCredentialsOf(o: ClientOptions): ClientCredential[] {
  const out: ClientCredential[] = [];
  if (o.cert !== undefined || o.key !== undefined) out.push(credentialOf(o.cert, o.key, "client cert/key"));
  for (const [i, pair] of (o.certificates ?? []).entries())
    out.push(credentialOf(pair.cert, pair.key, `certificates[${i}]`));
  return out;
}

/** How a client certificate is asked for and judged: in every handshake with requestCert, and after one on request. */
function clientAuthOf(o: ServerOptions, c: CommonConfig): ClientAuthConfig {
  // A secureContext option (ours: node:tls servers ignore it) brings its CA store; `ca` is then unused.
  const ca = o.secureContext ? o.secureContext.context.ca : o.ca;
  const trustAnchors = ca === undefined ? [] : trustAnchorsOf(ca);
  const certOnly = CERTIFICATE_ONLY_SCHEMES.filter((s) => c.provider.signatures[s]);
  return {
    trustAnchors,
    rejectUnauthorized: o.rejectUnauthorized ?? true,
    authorities:
      o.sendCertificateAuthorities === false || trustAnchors.length === 0
        ? undefined
        : [
            ...new Map(
              trustAnchors.map((a) => [Buffer.from(a.subjectDer).toString("hex"), a.subjectDer]),
            ).values(),
          ],
    advertisedSignatureSchemes: [...c.signatureSchemes, ...certOnly],
    ...(o.suppressClientCaCertificates !== undefined
      ? { clientIntermediates: intermediateStoreOf(o.suppressClientCaCertificates) }
      : {}),
  };
}

export function resolveServerConfig(o: ServerOptions, provider: CryptoProvider): ServerConfig {
  const c = common(o, provider, o.keylogFromEnv === true);
  let chain: Certificate[];
  let key: PrivateKey;
  if (o.secureContext !== undefined) {
    // Ours (node:tls servers ignore this option): a given secureContext wins over cert and key.
    if (!(o.secureContext instanceof SecureContext))
      throw new TypeError("secureContext must come from createSecureContext()");
    ({ chain, key } = o.secureContext.serverCredentials());
  } else {
    if (o.cert === undefined || o.key === undefined) throw new TypeError("server needs cert and key");
    chain = loadCertificateList(o.cert);
    if (!chain.length) throw new TypeError("cert holds no certificate");
    key = loadKey(o.key);
  }
  if (o.SNICallback !== undefined && typeof o.SNICallback !== "function")
    throw new TypeError("SNICallback must be a function");
  const usable = c.signatureSchemes.filter((s) =>
    provider.signatures[s]?.keyAlgorithms.includes(key.algorithm),
  );
  if (!usable.length) throw new TypeError(`no configured signature scheme signs with a ${key.algorithm} key`);
  const ticketKeys = o.ticketKeys ?? new TicketKeys(provider);
  const tickets = o.tickets ?? 2;
  if (!Number.isInteger(tickets) || tickets < 0 || tickets > 16)
    throw new RangeError("tickets must be 0..16");
  const ticketLifetime = o.ticketLifetime ?? 7200;
  if (!(ticketLifetime > 0 && ticketLifetime <= 604800 && ticketLifetime * 1000 <= ticketKeys.rotateEveryMs))
    throw new RangeError(
      "ticketLifetime must be 1..604800 s and no longer than the ticket key rotation period",
    );
  const postHandshakeClientAuth = clientAuthOf(o, c);
  const clientAuth = o.requestCert ? postHandshakeClientAuth : undefined;
  const maxEarlyData = o.maxEarlyData ?? 0;
  if (!Number.isInteger(maxEarlyData) || maxEarlyData < 0 || maxEarlyData > 0xffffffff)
    throw new RangeError("maxEarlyData must be a whole number of bytes");
  return {
    ...c,
    chain,
    key,
    selectCredentials: o.SNICallback && credentialsFromSNICallback(o.SNICallback),
    handshakeTimeout: c.handshakeTimeout ?? DEFAULT_SERVER_HANDSHAKE_TIMEOUT_MS,
    // psk_ke (no forward secrecy for the resumed connection) only when asked for, as OpenSSL and rustls.
    pskModes: o.pskModes ? c.pskModes : ["psk_dhe_ke"],
    // Tickets do not carry the client's certificate verdict: with requestCert every connection is a
    // full handshake that authenticates the client again (RFC 8446 §4.3.2: no CertificateRequest
    // after a PSK), so none are issued.
    tickets: clientAuth ? 0 : tickets,
    ticketLifetime,
    ticketKeys,
    replayCache: ticketKeys.replayCache,
    maxEarlyData,
    suppressCaCertificates: o.suppressCaCertificates ?? true,
    leafOnlyChain: chain.slice(0, 1),
    trustAnchorChains: resolveTrustAnchorChains(o.trustAnchorChains),
    clientAuth,
    postHandshakeClientAuth,
  };
}

/**
 * node:tls's SNICallback as a CredentialsSelector: its context's chain and key, undefined for the
 * server's own (null or undefined context, as node:tls), and a TypeError for anything else.
 */
export function credentialsFromSNICallback(callback: SNICallback): CredentialsSelector {
  return (servername, done) =>
    callback(servername, (err, ctx) => {
      if (err) return done(err);
      if (ctx === undefined || ctx === null) return done(null, undefined);
      if (!(ctx instanceof SecureContext))
        return done(new TypeError("SNICallback: the context must come from createSecureContext()"));
      let credentials: ServerCredentials;
      try {
        credentials = ctx.serverCredentials();
      } catch (e) {
        return done(e as Error);
      }
      done(null, credentials);
    });
}

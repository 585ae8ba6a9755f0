// node:tls's secure contexts: createSecureContext(options) resolves a certificate chain and key once,
// so a server can switch to it per connection (SNICallback, addContext) or for new connections
// (setSecureContext), as node:tls servers switch OpenSSL SSL_CTXs. A context switches what OpenSSL
// switches with SSL_set_SSL_CTX: the certificate and key; groups, suites and the rest stay the server's.

import type { PrivateKey } from "./crypto/provider.js";
import type { ServerCredentials } from "./handshake/config.js";
import { loadCertificateList, loadKey } from "./handshake/credentials.js";
import type { CertificatesInput } from "./options.js";
import type { Certificate } from "./x509/index.js";

export interface SecureContextOptions {
  /** Certificate chain, leaf first. */
  cert?: CertificatesInput;
  key?: string | Uint8Array | PrivateKey;
  /** Trust anchors for client certificates (mTLS) of a server given this context as `secureContext`. */
  ca?: CertificatesInput;
}

/** A resolved chain and key (node:tls's SecureContext; `context` holds what was resolved). */
export class SecureContext {
  readonly context: { chain: Certificate[]; key?: PrivateKey; ca: Certificate[] };

  constructor(options: SecureContextOptions = {}) {
    const chain = options.cert === undefined ? [] : loadCertificateList(options.cert);
    if (options.cert !== undefined && chain.length === 0) throw new TypeError("cert holds no certificate");
    const key = options.key === undefined ? undefined : loadKey(options.key);
    if ((key === undefined) !== (chain.length === 0))
      throw new TypeError("a secure context needs both cert and key, or neither");
    const ca = options.ca === undefined ? [] : loadCertificateList(options.ca);
    this.context = { chain, key, ca };
  }

  /** The chain and key a server presents with this context, or a TypeError naming what is missing. */
  serverCredentials(): ServerCredentials {
    const { chain, key } = this.context;
    if (!key) throw new TypeError("secure context has no cert and key");
    return { chain, key };
  }
}

export function createSecureContext(options?: SecureContextOptions): SecureContext {
  return new SecureContext(options);
}

/** node:tls's SNICallback: answers with a context for the name, or undefined for the server's own. */
export type SNICallback = (
  servername: string,
  cb: (err: Error | null | undefined, ctx?: SecureContext | null) => void,
) => void;

/**
 * node:tls's server.addContext() matching: the name against each added pattern, latest first,
 * with "*" standing for one label ("*.example.com").
 */
export class ContextsByName {
  private readonly entries: Array<{ pattern: RegExp; context: SecureContext }> = [];

  /** `context`: a SecureContext, or createSecureContext()'s options, as node:tls accepts either. */
  add(hostname: string, context: SecureContext | SecureContextOptions): void {
    if (typeof hostname !== "string" || !hostname)
      throw new TypeError("addContext: hostname must be a string");
    if (!(context instanceof SecureContext)) context = new SecureContext(context);
    const escaped = hostname
      .toLowerCase()
      .replace(/[.+?^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, "[^.]*");
    this.entries.unshift({ pattern: new RegExp(`^${escaped}$`), context });
  }

  get size(): number {
    return this.entries.length;
  }

  find(servername: string): SecureContext | undefined {
    const name = servername.toLowerCase();
    return this.entries.find((e) => e.pattern.test(name))?.context;
  }
}

// Suppressing CA certificates (draft-kampanakis-tls-scas-latest-03): a client that holds the
// intermediates sets a tls_flags flag in its ClientHello; a server that sees it sends only its
// end-entity certificate; the client rebuilds the chain from what it holds. What it holds is an
// IntermediateStore: preloaded (as browsers preload the intermediates they know of), filled from
// the verified chains of earlier connections, or both.
//
// The draft's failure rule (§3.1): when the client still cannot build the chain, the handshake
// fails (the chain does not reach a trust anchor: the verifier's alert, unknown_ca for a missing
// issuer) and the client MUST NOT send the flag on its next connection to that server. The store
// remembers that per server name.

import type { CertificatesInput } from "../options.js";
import { TlsFlag } from "../wire/codepoints.js";
import type { Certificate } from "../x509/index.js";
import { type ChainVerdict, checkServerChain, loadCertificateList } from "./credentials.js";

/** Links followed from the last presented certificate: verifyChain's default maximum depth. */
const MAX_ADDED = 8;
/** Server names remembered as failed, oldest forgotten first (a bound for long-lived clients). */
const MAX_FAILED_NAMES = 1024;

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");

/** CA certificates a client holds, by subject name; and the servers suppression failed with. */
export class IntermediateStore {
  private readonly bySubject = new Map<string, Certificate[]>();
  private readonly seen = new Set<string>();
  private readonly failed = new Set<string>();

  /** `preloaded`: certificates known before any connection (PEM, DER or parsed). */
  constructor(preloaded?: CertificatesInput) {
    if (preloaded !== undefined) this.add(loadCertificateList(preloaded));
  }

  /** Number of certificates held. */
  get size(): number {
    return this.seen.size;
  }

  /** The certificates held, in the order they were added (e.g. to trust one as an anchor). */
  certificates(): Certificate[] {
    return [...this.bySubject.values()].flat();
  }

  /** Adds CA certificates (self-issued ones, i.e. roots, are the trust store's business: skipped). */
  add(certs: readonly Certificate[]): void {
    for (const c of certs) {
      if (c.selfIssued) continue;
      const id = hex(c.der);
      if (this.seen.has(id)) continue;
      this.seen.add(id);
      const key = hex(c.subjectDer);
      const list = this.bySubject.get(key);
      if (list) list.push(c);
      else this.bySubject.set(key, [c]);
    }
  }

  /**
   * The held certificates that may continue `presented` towards a root: issuers of the last
   * certificate, then theirs, breadth first, at most MAX_ADDED, none already presented. Path
   * building (verifyChain) picks among them, so a cross-signed subject with two certificates works.
   */
  issuersFor(presented: readonly Certificate[]): Certificate[] {
    const have = new Set(presented.map((c) => hex(c.der)));
    const out: Certificate[] = [];
    let frontier = presented.length ? [presented[presented.length - 1]] : [];
    while (frontier.length && out.length < MAX_ADDED) {
      const next: Certificate[] = [];
      for (const c of frontier)
        for (const issuer of this.bySubject.get(hex(c.issuerDer)) ?? []) {
          const id = hex(issuer.der);
          if (have.has(id) || out.length >= MAX_ADDED) continue;
          have.add(id);
          out.push(issuer);
          next.push(issuer);
        }
      frontier = next;
    }
    return out;
  }

  /** The draft's §3.1 rule: after a failure with this server, do not ask it to suppress again. */
  markFailed(servername: string): void {
    if (this.failed.size >= MAX_FAILED_NAMES) this.failed.delete(this.failed.values().next().value!);
    this.failed.add(servername);
  }

  /**
   * Whether to set the flag for this server: the store holds something (an empty one believes in
   * no complete set, so the first connection of a cold cache gets the whole chain and fills it),
   * and suppression has not failed with this name.
   */
  mayAsk(servername: string): boolean {
    return this.seen.size > 0 && !this.failed.has(servername);
  }
}

/** The store `suppressCaCertificates: true` uses: one per process, as a browser's is. */
export const sharedIntermediateStore = new IntermediateStore();

/** Client option → the store to use, or undefined when suppression is off. */
export function resolveIntermediateStore(
  option: boolean | IntermediateStore | undefined,
): IntermediateStore | undefined {
  if (option === undefined || option === false) return undefined;
  if (option === true) return sharedIntermediateStore;
  if (option instanceof IntermediateStore) return option;
  throw new TypeError("suppressCaCertificates must be a boolean or an IntermediateStore");
}

/** A server's client-chain intermediates option as a store (certificates are loaded once, here). */
export function intermediateStoreOf(option: IntermediateStore | CertificatesInput): IntermediateStore {
  return option instanceof IntermediateStore ? option : new IntermediateStore(option);
}

/** Whether a ClientHello's tls_flags ask the server to suppress its CA certificates. */
export function clientAsksSuppression(tlsFlags: readonly number[] | undefined): boolean {
  return tlsFlags?.includes(TlsFlag.suppress_ca_certificates) === true;
}

/**
 * The client's chain check with a store: completes the presented chain when we asked for
 * suppression, remembers verified CA certificates, and records a failed suppression (§3.1).
 */
export function checkServerChainFromStore(
  ders: Uint8Array[],
  o: Omit<Parameters<typeof checkServerChain>[1], "completeWith">,
  store: IntermediateStore | undefined,
  asked: boolean,
): ChainVerdict {
  let verdict: ChainVerdict;
  try {
    verdict = checkServerChain(ders, { ...o, completeWith: asked ? store : undefined });
  } catch (e) {
    if (asked) store?.markFailed(o.hostname);
    throw e;
  }
  if (verdict.authorized) store?.add(verdict.chain.slice(1));
  else if (asked) store?.markFailed(o.hostname);
  return verdict;
}

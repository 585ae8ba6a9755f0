// RFC 8446 §4.1.2: after a HelloRetryRequest the client sends "the same ClientHello" except that it
// may replace key_share with the one requested share, remove early_data, add the cookie, recompute
// pre_shared_key's ticket ages and binders (dropping PSKs that do not fit the suite), and add,
// remove or resize padding. Anything else changed is illegal_parameter. Like Go's crypto/tls, the
// comparison is by extension type rather than position, so a client that orders its extensions
// differently the second time is not punished for it.

import { TlsAlert } from "../errors.js";
import { equalBytes } from "../wire/bytes.js";
import type { ClientHello } from "../wire/client_hello.js";
import { AlertDescription, ExtensionType, nameOf } from "../wire/codepoints.js";
import { decodePreSharedKeyClient } from "../wire/psk.js";

/** Extensions the second ClientHello may change; the caller checks key_share and cookie themselves. */
const MAY_CHANGE = new Set<number>([
  ExtensionType.key_share,
  ExtensionType.cookie,
  ExtensionType.pre_shared_key,
  ExtensionType.early_data,
  ExtensionType.padding,
]);

const illegal = (reason: string) =>
  new TlsAlert(AlertDescription.illegal_parameter, `second ClientHello ${reason}`);

function extensionName(type: number): string {
  return (nameOf(ExtensionType, type) as string | undefined) ?? `extension ${type}`;
}

function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Throws illegal_parameter naming the first difference RFC 8446 §4.1.2 does not allow. */
export function checkSecondClientHello(first: ClientHello, second: ClientHello): void {
  if (second.legacyVersion !== first.legacyVersion) throw illegal("changes legacy_version");
  if (!equalBytes(second.random, first.random)) throw illegal("changes random");
  if (!equalBytes(second.legacySessionId, first.legacySessionId)) throw illegal("changes legacy_session_id");
  if (!sameNumbers(second.cipherSuites, first.cipherSuites)) throw illegal("changes cipher_suites");
  if (!equalBytes(second.legacyCompressionMethods, first.legacyCompressionMethods))
    throw illegal("changes legacy_compression_methods");

  const before = new Map(first.extensions.map((e) => [e.type, e.data]));
  const after = new Map(second.extensions.map((e) => [e.type, e.data]));
  for (const [type, data] of before) {
    if (MAY_CHANGE.has(type)) continue;
    const now = after.get(type);
    if (!now) throw illegal(`drops ${extensionName(type)}`);
    if (!equalBytes(now, data)) throw illegal(`changes ${extensionName(type)}`);
  }
  for (const type of after.keys())
    if (!MAY_CHANGE.has(type) && !before.has(type)) throw illegal(`adds ${extensionName(type)}`);

  // RFC 8446 §4.2.10: early data is never offered after a HelloRetryRequest.
  if (after.has(ExtensionType.early_data)) throw illegal("still offers early_data");
  if (after.has(ExtensionType.key_share) !== before.has(ExtensionType.key_share))
    throw illegal(`${before.has(ExtensionType.key_share) ? "drops" : "adds"} key_share`);

  // pre_shared_key: ages and binders are recomputed, PSKs may be dropped, none may be added.
  const psk2 = after.get(ExtensionType.pre_shared_key);
  if (psk2) {
    const psk1 = before.get(ExtensionType.pre_shared_key);
    if (!psk1) throw illegal("adds pre_shared_key");
    const earlier = decodePreSharedKeyClient(psk1).identities;
    for (const { identity } of decodePreSharedKeyClient(psk2).identities)
      if (!earlier.some((e) => equalBytes(e.identity, identity)))
        throw illegal("offers a PSK identity the first did not");
  }
}

// Which extension may appear in which handshake message: RFC 8446 §4.2's table, plus
// record_size_limit (RFC 8449 §4: CH, EE) and compress_certificate (RFC 8879 §3: CH, CR). Every
// message codec checks each extension it reads against its row here, so the state machines never
// see an extension that is not allowed where it arrived.
//
// The alerts are RFC 8446 §4.2's:
// - a repeated extension type: illegal_parameter (readExtensions);
// - an extension we recognise that is not specified for the message it came in: illegal_parameter;
// - in a message that answers ours (ServerHello, HelloRetryRequest, EncryptedExtensions, a server
//   CertificateEntry), an extension we did not send first: unsupported_extension. HRR's cookie is the
//   one response a server may send unasked;
// - an extension we do not recognise in ClientHello, CertificateRequest or NewSessionTicket: ignored
//   (§4.1.2, §4.3.2, §4.6.1).

import { TlsAlert } from "../errors.js";
import { AlertDescription, ExtensionType, nameOf } from "./codepoints.js";

/** The message columns of the RFC 8446 §4.2 table. */
export type ExtensionContext = "CH" | "SH" | "HRR" | "EE" | "CT" | "CR" | "NST";

const MESSAGE_NAME: Record<ExtensionContext, string> = {
  CH: "ClientHello",
  SH: "ServerHello",
  HRR: "HelloRetryRequest",
  EE: "EncryptedExtensions",
  CT: "CertificateEntry",
  CR: "CertificateRequest",
  NST: "NewSessionTicket",
};

/** RFC 8446 §4.2, row by row (every extension in codepoints.ts' ExtensionType has a row). */
const ROWS: Record<keyof typeof ExtensionType, readonly ExtensionContext[]> = {
  server_name: ["CH", "EE"],
  max_fragment_length: ["CH", "EE"],
  status_request: ["CH", "CR", "CT"],
  supported_groups: ["CH", "EE"],
  signature_algorithms: ["CH", "CR"],
  use_srtp: ["CH", "EE"],
  heartbeat: ["CH", "EE"],
  application_layer_protocol_negotiation: ["CH", "EE"],
  signed_certificate_timestamp: ["CH", "CR", "CT"],
  client_certificate_type: ["CH", "EE"],
  server_certificate_type: ["CH", "EE"],
  padding: ["CH"],
  compress_certificate: ["CH", "CR"],
  record_size_limit: ["CH", "EE"],
  pre_shared_key: ["CH", "SH"],
  early_data: ["CH", "EE", "NST"],
  supported_versions: ["CH", "SH", "HRR"],
  cookie: ["CH", "HRR"],
  psk_key_exchange_modes: ["CH"],
  certificate_authorities: ["CH", "CR"],
  oid_filters: ["CR"],
  post_handshake_auth: ["CH"],
  signature_algorithms_cert: ["CH", "CR"],
  key_share: ["CH", "SH", "HRR"],
};

/** Per message, the extension types allowed in it. */
export const ALLOWED_EXTENSIONS: Readonly<Record<ExtensionContext, ReadonlySet<number>>> = (() => {
  const out = {} as Record<ExtensionContext, Set<number>>;
  for (const where of Object.keys(MESSAGE_NAME) as ExtensionContext[]) out[where] = new Set();
  for (const [name, wheres] of Object.entries(ROWS) as [keyof typeof ExtensionType, ExtensionContext[]][])
    for (const where of wheres) out[where].add(ExtensionType[name]);
  return out;
})();

const RECOGNISED = new Set<number>(Object.values(ExtensionType));

/** Messages that answer the peer's: an extension in them must answer one we sent. */
const ANSWERS = new Set<ExtensionContext>(["SH", "HRR", "EE", "CT"]);

function extensionName(type: number): string {
  return (nameOf(ExtensionType, type) as string | undefined) ?? `extension ${type}`;
}

/**
 * Throws the RFC 8446 §4.2 alert for an extension of `type` received in `where`, or returns whether
 * the codec should decode it (false: an unrecognised extension to ignore). `offered` is the set of
 * extension types we sent in our ClientHello; it is required for the answer messages.
 */
export function checkExtension(
  where: ExtensionContext,
  type: number,
  offered?: ReadonlySet<number>,
): boolean {
  if (ALLOWED_EXTENSIONS[where].has(type)) {
    if (!ANSWERS.has(where) || offered?.has(type) || (where === "HRR" && type === ExtensionType.cookie))
      return true;
    throw new TlsAlert(
      AlertDescription.unsupported_extension,
      `${MESSAGE_NAME[where]}: ${extensionName(type)} was not offered`,
    );
  }
  if (RECOGNISED.has(type))
    throw new TlsAlert(
      AlertDescription.illegal_parameter,
      `${MESSAGE_NAME[where]}: ${extensionName(type)} is not allowed there`,
    );
  if (ANSWERS.has(where))
    throw new TlsAlert(
      AlertDescription.unsupported_extension,
      `${MESSAGE_NAME[where]}: ${extensionName(type)} was not offered`,
    );
  return false;
}

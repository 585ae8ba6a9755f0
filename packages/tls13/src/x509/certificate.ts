// The certificate model: one parse of the DER into the fields path validation and TLS need.
// Malformed input → TlsAlert(bad_certificate); an algorithm we do not speak (or RFC 9881 ML-DSA
// parameters that must be absent) → TlsAlert(unsupported_certificate).

import { AsnConvert } from "@peculiar/asn1-schema";
import {
  Certificate as AsnCertificate,
  AuthorityKeyIdentifier,
  BasicConstraints,
  ExtendedKeyUsage,
  KeyUsage,
  KeyUsageFlags,
  SubjectKeyIdentifier,
} from "@peculiar/asn1-x509";
import type { PublicKey } from "../crypto/provider.js";
import { TlsAlert } from "../errors.js";
import { AlertDescription, type SignatureSchemeName } from "../wire/codepoints.js";
import { AlgorithmError, algorithmFromDer, oidToString, signatureSchemeOf } from "./algorithms.js";
import {
  assertSingleDerValue,
  bytesEqual,
  children,
  DerError,
  type Tlv,
  tlvBytes,
  tlvContent,
} from "./der.js";
import { formatIp } from "./ip.js";
import { KeyError, parseSpki } from "./keys.js";
import { formatName } from "./names.js";

export const EXT = {
  subjectKeyIdentifier: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  authorityKeyIdentifier: "2.5.29.35",
  extKeyUsage: "2.5.29.37",
} as const;

export const EKU = {
  serverAuth: "1.3.6.1.5.5.7.3.1",
  clientAuth: "1.3.6.1.5.5.7.3.2",
  any: "2.5.29.37.0",
} as const;

export type KeyUsageName =
  | "digitalSignature"
  | "nonRepudiation"
  | "keyEncipherment"
  | "dataEncipherment"
  | "keyAgreement"
  | "keyCertSign"
  | "cRLSign"
  | "encipherOnly"
  | "decipherOnly";

export interface CertificateExtension {
  oid: string;
  critical: boolean;
  /** extnValue contents (the DER of the extension's own value). */
  value: Uint8Array;
}

export interface Certificate {
  /** The certificate exactly as received. */
  readonly der: Uint8Array;
  /** The signed part (tbsCertificate), exactly as received. */
  readonly tbs: Uint8Array;
  readonly version: 1 | 2 | 3;
  /** Lowercase hex of the serial number's DER integer content. */
  readonly serialNumber: string;
  readonly subject: string;
  readonly issuer: string;
  /** Name DER: chains link by byte-equal names. */
  readonly subjectDer: Uint8Array;
  readonly issuerDer: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly publicKey: PublicKey;
  /** The scheme that verifies this certificate's signature (for an id-RSASSA-PSS issuer key the
   *  verifier uses the rsa_pss_pss_* twin). */
  readonly signatureScheme: SignatureSchemeName;
  readonly signature: Uint8Array;
  readonly isCA: boolean;
  /** basicConstraints pathLenConstraint, undefined when absent (unlimited). */
  readonly pathLen: number | undefined;
  /** undefined when the keyUsage extension is absent (no restriction). */
  readonly keyUsage: KeyUsageName[] | undefined;
  /** extKeyUsage OIDs, undefined when absent. */
  readonly extKeyUsage: string[] | undefined;
  readonly dnsNames: string[];
  readonly ipAddresses: string[];
  readonly subjectKeyId: Uint8Array | undefined;
  readonly authorityKeyId: Uint8Array | undefined;
  readonly extensions: CertificateExtension[];
  /** OIDs of critical extensions this code does not understand: validation must reject them. */
  readonly unhandledCriticalExtensions: string[];
  readonly selfIssued: boolean;
}

const HANDLED = new Set<string>(Object.values(EXT));

function bad(reason: string, cause?: unknown): TlsAlert {
  return new TlsAlert(AlertDescription.bad_certificate, reason, cause === undefined ? undefined : { cause });
}

function unsupported(reason: string): TlsAlert {
  return new TlsAlert(AlertDescription.unsupported_certificate, reason);
}

const KEY_USAGE_BITS: Array<[KeyUsageName, number]> = [
  ["digitalSignature", KeyUsageFlags.digitalSignature],
  ["nonRepudiation", KeyUsageFlags.nonRepudiation],
  ["keyEncipherment", KeyUsageFlags.keyEncipherment],
  ["dataEncipherment", KeyUsageFlags.dataEncipherment],
  ["keyAgreement", KeyUsageFlags.keyAgreement],
  ["keyCertSign", KeyUsageFlags.keyCertSign],
  ["cRLSign", KeyUsageFlags.cRLSign],
  ["encipherOnly", KeyUsageFlags.encipherOnly],
  ["decipherOnly", KeyUsageFlags.decipherOnly],
];

/** Parses one DER certificate (copied: callers may reuse their buffers, e.g. a record buffer). */
export function parseCertificate(input: Uint8Array): Certificate {
  const der = new Uint8Array(input);
  let outer: Tlv;
  try {
    outer = assertSingleDerValue(der);
  } catch (e) {
    throw bad(`certificate is not valid DER: ${(e as DerError).message}`, e);
  }
  const top = children(der, outer);
  if (
    outer.tag !== 0x30 ||
    top.length !== 3 ||
    top[0].tag !== 0x30 ||
    top[1].tag !== 0x30 ||
    top[2].tag !== 0x03
  )
    throw bad("certificate is not SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }");
  const tbs = tlvBytes(der, top[0]);
  const tbsParts = children(der, top[0]);
  const hasVersion = tbsParts[0]?.tag === 0xa0;
  const at = hasVersion ? 1 : 0;
  if (tbsParts.length < at + 6) throw bad("tbsCertificate has too few fields");
  const innerSigAlg = tlvBytes(der, tbsParts[at + 1]);
  const spkiBytes = tlvBytes(der, tbsParts[at + 5]);
  if (!bytesEqual(innerSigAlg, tlvBytes(der, top[1])))
    throw bad("tbsCertificate.signature differs from signatureAlgorithm (RFC 5280 §4.1.1.2)");

  let asn: AsnCertificate;
  try {
    asn = AsnConvert.parse(der, AsnCertificate);
  } catch (e) {
    throw bad(`certificate does not parse: ${(e as Error).message}`, e);
  }
  const t = asn.tbsCertificate;

  let signatureScheme: SignatureSchemeName;
  let publicKey: PublicKey;
  try {
    signatureScheme = signatureSchemeOf(algorithmFromDer(tlvBytes(der, top[1])));
    publicKey = parseSpki(spkiBytes);
  } catch (e) {
    if ((e instanceof AlgorithmError || e instanceof KeyError) && e.kind === "unsupported")
      throw unsupported(e.message);
    throw bad((e as Error).message, e);
  }

  const sigBits = tlvContent(der, top[2]);
  if (sigBits.length < 1 || sigBits[0] !== 0) throw bad("signatureValue BIT STRING has unused bits");
  const version = ((t.version ?? 0) + 1) as 1 | 2 | 3;
  if (version < 1 || version > 3) throw bad(`unknown certificate version ${t.version}`);

  const extensions: CertificateExtension[] = [];
  const seen = new Set<string>();
  for (const e of readExtensions(der, tbsParts)) {
    if (seen.has(e.oid)) throw bad(`extension ${e.oid} appears twice (RFC 5280 §4.2)`);
    seen.add(e.oid);
    extensions.push(e);
  }
  if (extensions.length && version !== 3) throw bad("extensions in a certificate that is not version 3");
  const ext = (oid: string) => extensions.find((e) => e.oid === oid);
  const parseExt = <T>(oid: string, type: new () => T): T | undefined => {
    const e = ext(oid);
    if (!e) return undefined;
    try {
      return AsnConvert.parse(e.value, type);
    } catch (err) {
      throw bad(`extension ${oid} does not parse: ${(err as Error).message}`, err);
    }
  };

  const bc = parseExt(EXT.basicConstraints, BasicConstraints);
  const ku = parseExt(EXT.keyUsage, KeyUsage);
  const eku = parseExt(EXT.extKeyUsage, ExtendedKeyUsage);
  const ski = parseExt(EXT.subjectKeyIdentifier, SubjectKeyIdentifier);
  const aki = parseExt(EXT.authorityKeyIdentifier, AuthorityKeyIdentifier);
  const san = ext(EXT.subjectAltName);
  const { dnsNames, ipAddresses } = san ? parseSubjectAltName(san.value) : { dnsNames: [], ipAddresses: [] };

  let notBefore: Date;
  let notAfter: Date;
  try {
    notBefore = t.validity.notBefore.getTime();
    notAfter = t.validity.notAfter.getTime();
  } catch (e) {
    throw bad(`validity does not parse: ${(e as Error).message}`, e);
  }
  if (Number.isNaN(notBefore.getTime()) || Number.isNaN(notAfter.getTime()))
    throw bad("validity dates are invalid");

  const issuerDer = tlvBytes(der, tbsParts[at + 2]);
  const subjectDer = tlvBytes(der, tbsParts[at + 4]);
  const pathLen = bc?.pathLenConstraint;
  if (pathLen !== undefined && (pathLen < 0 || !bc?.cA))
    throw bad("pathLenConstraint without cA, or negative");

  return {
    der,
    tbs,
    version,
    serialNumber: Buffer.from(t.serialNumber).toString("hex"),
    subject: formatName(t.subject),
    issuer: formatName(t.issuer),
    subjectDer,
    issuerDer,
    notBefore,
    notAfter,
    publicKey,
    signatureScheme,
    signature: sigBits.subarray(1),
    isCA: bc?.cA ?? false,
    pathLen,
    keyUsage: ku
      ? KEY_USAGE_BITS.filter(([, bit]) => (ku.toNumber() & bit) !== 0).map(([n]) => n)
      : undefined,
    extKeyUsage: eku ? Array.from(eku) : undefined,
    dnsNames,
    ipAddresses,
    subjectKeyId: ski ? new Uint8Array(ski.buffer) : undefined,
    authorityKeyId: aki?.keyIdentifier ? new Uint8Array(aki.keyIdentifier.buffer) : undefined,
    extensions,
    unhandledCriticalExtensions: extensions
      .filter((e) => e.critical && !HANDLED.has(e.oid))
      .map((e) => e.oid),
    selfIssued: bytesEqual(issuerDer, subjectDer),
  };
}

/**
 * The extensions, read from the DER: the library renders OID arcs above 2^53 (such as UUID arcs
 * under 2.25) in its own notation, so OIDs are decoded here.
 */
function readExtensions(der: Uint8Array, tbsParts: Tlv[]): CertificateExtension[] {
  const wrapper = tbsParts.find((p) => p.tag === 0xa3);
  if (!wrapper) return [];
  const [list] = children(der, wrapper);
  if (list?.tag !== 0x30) throw bad("extensions are not a SEQUENCE");
  return children(der, list).map((ext) => {
    const parts = children(der, ext);
    const critical = parts.length === 3;
    if (ext.tag !== 0x30 || parts[0]?.tag !== 0x06 || parts.length < 2 || parts.length > 3)
      throw bad("an extension is not SEQUENCE { extnID, critical DEFAULT FALSE, extnValue }");
    if (
      critical &&
      (parts[1].tag !== 0x01 || parts[1].contentLength !== 1 || der[parts[1].start + 2] !== 0xff)
    )
      throw bad("extension critical flag must be an explicit TRUE (DER omits FALSE)");
    const value = parts[parts.length - 1];
    if (value.tag !== 0x04) throw bad("extnValue is not an OCTET STRING");
    return { oid: oidToString(tlvContent(der, parts[0])), critical, value: tlvContent(der, value).slice() };
  });
}

/** GeneralNames: we read dNSName [2] IA5String and iPAddress [7] OCTET STRING; others are kept out. */
function parseSubjectAltName(value: Uint8Array): { dnsNames: string[]; ipAddresses: string[] } {
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  try {
    const seq = assertSingleDerValue(value);
    if (seq.tag !== 0x30) throw new DerError("subjectAltName is not a SEQUENCE");
    for (const name of children(value, seq)) {
      const content = tlvContent(value, name);
      if (name.tag === 0x82) {
        for (const c of content)
          if (c < 0x20 || c > 0x7e) throw new DerError("dNSName is not printable ASCII");
        dnsNames.push(Buffer.from(content).toString("latin1"));
      } else if (name.tag === 0x87) {
        if (content.length !== 4 && content.length !== 16)
          throw new DerError(`iPAddress of ${content.length} bytes`);
        ipAddresses.push(formatIp(content));
      }
    }
  } catch (e) {
    throw bad(`subjectAltName does not parse: ${(e as Error).message}`, e);
  }
  return { dnsNames, ipAddresses };
}

// Post-handshake client authentication (RFC 8446 §4.6.2), both roles. A client that offered
// post_handshake_auth answers each CertificateRequest the server sends after the handshake with
// Certificate, CertificateVerify (when it has a certificate) and Finished; the server checks that
// answer as it checks one in the handshake (client_auth.ts).
//
// Each exchange has its own transcript (RFC 8446 §4.4.1): the handshake's through client Finished,
// then this CertificateRequest, Certificate, CertificateVerify — never an earlier exchange's
// messages. The Finished key comes from client_application_traffic_secret_N, the one in use when
// the Finished is sent (§4.4). The answer goes whenever the client sends it: application data, other
// answers' messages and KeyUpdates may come between a request and its answer.

import type { Bytes, CryptoProvider } from "../crypto/provider.js";
import { TlsAlert } from "../errors.js";
import { equalBytes } from "../wire/bytes.js";
import { serializeCertificate } from "../wire/certificate.js";
import { parseCertificateRequest, serializeCertificateRequest } from "../wire/certificate_request.js";
import { certificateVerifyInput, serializeCertificateVerify } from "../wire/certificate_verify.js";
import {
  AlertDescription,
  ExtensionType,
  HandshakeType,
  SignatureScheme,
  type SignatureSchemeName,
} from "../wire/codepoints.js";
import { parseFinished, serializeFinished } from "../wire/finished.js";
import { type HandshakeMessage, handshakeName } from "../wire/handshake.js";
import { type ClientAuthState, onClientCertificate, onClientCertificateVerify } from "./client_auth.js";
import { type ClientCredential, chooseClientCredential } from "./client_certificate.js";
import type { ClientAuthConfig } from "./config.js";
import type { HandshakeInfo } from "./io.js";
import { finishedVerifyData } from "./key_schedule.js";
import type { Transcript } from "./transcript.js";

/** What an exchange needs from its connection once the handshake is over. */
export interface PostHandshakeIO {
  readonly provider: CryptoProvider;
  readonly info: HandshakeInfo;
  /** client_application_traffic_secret_N now: the client's write secret, the server's read secret. */
  clientApplicationSecret(): Bytes;
  /** Runs the experiment send hook over a message (as for handshake messages). */
  hook(msg: HandshakeMessage): HandshakeMessage;
  /** Handshake messages in one flight under the current write key, sent now. */
  sendPostHandshake(msgs: HandshakeMessage[]): void;
  /** We may still send (no close_notify of ours, no failure). */
  readonly canWriteAppData: boolean;
}

/** A role's side of post-handshake authentication, fed the post-handshake messages it owns. */
export interface PostHandshakeAuth {
  /** Client: a CertificateRequest. Server: the client's Certificate, CertificateVerify or Finished. */
  handle(msg: HandshakeMessage): void;
  /** Application data arrived from the peer. */
  applicationData(): void;
}

const alert = (code: AlertDescription, reason: string) => new TlsAlert(code, reason);

/**
 * CertificateRequests a client answers in a row without application data between them: each costs
 * a signature (milliseconds with ML-DSA or RSA), and a server that only asks is spending our CPU
 * (the same bound as MAX_KEY_UPDATES_WITHOUT_DATA, for the same reason).
 */
export const MAX_CERTIFICATE_REQUESTS_WITHOUT_DATA = 16;

/** The client's credentials and schemes, as the in-handshake answer uses them. */
export interface ClientAnswerConfig {
  credentials: readonly ClientCredential[];
  signatureSchemes: readonly SignatureSchemeName[];
  provider: CryptoProvider;
}

export class ClientPostHandshakeAuth implements PostHandshakeAuth {
  private inARow = 0;

  /** `handshake`: the transcript through our Finished (forked, so later messages do not touch it). */
  constructor(
    private readonly io: PostHandshakeIO,
    private readonly handshake: Transcript,
    private readonly config: ClientAnswerConfig,
  ) {}

  handle(msg: HandshakeMessage): void {
    if (msg.type !== HandshakeType.certificate_request)
      throw alert(
        AlertDescription.unexpected_message,
        `unexpected post-handshake ${handshakeName(msg.type)}`,
      );
    if (++this.inARow > MAX_CERTIFICATE_REQUESTS_WITHOUT_DATA)
      throw alert(
        AlertDescription.unexpected_message,
        `more than ${MAX_CERTIFICATE_REQUESTS_WITHOUT_DATA} CertificateRequests without application data`,
      );
    const request = parseCertificateRequest(msg.body);
    // RFC 8446 §4.3.2: the context tells the answers apart; an empty one belongs in the handshake.
    if (request.requestContext.length === 0)
      throw alert(
        AlertDescription.unexpected_message,
        "post-handshake CertificateRequest with an empty request context",
      );
    if (!this.io.canWriteAppData) return; // we sent close_notify: there is no answering any more
    const transcript = this.handshake.fork();
    transcript.add(msg.raw);
    const flight: HandshakeMessage[] = [];
    const send = (m: HandshakeMessage) => {
      const out = this.io.hook(m);
      transcript.add(out.raw);
      flight.push(out);
    };
    const { credentials, signatureSchemes, provider } = this.config;
    const choice = chooseClientCredential(credentials, request, signatureSchemes, provider);
    const entries = (choice?.credential.chain ?? []).map((c) => ({ certData: c.der, extensions: [] }));
    send(serializeCertificate({ requestContext: request.requestContext, entries }));
    if (choice) {
      const signed = certificateVerifyInput("client", transcript.digest());
      const signature = provider.signatures[choice.scheme]!.sign(choice.credential.key, signed);
      send(serializeCertificateVerify({ algorithm: SignatureScheme[choice.scheme], signature }));
      this.io.info.clientSignatureScheme = choice.scheme;
    }
    const hash = transcript.hash;
    send(serializeFinished(finishedVerifyData(hash, this.io.clientApplicationSecret(), transcript.digest())));
    this.io.sendPostHandshake(flight);
  }

  applicationData(): void {
    this.inARow = 0;
  }
}

/**
 * CertificateRequests a server keeps open at once: each holds a transcript until answered, and a
 * client that never answers must not make the server hold more.
 */
export const MAX_PENDING_CERTIFICATE_REQUESTS = 4;

/** Bytes of random request context (OpenSSL sends 32; any non-empty unique string will do). */
const REQUEST_CONTEXT_BYTES = 16;

interface PendingRequest {
  context: Bytes;
  /** The handshake's transcript, then this CertificateRequest and the answer so far. */
  transcript: Transcript;
  extensionTypes: ReadonlySet<number>;
  /** The verdict on the answer, given to the connection's info only once its Finished verifies. */
  verdict: Pick<
    HandshakeInfo,
    "peerCertificates" | "authorized" | "authorizationError" | "clientSignatureScheme"
  >;
  /** Called once: without an error when the answer verified, else with the connection's failure. */
  done: (err?: Error) => void;
}

/** Where the answer to the oldest pending request is (answers come in the order asked, §4.6.2). */
type AnswerStage =
  | { name: "certificate" }
  | { name: "certificate_verify"; client: ClientAuthState }
  | { name: "finished" };

export class ServerPostHandshakeAuth implements PostHandshakeAuth {
  private readonly pending: PendingRequest[] = [];
  private stage: AnswerStage = { name: "certificate" };

  /** `handshake`: the transcript through the client's Finished. */
  constructor(
    private readonly io: PostHandshakeIO,
    private readonly handshake: Transcript,
    private readonly config: ClientAuthConfig,
    /** The schemes we accept in the client's CertificateVerify. */
    private readonly signatureSchemes: readonly SignatureSchemeName[],
  ) {}

  get pendingRequests(): number {
    return this.pending.length;
  }

  /** Sends a CertificateRequest; throws a plain Error (nothing sent) when one cannot go now. */
  request(done: (err?: Error) => void): void {
    if (!this.io.canWriteAppData) throw new Error("requestCertificate: the connection is closed for writing");
    if (this.pending.length >= MAX_PENDING_CERTIFICATE_REQUESTS)
      throw new Error(
        `requestCertificate: ${MAX_PENDING_CERTIFICATE_REQUESTS} requests already wait for the client's answer`,
      );
    const { advertisedSignatureSchemes, authorities } = this.config;
    const context = this.io.provider.randomBytes(REQUEST_CONTEXT_BYTES);
    const msg = this.io.hook(
      serializeCertificateRequest({
        requestContext: context,
        signatureSchemes: advertisedSignatureSchemes.map((s) => SignatureScheme[s]),
        certificateAuthorities: authorities,
      }),
    );
    const transcript = this.handshake.fork();
    transcript.add(msg.raw);
    const extensionTypes = new Set([ExtensionType.signature_algorithms as number]);
    if (authorities) extensionTypes.add(ExtensionType.certificate_authorities);
    this.pending.push({ context, transcript, extensionTypes, verdict: { peerCertificates: [] }, done });
    this.io.sendPostHandshake([msg]);
  }

  handle(msg: HandshakeMessage): void {
    const request = this.pending[0];
    if (!request)
      throw alert(
        AlertDescription.unexpected_message,
        `post-handshake ${handshakeName(msg.type)} without a CertificateRequest`,
      );
    // The checks write their verdict aside: `authorized` must not say yes before the Finished does.
    const info = request.verdict as HandshakeInfo;
    const io = { provider: this.io.provider, info, transcript: request.transcript };
    const stage = this.stage;
    switch (stage.name) {
      case "certificate": {
        const client = onClientCertificate(io, this.config, msg, request.extensionTypes, request.context);
        this.stage = client ? { name: "certificate_verify", client } : { name: "finished" };
        return;
      }
      case "certificate_verify":
        onClientCertificateVerify(io, this.signatureSchemes, msg, stage.client);
        this.stage = { name: "finished" };
        return;
      case "finished":
        this.onFinished(msg, request);
        return;
    }
  }

  private onFinished(msg: HandshakeMessage, request: PendingRequest): void {
    if (msg.type !== HandshakeType.finished)
      throw alert(AlertDescription.unexpected_message, `expected finished, got ${handshakeName(msg.type)}`);
    const hash = request.transcript.hash;
    const verifyData = parseFinished(msg.body, hash.outputLength);
    const key = this.io.clientApplicationSecret();
    if (!equalBytes(verifyData, finishedVerifyData(hash, key, request.transcript.digest())))
      throw alert(AlertDescription.decrypt_error, "post-handshake client Finished does not verify");
    this.pending.shift();
    this.stage = { name: "certificate" };
    const { peerCertificates, authorized, authorizationError, clientSignatureScheme } = request.verdict;
    Object.assign(this.io.info, { peerCertificates, authorized, authorizationError });
    if (clientSignatureScheme) this.io.info.clientSignatureScheme = clientSignatureScheme;
    request.done();
  }

  applicationData(): void {}

  /** The connection failed or closed: every request still waiting learns it. */
  abandon(err: Error): void {
    for (const request of this.pending.splice(0)) request.done(err);
  }
}

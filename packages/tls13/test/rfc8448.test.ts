// RFC 8448 vectors for the key schedule, transcript (incl. HelloRetryRequest's message_hash),
// Finished, traffic keys and record protection. Message bytes and secrets are the RFC's, as kept by
// independent implementations' test suites (tlslite-ng unit_tests/test_tls1_3_vectors.py and others):
// the published text's errata concern other sections, and every value here is cross-checked by the
// chain of derivations (a wrong message byte breaks every later secret).

import { describe, expect, it } from "vitest";
import { nobleProvider } from "../src/crypto/index.js";
import {
  EarlySecret,
  finishedVerifyData,
  hkdfExpandLabel,
  nextTrafficSecret,
  ticketPsk,
  trafficKeys,
} from "../src/handshake/key_schedule.js";
import { Transcript } from "../src/handshake/transcript.js";
import { RecordCipher } from "../src/record/cipher.js";
import { RecordReader } from "../src/record/reader.js";
import { RecordWriter } from "../src/record/writer.js";
import { fromHex, toHex } from "../src/wire/bytes.js";
import { parseClientHello, serializeClientHello } from "../src/wire/client_hello.js";
import { ContentType, ExtensionType } from "../src/wire/codepoints.js";
import {
  decodeCookie,
  decodeKeyShareClient,
  decodeKeyShareHrr,
  findExtension,
} from "../src/wire/extensions.js";
import { isHelloRetryRequest, parseServerHello, serializeServerHello } from "../src/wire/server_hello.js";

const sha256 = nobleProvider.hashes.sha256;
const aes128 = nobleProvider.suites.TLS_AES_128_GCM_SHA256!.aead;

// ---- §3 Simple 1-RTT Handshake ----
const CH =
  "010000c00303cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7000006130113031302010000910000000b0009000006736572766572ff01000100000a00140012001d0017001800190100010101020103010400230000003300260024001d002099381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c002b0003020304000d0020001e040305030603020308040805080604010501060102010402050206020202002d00020101001c00024001";
const SH =
  "020000560303a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e2692800130100002e00330024001d0020c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f002b00020304";
const EE = "080000240022000a00140012001d00170018001901000101010201030104001c0002400100000000";
const CERT =
  "0b0001b9000001b50001b0308201ac30820115a003020102020102300d06092a864886f70d01010b0500300e310c300a06035504031303727361301e170d3136303733303031323335395a170d3236303733303031323335395a300e310c300a0603550403130372736130819f300d06092a864886f70d010101050003818d0030818902818100b4bb498f8279303d980836399b36c6988c0c68de55e1bdb826d3901a2461eafd2de49a91d015abbc9a95137ace6c1af19eaa6af98c7ced43120998e187a80ee0ccb0524b1b018c3e0b63264d449a6d38e22a5fda430846748030530ef0461c8ca9d9efbfae8ea6d1d03e2bd193eff0ab9a8002c47428a6d35a8d88d79f7f1e3f0203010001a31a301830090603551d1304023000300b0603551d0f0404030205a0300d06092a864886f70d01010b05000381810085aad2a0e5b9276b908c65f73a7267170618a54c5f8a7b337d2df7a594365417f2eae8f8a58c8f8172f9319cf36b7fd6c55b80f21a03015156726096fd335e5e67f2dbf102702e608ccae6bec1fc63a42a99be5c3eb7107c3c54e9b9eb2bd5203b1c3b84e0a8b2f759409ba3eac9d91d402dcc0cc8f8961229ac9187b42b4de10000";
const CV =
  "0f000084080400805a747c5d88fa9bd2e55ab085a61015b7211f824cd484145ab3ff52f1fda8477b0b7abc90db78e2d33a5c141a078653fa6bef780c5ea248eeaaa785c4f394cab6d30bbe8d4859ee511f602957b15411ac027671459e46445c9ea58c181e818e95b8c3fb0bf3278409d3be152a3da5043e063dda65cdf5aea20d53dfacd42f74f3";
const SERVER_FINISHED = "140000209b9b141d906337fbd2cbdce71df4deda4ab42c309572cb7fffee5454b78f0718";
const CLIENT_FINISHED = "14000020a8ec436d677634ae525ac1fcebe11a039ec17694fac6e98527b642f2edd5ce61";
const ECDHE = "8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d";

/** The server's first protected record: EE ‖ Certificate ‖ CertificateVerify ‖ Finished. */
const SERVER_HS_RECORD =
  "17030302a2" +
  "d1ff334a56f5bff6594a07cc87b580233f500f45e489e7f33af35edf7869fcf40aa40aa2b8ea73f848a7ca07612ef9f945cb960b4068905123ea78b111b429ba9191cd05d2a389280f526134aadc7fc78c4b729df828b5ecf7b13bd9aefb0e57f271585b8ea9bb355c7c79020716cfb9b1183ef3ab20e37d57a6b9d7477609aee6e122a4cf51427325250c7d0e509289444c9b3a648f1d71035d2ed65b0e3cdd0cbae8bf2d0b227812cbb360987255cc744110c453baa4fcd610928d809810e4b7ed1a8fd991f06aa6248204797e36a6a73b70a2559c09ead686945ba246ab66e5edd8044b4c6de3fcf2a89441ac66272fd8fb330ef8190579b3684596c960bd596eea520a56a8d650f563aad27409960dca63d3e688611ea5e22f4415cf9538d51a200c27034272968a264ed6540c84838d89f72c24461aad6d26f59ecaba9acbbb317b66d902f4f292a36ac1b639c637ce343117b659622245317b49eeda0c6258f100d7d961ffb138647e92ea330faeea6dfa31c7a84dc3bd7e1b7a6c7178af36879018e3f252107f243d243dc7339d5684c8b0378bf30244da8c87c843f5e56eb4c5e8280a2b48052cf93b16499a66db7cca71e4599426f7d461e66f99882bd89fc50800becca62d6c74116dbd2972fda1fa80f85df881edbe5a37668936b335583b599186dc5c6918a396fa48a181d6b6fa4f9d62d513afbb992f2b992f67f8afe67f76913fa388cb5630c8ca01e0c65d11c66a1e2ac4c85977b7c7a6999bbf10dc35ae69f5515614636c0b9b68c19ed2e31c0b3b66763038ebba42f3b38edc0399f3a9f23faa63978c317fc9fa66a73f60f0504de93b5b845e275592c12335ee340bbc4fddd502784016e4b3be7ef04dda49f4b440a30cb5d2af939828fd4ae3794e44f94df5a631ede42c1719bfdabf0253fe5175be898e750edc53370d2b";
const CLIENT_FINISHED_RECORD =
  "1703030035" +
  "75ec4dc238cce60b298044a71e219c56cc77b0517fe9b93c7a4bfc44d87f38f80338ac98fc46deb384bd1caeacab6867d726c40546";
const CLIENT_APP_RECORD =
  "1703030043a23f7054b62c94d0affafe8228ba55cbefacea42f914aa66bcab3f2b9819a8a5b46b395bd54a9a20441e2b62974e1f5a6292a2977014bd1e3deae63aeebb21694915e4";
const CLIENT_ALERT_RECORD = "1703030013c9872760655666b74d7ff1153efd6db6d0b0e3";
const SERVER_APP_RECORD =
  "17030300432e937e11ef4ac740e538ad36005fc4a46932fc3225d05f82aa1b36e30efaf97d90e6dffc602dcb501a59a8fcc49c4bf2e5f0a21c0047c2abf332540dd032e167c2955d";

const fifty = Uint8Array.from({ length: 50 }, (_, i) => i);

function transcriptOf(...messages: string[]): Transcript {
  const t = new Transcript();
  for (const m of messages) t.add(fromHex(m));
  t.useHash(sha256);
  return t;
}

function cipherFor(secret: Uint8Array): RecordCipher {
  const k = trafficKeys(sha256, aes128, secret);
  return new RecordCipher(aes128.init(k.key), k.iv);
}

describe("RFC 8448 §3 simple 1-RTT: key schedule", () => {
  const early = new EarlySecret(sha256);
  const hs = early.handshakeSecret(fromHex(ECDHE));
  const thSh = transcriptOf(CH, SH).digest();
  const cHs = hs.clientTrafficSecret(thSh);
  const sHs = hs.serverTrafficSecret(thSh);
  const master = hs.masterSecret();
  const thSf = transcriptOf(CH, SH, EE, CERT, CV, SERVER_FINISHED).digest();
  const thCf = transcriptOf(CH, SH, EE, CERT, CV, SERVER_FINISHED, CLIENT_FINISHED).digest();

  it("derives early, handshake and master secrets", () => {
    expect(toHex(early.secret)).toBe("33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a");
    expect(toHex(hs.secret)).toBe("1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac");
    expect(toHex(master.secret)).toBe("18df06843d13a08bf2a449844c5f8a478001bc4d4c627984d5a41da8d0402919");
  });

  it("derives the handshake traffic secrets, keys and IVs", () => {
    expect(toHex(thSh)).toBe("860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed063cf0e1cad8");
    expect(toHex(cHs)).toBe("b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21");
    expect(toHex(sHs)).toBe("b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38");
    const sk = trafficKeys(sha256, aes128, sHs);
    expect(toHex(sk.key)).toBe("3fce516009c21727d0f2e4e86ee403bc");
    expect(toHex(sk.iv)).toBe("5d313eb2671276ee13000b30");
    const ck = trafficKeys(sha256, aes128, cHs);
    expect(toHex(ck.key)).toBe("dbfaa693d1762c5b666af5d950258d01");
    expect(toHex(ck.iv)).toBe("5bd3c71b836e0b76bb73265f");
    expect(toHex(hkdfExpandLabel(sha256, sHs, "finished", new Uint8Array(0), 32))).toBe(
      "008d3b66f816ea559f96b537e885c31fc068bf492c652f01f288a1d8cdc19fc8",
    );
  });

  it("computes both Finished values", () => {
    const thCv = transcriptOf(CH, SH, EE, CERT, CV).digest();
    expect(toHex(finishedVerifyData(sha256, sHs, thCv))).toBe(SERVER_FINISHED.slice(8));
    expect(toHex(finishedVerifyData(sha256, cHs, thSf))).toBe(CLIENT_FINISHED.slice(8));
  });

  it("derives application, exporter and resumption secrets", () => {
    const cAp = master.clientTrafficSecret(thSf);
    const sAp = master.serverTrafficSecret(thSf);
    expect(toHex(cAp)).toBe("9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5");
    expect(toHex(sAp)).toBe("a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643");
    expect(toHex(master.exporterSecret(thSf))).toBe(
      "fe22f881176eda18eb8f44529e6792c50c9a3f89452f68d8ae311b4309d3cf50",
    );
    const sk = trafficKeys(sha256, aes128, sAp);
    expect(toHex(sk.key)).toBe("9f02283b6c9c07efc26bb9f2ac92e356");
    expect(toHex(sk.iv)).toBe("cf782b88dd83549aadf1e984");
    const ck = trafficKeys(sha256, aes128, cAp);
    expect(toHex(ck.key)).toBe("17422dda596ed5d9acd890e3c63f5051");
    expect(toHex(ck.iv)).toBe("5b78923dee08579033e523d9");
    const res = master.resumptionSecret(thCf);
    expect(toHex(res)).toBe("7df235f2031d2a051287d02b0241b0bfdaf86cc856231f2d5aba46c434ec196c");
    expect(toHex(ticketPsk(sha256, res, Uint8Array.of(0, 0)))).toBe(
      "4ecd0eb6ec3b4d87f5d6028f922ca4c5851a277fd41311c9e62d2c9492e1c4f3",
    );
    // KeyUpdate's next secret is a plain HKDF-Expand-Label; distinct from the current one.
    expect(toHex(nextTrafficSecret(sha256, cAp))).not.toBe(toHex(cAp));
  });

  it("round-trips ClientHello and ServerHello through the codecs byte for byte", () => {
    const ch = parseClientHello(fromHex(CH).subarray(4));
    expect(ch.cipherSuites).toEqual([0x1301, 0x1303, 0x1302]);
    expect(toHex(serializeClientHello(ch).raw)).toBe(CH);
    const sh = parseServerHello(fromHex(SH).subarray(4));
    expect(isHelloRetryRequest(sh)).toBe(false);
    expect(toHex(serializeServerHello(sh).raw)).toBe(SH);
  });

  describe("record protection", () => {
    it("seals the server's handshake flight into the RFC's record", () => {
      const w = new RecordWriter();
      w.setCipher(cipherFor(sHs));
      w.write(ContentType.handshake, fromHex(EE + CERT + CV + SERVER_FINISHED));
      expect(toHex(Buffer.concat(w.drain()))).toBe(SERVER_HS_RECORD);
    });

    it("opens the RFC's records in order with sequence numbers", () => {
      const r = new RecordReader();
      r.setCipher(cipherFor(sHs));
      r.push(fromHex(SERVER_HS_RECORD));
      const rec = r.next()!;
      expect(rec.type).toBe(ContentType.handshake);
      expect(toHex(rec.data)).toBe(EE + CERT + CV + SERVER_FINISHED);
      expect(rec.wireLength).toBe(SERVER_HS_RECORD.length / 2);

      const c = new RecordReader();
      c.setCipher(cipherFor(cHs));
      c.push(fromHex(CLIENT_FINISHED_RECORD));
      expect(toHex(c.next()!.data)).toBe(CLIENT_FINISHED);
    });

    it("seals application data and close_notify with the client's application keys (seq 0, 1)", () => {
      const cAp = new EarlySecret(sha256)
        .handshakeSecret(fromHex(ECDHE))
        .masterSecret()
        .clientTrafficSecret(thSf);
      const w = new RecordWriter();
      w.setCipher(cipherFor(cAp));
      w.write(ContentType.application_data, fifty);
      w.write(ContentType.alert, Uint8Array.of(1, 0));
      expect(toHex(Buffer.concat(w.drain()))).toBe(CLIENT_APP_RECORD + CLIENT_ALERT_RECORD);
    });

    it("opens the server's application record at sequence 1, split across arbitrary chunks", () => {
      const sAp = master.serverTrafficSecret(thSf);
      const r = new RecordReader();
      const cipher = cipherFor(sAp);
      r.setCipher(cipher);
      // Sequence 0 was the NewSessionTicket record: spend that nonce on a (failing) open.
      expect(cipher.open(new Uint8Array(17), new Uint8Array(5))).toBeNull();
      const bytes = fromHex(SERVER_APP_RECORD);
      for (let i = 0; i < bytes.length; i += 7) {
        expect(r.next()).toBeNull();
        r.push(bytes.subarray(i, i + 7));
      }
      const rec = r.next()!;
      expect(rec.type).toBe(ContentType.application_data);
      expect(Array.from(rec.data)).toEqual(Array.from(fifty));
    });

    it("rejects a flipped bit with bad_record_mac", () => {
      const r = new RecordReader();
      r.setCipher(cipherFor(cHs));
      const bad = fromHex(CLIENT_FINISHED_RECORD);
      bad[20] ^= 1;
      r.push(bad);
      expect(() => r.next()).toThrow(/bad_record_mac/);
    });
  });
});

// ---- §5 HelloRetryRequest ----
const HRR_CH1 =
  "010000b00303b0b1c5a5aa37c5919f2ed1d5c6fff7fcb7849716945a2b8cee9258a346677b6f000006130113031302010000810000000b0009000006736572766572ff01000100000a00080006001d00170018003300260024001d0020e8e8e3f3b93a25ed97a14a7dcacb8a272c6288e585c6484d05262fcad062ad1f002b0003020304000d0020001e040305030603020308040805080604010501060102010402050206020202002d00020101001c00024001";
const HRR =
  "020000ac0303cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c001301000084003300020017002c0074007271dcd04bb88bc3189119398a00000000eefafc76c146b823b096f8aacad365dd0030953f4edf625636e5f21bb2e23fcc654b1b5b40318d10d137abcbb87574e36e8a1f025f7dfa5d6e50781b5eda4aa15b0c8be778257d16aa3030e9e7841dd9e4c0342267e8ca0caf571fb2b7cff0f934b0002b00020304";
const HRR_CH2 =
  "010001fc0303b0b1c5a5aa37c5919f2ed1d5c6fff7fcb7849716945a2b8cee9258a346677b6f000006130113031302010001cd0000000b0009000006736572766572ff01000100000a00080006001d001700180033004700450017004104a6da7392ec591e17abfd535964b99894d13befb221b3def2ebe3830eac8f0151812677c4d6d2237e85cf01d6910cfb83954e76ba7352830534159897e8065780002b0003020304000d0020001e040305030603020308040805080604010501060102010402050206020202002c0074007271dcd04bb88bc3189119398a00000000eefafc76c146b823b096f8aacad365dd0030953f4edf625636e5f21bb2e23fcc654b1b5b40318d10d137abcbb87574e36e8a1f025f7dfa5d6e50781b5eda4aa15b0c8be778257d16aa3030e9e7841dd9e4c0342267e8ca0caf571fb2b7cff0f934b0002d00020101001c00024001001500af" +
  "00".repeat(175);
const HRR_SH =
  "020000770303bb341d847fd789c47c387172dc0c9bf147fccacb5043d86ca4c598d3ff571b9800130100004f003300450017004104583e054b7a66672ae020ad9d2686fcc85b5ad41a134a0f03ee72b893052bd85b4c8de6776f5b04ac07d83540eab3e3d9c547bc6528c4317d294686093a6cad7d002b00020304";

describe("RFC 8448 §5 HelloRetryRequest", () => {
  it("parses the HRR: magic random, selected group, cookie echoed in ClientHello2", () => {
    const hrr = parseServerHello(fromHex(HRR).subarray(4));
    expect(isHelloRetryRequest(hrr)).toBe(true);
    expect(decodeKeyShareHrr(findExtension(hrr.extensions, ExtensionType.key_share)!)).toBe(0x0017);
    const cookie = decodeCookie(findExtension(hrr.extensions, ExtensionType.cookie)!);
    expect(cookie.length).toBe(0x72);
    const ch2 = parseClientHello(fromHex(HRR_CH2).subarray(4));
    expect(toHex(decodeCookie(findExtension(ch2.extensions, ExtensionType.cookie)!))).toBe(toHex(cookie));
    expect(decodeKeyShareClient(findExtension(ch2.extensions, ExtensionType.key_share)!)[0].group).toBe(
      0x0017,
    );
    expect(toHex(serializeClientHello(ch2).raw)).toBe(HRR_CH2);
    expect(toHex(serializeServerHello(hrr).raw)).toBe(HRR);
  });

  it("replaces ClientHello1 with message_hash and derives the handshake secrets", () => {
    const t = new Transcript();
    t.add(fromHex(HRR_CH1));
    t.useHash(sha256);
    t.replaceWithMessageHash();
    t.add(fromHex(HRR));
    t.add(fromHex(HRR_CH2));
    t.add(fromHex(HRR_SH));
    const th = t.digest();
    expect(toHex(th)).toBe("8aa8e828ec2f8a884fec95a3139de01c15a3daa7ff5bfc3f4bfcc21b438d7bf8");
    const hs = new EarlySecret(sha256).handshakeSecret(
      fromHex("c142ce13ca11b5c2233652e63ad3d97844f1621fbfb9de69d547dc8fedeabeb4"),
    );
    expect(toHex(hs.secret)).toBe("ce022e5e6e81e50736d773f2d3adfce8220d049bf510f0dbfac927ef4243b148");
    expect(toHex(hs.clientTrafficSecret(th))).toBe(
      "158aa7ab8855073582b41d674b4055cabcc534728f659314861b4e08e2011566",
    );
    expect(toHex(hs.serverTrafficSecret(th))).toBe(
      "3403e781e2af7b6508da28574f6e95a1abf162de83a97927c37672a4a0cef8a1",
    );
  });
});

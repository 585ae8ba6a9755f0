// Packet-level models of what a link should deliver, to compare measurements against.
//
// Transfer of N bytes on a fresh TCP connection (connect() → last byte at the client), with:
//   - one-way delay d = RTT/2 each way, a FIFO serialiser per direction at the rate, where a packet of
//     L IP bytes takes (L + 14 if countL2) · 8 / rate;
//   - handshake: SYN (60 B) up, SYN-ACK (60 B) down, ACK (52 B) up; the server starts sending when the
//     ACK arrives (that is when accept() returns);
//   - data segments of MSS = MTU − 52 (IPv4 + TCP + timestamps) payload, sent while in-flight < cwnd,
//     cwnd = initcwnd, +1 per ACK (slow start, no loss), one ACK (52 B) per segment (Linux quick-ACKs
//     the first segments of a connection; later delayed ACKs ack two at once and grow cwnd by two, which
//     keeps the same sending rate);
//   - receive window and host processing ignored.

export interface TransferModelInput {
  rttMs: number;
  rateMbps: number;
  bytes: number;
  initcwnd: number;
  mtu?: number;
  countL2?: boolean;
}

const IP_TCP_TS = 52;
const SYN = 60;

export function mss(mtu = 1500): number {
  return mtu - IP_TCP_TS;
}

/** Goodput of a saturated TCP flow: rate × payload / bytes on the wire per packet. */
export function expectedGoodputMbps(rateMbps: number, mtu = 1500, countL2 = true): number {
  return (rateMbps * mss(mtu)) / (mtu + (countL2 ? 14 : 0));
}

export function transferTimeMs(m: TransferModelInput): number {
  const mtu = m.mtu ?? 1500;
  const l2 = m.countL2 === false ? 0 : 14;
  const d = m.rttMs / 2;
  const ser = (len: number) => (m.rateMbps > 0 ? ((len + l2) * 8) / (m.rateMbps * 1000) : 0);
  let upFree = 0;
  let downFree = 0;
  const sendUp = (t: number, len: number) => {
    upFree = Math.max(t, upFree) + ser(len);
    return upFree + d;
  };
  const sendDown = (t: number, len: number) => {
    downFree = Math.max(t, downFree) + ser(len);
    return downFree + d;
  };
  const synAtServer = sendUp(0, SYN);
  const synAckAtClient = sendDown(synAtServer, SYN);
  const start = sendUp(synAckAtClient, IP_TCP_TS);

  const seg = mss(mtu);
  const sizes: number[] = [];
  for (let left = m.bytes; left > 0; left -= seg) sizes.push(Math.min(seg, left) + IP_TCP_TS);

  // Event loop over ACK arrivals at the server (times are non-decreasing: FIFO links).
  let cwnd = m.initcwnd;
  let next = 0;
  let inFlight = 0;
  let lastArrival = start;
  const acks: number[] = [];
  const transmit = (t: number) => {
    while (inFlight < cwnd && next < sizes.length) {
      const arrival = sendDown(t, sizes[next++]);
      inFlight++;
      lastArrival = Math.max(lastArrival, arrival);
      acks.push(sendUp(arrival, IP_TCP_TS));
    }
  };
  transmit(start);
  for (let i = 0; i < acks.length; i++) {
    inFlight--;
    cwnd++;
    transmit(acks[i]);
  }
  return lastArrival;
}

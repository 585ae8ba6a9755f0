"""Redraw the report's TTLB CDF from the raw rows, in pandas.

    pqtls report results/ttlb.jsonl -o results/ttlb.csv
    python3 examples/pandas/ttlb_cdf.py results/ttlb.csv ttlb-cdf.png

One line per connection, one column per field (see packages/report/schema/row.schema.json); nested
counters are flattened with dots (tcp.client.retrans, link.up.delivered). Failed connections have
ok == False and empty timers: they are counted, never averaged in, as in the report. Prints, per
panel and variant, n and the median TTLB (tab-separated, to compare with the report's tables).
Needs pandas and matplotlib (Debian: apt-get install python3-pandas python3-matplotlib).
"""

import sys

import matplotlib

matplotlib.use("Agg")  # files only, no display needed
import matplotlib.pyplot as plt
import pandas as pd

# The condition columns of the row format (packages/report/src/dimensions.ts): a panel per
# combination of those that vary in the file, so that e.g. a jittered and an unjittered link at the
# same RTT are not pooled into one curve.
CONDITIONS = [
    "suite", "resume", "hooks", "cert_compression", "client_auth", "chain_reduction",
    "client_knowledge", "rtt_ms", "jitter_ms", "jitter_dist", "rate_mbps", "loss_pct", "loss_model",
    "queue_limit", "initcwnd", "mtu", "cc",
]


def main(csv_path: str, out_path: str) -> None:
    rows = pd.read_csv(csv_path)
    ok = rows[rows["ok"]]
    # Handshake-only rows (bytes == 0) have no TTLB: the report uses their handshake time.
    ok = ok.assign(ttlb=ok["ttlb_ms"].fillna(ok["handshake_ms"]))
    variant = ok["kex"] + " + " + ok["chain"]
    # Runs of several engines (pqtls vs OpenSSL) get one curve per engine, not one pooled curve.
    if ok["engine"].nunique() > 1:
        variant = variant + ", " + ok["engine"]
    ok = ok.assign(variant=variant)
    panel = [c for c in CONDITIONS if c in ok and ok[c].nunique(dropna=False) > 1] + ["bytes"]
    # Absent values (a dimension at its none) are NaN, which groupby would drop: name them.
    ok = ok.assign(**{c: ok[c].fillna("none") for c in panel if ok[c].isna().any()})
    conditions = ok.groupby(panel if len(panel) > 1 else panel[0])
    fig, axes = plt.subplots(len(conditions), 1, figsize=(7, 3.2 * len(conditions)), squeeze=False)
    print("\t".join([*panel, "variant", "n", "p50_ms"]))
    for ax, (values, cond) in zip(axes[:, 0], conditions):
        values = values if isinstance(values, tuple) else (values,)
        for variant, cell in cond.groupby("variant"):
            x = cell["ttlb"].sort_values().to_numpy()
            y = [(i + 1) / len(x) for i in range(len(x))]
            ax.step(x, y, where="post", label=f"{variant} (n={len(x)})")
            # pandas' median is the type-7 p50 the report uses.
            print("\t".join(str(v) for v in [*values, variant, len(x), cell["ttlb"].median()]))
        ax.set_title(", ".join(f"{c} {v}" for c, v in zip(panel, values)))
        ax.set_xlabel("TTLB (ms)")
        ax.set_ylabel("share of connections")
        ax.legend(loc="lower right", fontsize="small")
    fig.tight_layout()
    fig.savefig(out_path, dpi=120)
    print(f"wrote {out_path}; {len(rows) - len(ok)} failed connections left out", file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: ttlb_cdf.py ROWS.csv OUT.png")
    main(sys.argv[1], sys.argv[2])

export declare function node24Path(): string | null;
export declare function node24Missing(): string | null;
export declare function node24Versions(): { node: string; openssl: string } | null;

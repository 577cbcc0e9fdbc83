/**
 * CRC-32C of `data`, optionally continuing from a previous result `prev` (so a checksum can be
 * computed over several pieces: crc32c(b, crc32c(a)) === crc32c(a ++ b)).
 */
export declare function crc32c(data: Uint8Array, prev?: number): number;

/**
 * Size limits, in bytes, enforced at every boundary where bytes arrive from
 * another device. Decoders check these before parsing anything.
 */

/** Largest pubsub message accepted from gossipsub (and the largest we publish). */
export const MAX_PUBSUB_MESSAGE = 257 * 1024
/** Largest single frame on a direct protocol stream. */
export const MAX_STREAM_FRAME = 1024 * 1024
/** Largest presence beacon (peer id + a handful of multiaddrs). */
export const MAX_BEACON = 4 * 1024
/** Most multiaddrs a beacon may carry. */
export const MAX_BEACON_ADDRS = 16
/** Largest `/config.json` the web app will accept from its relay. */
export const MAX_CONFIG = 16 * 1024
/** Longest text of a demo chat line, in UTF-8 bytes. */
export const MAX_DEMO_LINE = 2000
/**
 * Largest encoded demo chat line, every field at its limit: version, sender
 * id (≤ 128 B) and text behind two-byte lengths, and an eight-byte sent-at.
 */
export const MAX_DEMO_LINE_MESSAGE = 1 + (2 + 128) + (2 + MAX_DEMO_LINE) + 8

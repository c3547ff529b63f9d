/**
 * Size limits, in bytes, enforced at every boundary where bytes arrive from
 * another device. Decoders check these before parsing anything.
 */

/** Largest pubsub message accepted from gossipsub (and the largest we publish). */
export const MAX_PUBSUB_MESSAGE = 256 * 1024
/** Largest single frame on a direct protocol stream. */
export const MAX_STREAM_FRAME = 1024 * 1024
/** Largest presence beacon (peer id + a handful of multiaddrs). */
export const MAX_BEACON = 4 * 1024
/** Most multiaddrs a beacon may carry. */
export const MAX_BEACON_ADDRS = 16
/** Largest `/config.json` the web app will accept from its relay. */
export const MAX_CONFIG = 16 * 1024

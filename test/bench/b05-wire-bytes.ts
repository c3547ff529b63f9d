/**
 * B5 — bytes on the wire per message, layer by layer, from real envelopes:
 * a messenger (memory storage, a no-op network that records what it is
 * given) sends a 100 B and a 1 KB text, and each layer's size is read off
 * the bytes it published (header, bucket and ciphertext from the envelope
 * itself, the message payload re-encoded with the protocol codec).
 *
 * The gossipsub RPC is sized by its protobuf layout (RPC.messages[] with
 * data and topic only: StrictNoSign sends no from/seqno/signature/key) plus
 * the varint length prefix on the stream. Below libp2p, the WebRTC data
 * channel framing and the SCTP/DTLS/UDP/IP headers are nominal sizes from
 * their specifications, marked as estimates. B3 measures what a receiver
 * actually reads from gossipsub, control traffic included.
 *
 * Runs in this process: it is pure encoding, no network.
 */

import { createMessenger } from '@murmur/core'
import {
  decodeTopicMessage,
  encodeMsgPayload,
  PADDING_BUCKETS,
  splitEnvelope,
} from '@murmur/protocol'
import { createMemoryStorage } from '@murmur/store-level'
import { noopNetwork } from './lib/noop-network.ts'
import type { BenchContext, Measure, RowOutcome } from './lib/types.ts'

export const id = 'B5'
export const what = 'bytes on the wire per message, by layer'
export const goal = 'reported (baseline: the text itself)'

const varintLen = (n: number): number => (n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : 4)
/** A length-delimited protobuf field: tag byte, varint length, bytes. */
const field = (len: number): number => 1 + varintLen(len) + len

/** Nominal per-packet overheads under a libp2p WebRTC stream, from the specs. */
const WEBRTC_MESSAGE = (len: number): number => field(len) // libp2p webrtc Message { message }
const SCTP = 12 + 16 // common header + DATA chunk header
const DTLS = 13 + 8 + 16 // record header + explicit nonce + AES-GCM tag
const UDP_IP = 8 + 20

export async function run(_ctx: BenchContext): Promise<RowOutcome> {
  const network = noopNetwork({ record: true })
  const messenger = await createMessenger({ storage: createMemoryStorage(), network, name: 'Ada' })
  const measures: Measure[] = []
  const notes: string[] = []
  try {
    const cid = await messenger.createConversation({ name: 'Wire' })
    for (const size of [100, 1024]) {
      const label = size === 100 ? '100 B' : '1 KB'
      const text = 'x'.repeat(size)
      network.published.length = 0
      await messenger.send(cid, text)
      const sent = network.published.find((p) => {
        const m = decodeTopicMessage(p.data)
        return m.type === 'envelope'
      })
      if (sent === undefined) throw new Error('the messenger published no envelope')
      const message = decodeTopicMessage(sent.data)
      if (message.type !== 'envelope') throw new Error('unreachable')
      const envelope = message.envelope
      const { header, headerBytes, ciphertext } = splitEnvelope(envelope)
      const payload = encodeMsgPayload({ text })
      const body = PADDING_BUCKETS[header.bucket] as number
      const topicMessage = sent.data.length
      const topicLen = new TextEncoder().encode(sent.topic).length
      const gossipMessage = field(topicMessage) + field(topicLen)
      const rpc = field(gossipMessage)
      const onStream = varintLen(rpc) + rpc
      // SCTP splits a data channel message into chunks that fit a ~1200 B path MTU.
      const framed = WEBRTC_MESSAGE(onStream)
      const packets = Math.ceil(framed / (1200 - SCTP - DTLS - UDP_IP))
      const packet = framed + packets * (SCTP + DTLS + UDP_IP)
      const layers: Array<[string, number, string]> = [
        ['text (UTF-8)', size, ''],
        ['msg payload', payload.length, 'encodeMsgPayload: version, text, reply-to, mentions'],
        [
          'body, padded',
          body,
          `kind, device, ts, signature, length + payload, zero padding to bucket ${header.bucket}`,
        ],
        ['AEAD ciphertext', ciphertext.length, 'XChaCha20-Poly1305: 24 B nonce + 16 B tag'],
        [
          'envelope (+ header)',
          headerBytes.length + ciphertext.length,
          `${headerBytes.length} B clear header`,
        ],
        ['topic message', topicMessage, 'version, type, length-prefixed envelope'],
        [
          'gossipsub RPC on the stream',
          onStream,
          `protobuf RPC{messages[{data, topic (${topicLen} B)}]} + varint length prefix`,
        ],
        [
          'UDP/IP packets (estimate)',
          packet,
          `libp2p WebRTC framing + ${packets} × (SCTP 28 + DTLS 37 + UDP/IPv4 28), 1200 B MTU`,
        ],
      ]
      for (const [layer, bytes, how] of layers) {
        measures.push({
          label: `${label}: ${layer}`,
          unit: 'B',
          figure: bytes,
          baseline: size,
          baselineLabel: 'text',
          ratio: bytes / size,
        })
        if (how !== '') notes.push(`${label} ${layer} = ${bytes} B: ${how}`)
      }
    }
  } finally {
    await messenger.close()
  }
  return { measures, notes }
}

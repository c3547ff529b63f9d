/**
 * Loads `/config.json` from the relay that served the app and picks the relay
 * addresses a browser can dial: listed WebSocket addresses first, then one
 * built from the page's own location (the same host and port serve both the
 * app and the relay's WebSocket), so the app also works when opened by LAN IP
 * or through a TLS proxy.
 *
 * The last config that loaded is kept in localStorage: when the relay cannot
 * be reached (offline, the page served by the service worker), the app starts
 * with it, shows its stored history, and keeps trying the relays it names.
 */

import { decodeAppConfig } from '@murmur/protocol'
import type { AppConfig } from '@murmur/protocol'

export class ConfigUnavailableError extends Error {
  override name = 'ConfigUnavailableError'
}

const SAVED_CONFIG_KEY = 'murmur.config'

export async function loadConfig(): Promise<AppConfig> {
  let text: string
  try {
    text = await fetchConfig()
  } catch (err) {
    const saved = globalThis.localStorage?.getItem(SAVED_CONFIG_KEY)
    if (saved === null || saved === undefined) throw err
    return decodeAppConfig(saved)
  }
  const config = decodeAppConfig(text)
  globalThis.localStorage?.setItem(SAVED_CONFIG_KEY, text)
  return config
}

async function fetchConfig(): Promise<string> {
  let res: Response
  try {
    res = await fetch('/config.json', { cache: 'no-store' })
  } catch (err) {
    throw new ConfigUnavailableError(
      `the relay that served this page is unreachable (${String(err)})`,
    )
  }
  if (!res.ok) throw new ConfigUnavailableError(`the relay answered ${res.status} for /config.json`)
  return res.text()
}

export function browserRelayAddrs(config: AppConfig, location: Location): string[] {
  const secure = location.protocol === 'https:'
  const ws = config.relays.filter((a) =>
    secure ? a.includes('/wss') || a.includes('/tls/ws') : /\/ws(\/|$)/.test(a),
  )
  const port = location.port === '' ? (secure ? '443' : '80') : location.port
  const host = location.hostname
  const proto = /^[\d.]+$/.test(host) ? 'ip4' : host.includes(':') ? 'ip6' : 'dns4'
  const hostPart = proto === 'ip6' ? host.replace(/^\[|\]$/g, '') : host
  const own = `/${proto}/${hostPart}/tcp/${port}/${secure ? 'wss' : 'ws'}/p2p/${config.relayPeerId}`
  const sameHost = ws.filter((a) => a.includes(`/${hostPart}/tcp/${port}/`))
  return [...new Set([...sameHost, ...(sameHost.length > 0 ? [] : [own])])]
}

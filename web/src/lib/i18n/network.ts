import { defineStrings } from './define.ts'

/** The network panel: relays, peers and how each is reached. */
export const network = defineStrings(
  {
    network: 'Network',
    you: 'You',
    relays: 'Relays',
    peers: 'Peers',
    noPeers: 'No other peers connected yet.',
    relayReserved: 'connected, reachable through it',
    relayConnected: 'connected',
    relayConnecting: 'connecting…',
    relayUnreachable: 'unreachable',
    direct: 'direct WebRTC',
    relayed: 'relayed',
    directOther: 'direct',
    upToDate: 'Up to date',
    missing: '{count} messages missing, fetching…',
  },
  {
    network: 'Сеть',
    you: 'Вы',
    relays: 'Ретрансляторы',
    peers: 'Узлы',
    noPeers: 'Других узлов пока нет.',
    relayReserved: 'подключено, через него вас можно найти',
    relayConnected: 'подключено',
    relayConnecting: 'подключение…',
    relayUnreachable: 'недоступен',
    direct: 'напрямую, WebRTC',
    relayed: 'через ретранслятор',
    directOther: 'напрямую',
    upToDate: 'Всё получено',
    missing: 'Не хватает сообщений: {count}, загружаем…',
  },
)

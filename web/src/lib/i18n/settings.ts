import { defineStrings } from './define.ts'

/** Settings: profile, appearance, notifications, relays, identity backup. */
export const settings = defineStrings(
  {
    profile: 'Profile',
    displayName: 'Display name',
    nameSaved: 'Name saved',
    appearance: 'Appearance',
    theme: 'Theme',
    themeLight: 'Light',
    themeDark: 'Dark',
    themeSystem: 'System',
    notifications: 'Notifications',
    notificationsToggle: 'Notify me about new messages while Murmur is in the background',
    notificationsBlocked:
      'Notifications are blocked for this site. Allow them in your browser’s site settings, then turn this on again.',
    notificationsUnsupported: 'This browser cannot show notifications.',
    relaysHint:
      'Murmur always uses the relay that served this page. Add more relays (WebSocket multiaddrs) to stay reachable when one is down.',
    servingRelay: 'This page’s relay',
    relayAddr: 'Relay address',
    addRelay: 'Add relay',
    removeRelay: 'Remove relay {addr}',
    remove: 'Remove',
    relayInvalid:
      'That is not a relay address a browser can use. It starts with /dns4/, /ip4/ or /ip6/, uses /ws or /wss and ends with /p2p/ and the relay’s peer ID.',
    relayDuplicate: 'That relay is already in the list.',
    reloadNote: 'Changes to relays take effect after a reload.',
    reloadNow: 'Reload now',
    backup: 'Identity backup',
    backupHint:
      'A backup restores your identity on another device or after this browser’s data is cleared. It holds your keys, not your messages. Keep the file and the passphrase safe.',
    newPassphrase: 'Passphrase (at least 8 characters)',
    repeatPassphrase: 'Repeat the passphrase',
    passphraseShort: 'Use at least 8 characters.',
    passphraseMismatch: 'The passphrases do not match.',
    exportBackup: 'Download backup',
    backupSaved: 'Backup downloaded. Keep it somewhere safe.',
  },
  {
    profile: 'Профиль',
    displayName: 'Отображаемое имя',
    nameSaved: 'Имя сохранено',
    appearance: 'Оформление',
    theme: 'Тема',
    themeLight: 'Светлая',
    themeDark: 'Тёмная',
    themeSystem: 'Как в системе',
    notifications: 'Уведомления',
    notificationsToggle: 'Сообщать о новых сообщениях, когда Murmur в фоне',
    notificationsBlocked:
      'Уведомления для этого сайта запрещены. Разрешите их в настройках сайта в браузере и включите снова.',
    notificationsUnsupported: 'Этот браузер не умеет показывать уведомления.',
    relaysHint:
      'Murmur всегда использует ретранслятор, с которого открыта страница. Добавьте другие (адреса WebSocket в формате multiaddr), чтобы оставаться на связи, если один недоступен.',
    servingRelay: 'Ретранслятор этой страницы',
    relayAddr: 'Адрес ретранслятора',
    addRelay: 'Добавить',
    removeRelay: 'Удалить ретранслятор {addr}',
    remove: 'Удалить',
    relayInvalid:
      'Этот адрес не подходит для браузера. Он начинается с /dns4/, /ip4/ или /ip6/, использует /ws или /wss и заканчивается на /p2p/ и идентификатор узла ретранслятора.',
    relayDuplicate: 'Этот ретранслятор уже есть в списке.',
    reloadNote: 'Изменения ретрансляторов вступят в силу после перезагрузки страницы.',
    reloadNow: 'Перезагрузить',
    backup: 'Резервная копия личности',
    backupHint:
      'Резервная копия позволяет восстановить вашу личность на другом устройстве или после очистки данных браузера. В ней ключи, а не сообщения. Храните файл и парольную фразу в надёжном месте.',
    newPassphrase: 'Парольная фраза (не короче 8 символов)',
    repeatPassphrase: 'Повторите парольную фразу',
    passphraseShort: 'Нужно не меньше 8 символов.',
    passphraseMismatch: 'Парольные фразы не совпадают.',
    exportBackup: 'Скачать резервную копию',
    backupSaved: 'Резервная копия скачана. Сохраните её в надёжном месте.',
  },
)

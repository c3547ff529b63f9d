import { defineStrings } from './define.ts'

/** The first run: making an identity on this device, or restoring one from a backup. */
export const firstRun = defineStrings(
  {
    welcome: 'Welcome to Murmur',
    intro:
      'A messenger with no servers and no accounts. Your identity is made on this device, and everything you send is end-to-end encrypted.',
    nameLabel: 'Your name',
    nameHint: 'People you chat with see it. You can change it later in Settings.',
    continue: 'Continue',
    skip: 'Skip',
    restore: 'Restore from a backup',
    restoreTitle: 'Restore from a backup',
    restoreHint: 'Choose the backup file you downloaded from Murmur and enter its passphrase.',
    backupFile: 'Backup file',
    chosenFile: 'Chosen: {name}',
    passphrase: 'Passphrase',
    restoreButton: 'Restore',
    backToNew: 'Make a new identity instead',
    creating: 'Making your identity…',
    restoring: 'Opening your backup…',
    chooseFile: 'Choose a backup file first.',
    enterPassphrase: 'Enter the backup’s passphrase.',
    readFailed: 'That file could not be read. Choose it again.',
    pendingJoin: 'Then you can join «{name}».',
    pendingContact: 'Then you can start a chat with {name}.',
  },
  {
    welcome: 'Добро пожаловать в Murmur',
    intro:
      'Мессенджер без серверов и без учётных записей. Ваша личность создаётся на этом устройстве, а всё, что вы отправляете, зашифровано сквозным шифрованием.',
    nameLabel: 'Ваше имя',
    nameHint: 'Его видят ваши собеседники. Изменить его можно позже в настройках.',
    continue: 'Продолжить',
    skip: 'Пропустить',
    restore: 'Восстановить из резервной копии',
    restoreTitle: 'Восстановление из резервной копии',
    restoreHint:
      'Выберите файл резервной копии, скачанный из Murmur, и введите его парольную фразу.',
    backupFile: 'Файл резервной копии',
    chosenFile: 'Выбран файл: {name}',
    passphrase: 'Парольная фраза',
    restoreButton: 'Восстановить',
    backToNew: 'Создать новую личность',
    creating: 'Создаём вашу личность…',
    restoring: 'Открываем резервную копию…',
    chooseFile: 'Сначала выберите файл резервной копии.',
    enterPassphrase: 'Введите парольную фразу резервной копии.',
    readFailed: 'Не удалось прочитать этот файл. Выберите его ещё раз.',
    pendingJoin: 'После этого вы сможете вступить в «{name}».',
    pendingContact: 'После этого вы сможете начать чат. Собеседник: {name}.',
  },
)

import { defineStrings } from './define.ts'

/** Strings shared by every screen. */
export const common = defineStrings(
  {
    title: 'Murmur',
    language: 'Language',
    cancel: 'Cancel',
    close: 'Close',
    save: 'Save',
    copy: 'Copy',
    copied: 'Copied',
    retry: 'Try again',
    failed: 'Murmur could not start',
    loading: 'Opening Murmur…',
    starting: 'Starting your peer…',
    offline: 'You are offline. Messages will go out when the connection is back.',
    locked:
      'Murmur is already open in another tab of this browser. Use that tab, or close it and reload this one.',
  },
  {
    title: 'Murmur',
    language: 'Язык',
    cancel: 'Отмена',
    close: 'Закрыть',
    save: 'Сохранить',
    copy: 'Копировать',
    copied: 'Скопировано',
    retry: 'Повторить',
    failed: 'Murmur не удалось запустить',
    loading: 'Открываем Murmur…',
    starting: 'Запускаем ваш узел…',
    offline: 'Нет подключения к сети. Сообщения уйдут, когда связь вернётся.',
    locked:
      'Murmur уже открыт в другой вкладке этого браузера. Перейдите туда или закройте её и обновите эту страницу.',
  },
)

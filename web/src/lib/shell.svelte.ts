/**
 * The shell's own state, beside the app's: which dialog is open, the first-run
 * form (kept here so a wrong passphrase loses nothing), a join in progress,
 * and the confirmation waiting for an answer. Components read it and call
 * these intents; the messenger is reached only through `app`.
 */

import { isErrorNamed } from '@murmur/protocol'
import { app } from './app.svelte.ts'
import type { LinkPreview } from './app.svelte.ts'
import { i18n } from './i18n.svelte.ts'
import { explainError } from './present.ts'

export type DialogName =
  'new-group' | 'new-channel' | 'contact' | 'open-link' | 'network' | 'settings'

export interface Confirmation {
  readonly title: string
  readonly body: string
  readonly confirm: string
  readonly danger: boolean
  readonly run: () => Promise<void>
}

export type JoinProgress =
  | { readonly phase: 'waiting'; readonly link: LinkPreview }
  | { readonly phase: 'timed-out'; readonly link: LinkPreview }

export type InviteOffer =
  { readonly link: string } | { readonly notAllowed: true } | { readonly problem: string }

export interface FirstRunForm {
  mode: 'create' | 'restore'
  name: string
  file: File | undefined
  passphrase: string
  error: string | undefined
  busy: boolean
}

export const BACKUP_FILE_NAME = 'murmur-identity-backup.bin'

class Shell {
  dialog = $state<DialogName | undefined>(undefined)
  /** The selected conversation's info panel. */
  infoOpen = $state(false)
  safetyFor = $state<{ readonly userId: string; readonly name: string } | undefined>(undefined)
  confirmation = $state<Confirmation | undefined>(undefined)
  confirming = $state(false)
  joining = $state<JoinProgress | undefined>(undefined)
  firstRun = $state<FirstRunForm>({
    mode: 'create',
    name: '',
    file: undefined,
    passphrase: '',
    error: undefined,
    busy: false,
  })
  #joinAttempt = 0

  /** The app's errors in the person's language where a translation exists. */
  explain = (err: unknown): string => explainError(err, i18n.t)

  open(dialog: DialogName): void {
    this.dialog = dialog
  }

  close(): void {
    this.dialog = undefined
  }

  select(conversationId: string | undefined): void {
    this.infoOpen = false
    app.select(conversationId)
  }

  // -------------------------------------------------------------- first run

  async createIdentity(skipName: boolean): Promise<void> {
    const form = this.firstRun
    form.error = undefined
    form.busy = true
    try {
      await app.createIdentity(skipName ? '' : form.name)
    } finally {
      form.busy = false
    }
  }

  /** Restores from the chosen file; a wrong passphrase keeps the form as it was. */
  async restoreIdentity(): Promise<void> {
    const form = this.firstRun
    const t = i18n.t
    form.error = undefined
    if (form.file === undefined) {
      form.error = t.chooseFile
      return
    }
    if (form.passphrase === '') {
      form.error = t.enterPassphrase
      return
    }
    let backup: Uint8Array
    try {
      backup = new Uint8Array(await form.file.arrayBuffer())
    } catch {
      // The file went away (moved, permissions): asking again is all there is to do.
      form.error = t.readFailed
      return
    }
    form.busy = true
    try {
      await app.restoreIdentity(backup, form.passphrase)
    } catch (err) {
      if (!isErrorNamed(err, 'WrongPassphraseError')) throw err
      form.error = t.errWrongPassphrase
    } finally {
      form.busy = false
    }
  }

  // ------------------------------------------------------------------ links

  /** Accepts the link on screen; keeps the dialog up with progress while the join waits. */
  async acceptLink(): Promise<void> {
    const link = app.pendingLink
    if (link === undefined) return
    const attempt = ++this.#joinAttempt
    this.joining = { phase: 'waiting', link }
    try {
      await app.acceptPendingLink()
      if (attempt === this.#joinAttempt) this.joining = undefined
      this.infoOpen = false
    } catch (err) {
      if (attempt !== this.#joinAttempt) {
        app.notice('error', this.explain(err))
      } else if (isErrorNamed(err, 'JoinTimeoutError')) {
        this.joining = { phase: 'timed-out', link }
      } else {
        this.joining = undefined
        app.notice('error', this.explain(err))
      }
    }
  }

  /** Hides the join progress; the join itself goes on and opens the chat when it completes. */
  hideJoin(): void {
    this.#joinAttempt++
    this.joining = undefined
  }

  /** A pasted link: shows the same confirmation as one opened from the address bar. */
  openLink(link: string): boolean {
    app.previewLink(link.trim())
    if (app.pendingLink === undefined) return false
    this.dialog = undefined
    return true
  }

  /** A fresh invite link, or why I may not hand one out here. */
  inviteFor(conversationId: string): InviteOffer {
    try {
      return { link: app.invite(conversationId) }
    } catch (err) {
      if (isErrorNamed(err, 'NotAllowedError')) return { notAllowed: true }
      return { problem: this.explain(err) }
    }
  }

  // -------------------------------------------------------- confirmations

  ask(confirmation: Confirmation): void {
    this.confirmation = confirmation
  }

  async confirm(): Promise<void> {
    const pending = this.confirmation
    if (pending === undefined || this.confirming) return
    this.confirming = true
    try {
      await pending.run()
      this.confirmation = undefined
    } catch (err) {
      this.confirmation = undefined
      app.notice('error', this.explain(err))
    } finally {
      this.confirming = false
    }
  }

  cancelConfirmation(): void {
    if (!this.confirming) this.confirmation = undefined
  }

  // ------------------------------------------------------------ clipboard

  async copy(text: string): Promise<boolean> {
    try {
      await navigator.clipboard.writeText(text)
    } catch {
      // Clipboard access needs a secure context and focus; say so and let them copy by hand.
      app.notice('error', i18n.t.copyFailed)
      return false
    }
    app.notice('info', i18n.t.copied)
    return true
  }

  /** Exports the identity and hands the browser a file to save. */
  async downloadBackup(passphrase: string): Promise<void> {
    const blob = await app.exportBackup(passphrase)
    const url = URL.createObjectURL(blob)
    const a = document.createElement('a')
    a.href = url
    a.download = BACKUP_FILE_NAME
    document.body.append(a)
    a.click()
    a.remove()
    setTimeout(() => URL.revokeObjectURL(url), 10_000)
    app.notice('info', i18n.t.backupSaved)
  }
}

export const shell = new Shell()

/**
 * The life of a group in three browsers: Ann makes it and hands out its invite
 * link, Bob and Cid join by opening the link (Cid before even having an
 * identity), everyone talks, replies, reactions, edits and deletions reach
 * everyone, a reload keeps identity and history, and a removed member is told
 * so and reads nothing sent after. The steps build on each other, so they run
 * in order on one relay and one set of browsers.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { launchChromium } from '../helpers/browser.ts'
import { startRelayProcess } from '../helpers/relay-process.ts'
import type { RelayProcess } from '../helpers/relay-process.ts'
import {
  closeDialog,
  closeUsers,
  completeFirstRun,
  composer,
  confirmJoin,
  createGroup,
  DELIVERY_MS,
  inviteLink,
  joinByLink,
  message,
  messageAction,
  openConversation,
  openGroupInfo,
  openUser,
  receive,
  requireBuiltApp,
  see,
  send,
} from '../helpers/web-users.ts'
import type { WebUser } from '../helpers/web-users.ts'

const GROUP = 'Book club'

describe('a group in three browsers', () => {
  let relay: RelayProcess
  let browser: Browser
  const users: WebUser[] = []
  let ann: WebUser
  let bob: WebUser
  let cid: WebUser

  beforeAll(async () => {
    requireBuiltApp()
    relay = await startRelayProcess()
    browser = await launchChromium()
  })

  afterAll(async () => {
    await closeUsers(users)
    await browser?.close()
    await relay?.stop()
  })

  /** The user id of the member marked "(you)" in the open group's info. */
  async function ownUserId(user: WebUser): Promise<string> {
    const panel = await openGroupInfo(user)
    const row = panel.getByRole('listitem').filter({ hasText: '(you)' })
    const id = await row.getAttribute('data-user-id')
    await closeDialog(user, panel)
    if (id === null) throw new Error(`${user.label} finds no member marked as them`)
    return id
  }

  it('two people join by the invite link, one of them before having an identity', async () => {
    ann = await openUser(browser, { label: 'Ann', url: relay.http })
    users.push(ann)
    await completeFirstRun(ann, 'Ann')
    await createGroup(ann, GROUP)
    const link = await inviteLink(ann)

    bob = await openUser(browser, { label: 'Bob', url: relay.http })
    users.push(bob)
    await completeFirstRun(bob, 'Bob')
    await joinByLink(bob, link, GROUP)

    // Cid opens the link first thing: the first run says what comes next.
    cid = await openUser(browser, { label: 'Cid', url: link })
    users.push(cid)
    await see(cid, cid.page.getByText(`Then you can join «${GROUP}».`), 'the pending join')
    await completeFirstRun(cid, 'Cid')
    await confirmJoin(cid, GROUP)

    const panel = await openGroupInfo(ann)
    for (const name of ['Ann', 'Bob', 'Cid']) {
      await see(
        ann,
        panel.getByRole('listitem').filter({ hasText: name }),
        `${name} in the members`,
      )
    }
    await closeDialog(ann, panel)
  }, 120_000)

  it('messages go both ways', async () => {
    await send(ann, 'Welcome, both of you')
    await Promise.all([receive(bob, 'Welcome, both of you'), receive(cid, 'Welcome, both of you')])
    await send(bob, 'Thanks Ann')
    await Promise.all([receive(ann, 'Thanks Ann'), receive(cid, 'Thanks Ann')])
    await send(cid, 'Hi from Cid')
    await Promise.all([receive(ann, 'Hi from Cid'), receive(bob, 'Hi from Cid')])
    // The others' messages carry their names.
    await see(ann, message(ann, 'Thanks Ann').getByText('Bob'), "Bob's name on his message")
  }, 90_000)

  it('a reply, a reaction, an edit and a deletion reach the others', async () => {
    // Bob replies to Ann's welcome: the others see the quote.
    await messageAction(bob, 'Welcome, both of you', 'Reply')
    await see(bob, bob.page.getByText('Reply to Ann'), 'the reply preview above the composer')
    await composer(bob).fill('Glad to be here')
    await composer(bob).press('Enter')
    // The quote names its author: "You" for Ann herself.
    for (const [user, author] of [
      [ann, 'You'],
      [cid, 'Ann'],
    ] as const) {
      await receive(user, 'Glad to be here')
      await see(
        user,
        message(user, 'Glad to be here').getByRole('button', {
          name: `Go to the quoted message from ${author}`,
        }),
        'the quote of Ann’s message in Bob’s reply',
        DELIVERY_MS,
      )
    }

    // Cid reacts to it.
    const row = await messageAction(cid, 'Glad to be here', 'React')
    await row
      .getByRole('toolbar', { name: 'Pick a reaction' })
      .getByRole('button', { name: '👍' })
      .click()
    for (const user of [ann, bob]) {
      await see(
        user,
        message(user, 'Glad to be here').getByRole('button', { name: '👍 1' }),
        'Cid’s 👍 on Bob’s reply',
        DELIVERY_MS,
      )
    }

    // Ann edits her welcome.
    await messageAction(ann, 'Welcome, both of you', 'Edit')
    await see(ann, ann.page.getByText('Editing message'), 'the edit preview above the composer')
    await composer(ann).fill('Welcome, Bob and Cid')
    await composer(ann).press('Enter')
    for (const user of [bob, cid]) {
      await receive(user, 'Welcome, Bob and Cid')
      await see(
        user,
        message(user, 'Welcome, Bob and Cid').getByText('edited'),
        'the "edited" mark',
      )
      expect(await message(user, 'Welcome, both of you').count()).toBe(0)
    }

    // Cid deletes their own line.
    await messageAction(cid, 'Hi from Cid', 'Delete')
    const confirm = cid.page.getByRole('dialog', { name: 'Delete this message?' })
    await see(cid, confirm, 'the delete confirmation')
    await confirm.getByRole('button', { name: 'Delete', exact: true }).click()
    for (const user of [ann, bob]) {
      await see(
        user,
        user.page.getByTestId('message').filter({ hasText: 'Message deleted' }),
        'Cid’s message replaced by "Message deleted"',
        DELIVERY_MS,
      )
      expect(await message(user, 'Hi from Cid').count()).toBe(0)
    }
  }, 120_000)

  it('a reload keeps identity and history', async () => {
    const before = await ownUserId(bob)
    await bob.page.reload()
    await see(
      bob,
      bob.page.getByTestId('own-peer-id'),
      'the app running again after the reload',
      30_000,
    )
    await see(bob, bob.page.getByRole('navigation').getByText('Bob'), 'his name in the sidebar')
    await openConversation(bob, GROUP)
    for (const text of ['Welcome, Bob and Cid', 'Thanks Ann', 'Glad to be here']) {
      await see(bob, message(bob, text), `"${text}" from the stored history`)
    }
    expect(await ownUserId(bob)).toBe(before)
    // And he is still in the conversation, both ways.
    await send(bob, 'Back after a reload')
    await Promise.all([receive(ann, 'Back after a reload'), receive(cid, 'Back after a reload')])
  }, 90_000)

  it('a removed member is told so and reads nothing sent after', async () => {
    const panel = await openGroupInfo(ann)
    await panel.getByRole('button', { name: 'Remove Cid' }).click()
    const confirm = ann.page.getByRole('alertdialog', { name: 'Remove Cid?' })
    await see(ann, confirm, 'the removal confirmation')
    await confirm.getByRole('button', { name: 'Remove', exact: true }).click()
    await see(ann, panel.getByRole('listitem').filter({ hasText: 'Bob' }), 'Bob still a member')
    await expect
      .poll(() => panel.getByRole('listitem').filter({ hasText: 'Cid' }).count(), {
        timeout: 10_000,
        message: 'Cid still listed as a member after the removal',
      })
      .toBe(0)
    await closeDialog(ann, panel)

    await see(
      cid,
      cid.page.getByText(
        'You were removed from this conversation, so you can no longer send messages.',
      ),
      'that they were removed (in place of the composer)',
      DELIVERY_MS,
    )
    await expect(composer(cid).isDisabled()).resolves.toBe(true)
    await see(
      cid,
      cid.page.getByRole('region', { name: GROUP }).getByText('You were removed', { exact: true }),
      '"You were removed" in the chat header',
    )

    await send(ann, 'Only for Bob now')
    await receive(bob, 'Only for Bob now')
    // Bob has it; give Cid as long again to show it wrongly.
    await cid.page.waitForTimeout(3_000)
    expect(await message(cid, 'Only for Bob now').count()).toBe(0)
    // Their copy of the history stays readable.
    await see(cid, message(cid, 'Glad to be here'), 'the history from before the removal')
  }, 90_000)
})

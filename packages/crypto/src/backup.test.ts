import { describe, expect, it } from 'vitest'
import { exportBackup, importBackup } from './backup.ts'
import type { BackupKdfParams } from './backup.ts'
import { generateIdentity, identityFromSecret } from './identity.ts'

const named = (name: string): unknown => expect.objectContaining({ name })
// Cheap parameters keep the suite fast; one test below uses the defaults.
const kdf: BackupKdfParams = { memoryKiB: 64, passes: 1, lanes: 1 }

describe('passphrase-encrypted identity backup', () => {
  it('round-trips an identity with the default (real) cost', async () => {
    const identity = generateIdentity()
    const backup = await exportBackup(identity.secretKey, 'correct horse battery staple')
    const secret = await importBackup(backup, 'correct horse battery staple')
    expect(identityFromSecret(secret).publicKey).toEqual(identity.publicKey)
  })

  it('a wrong passphrase fails with WrongPassphraseError', async () => {
    const backup = await exportBackup(generateIdentity().secretKey, 'right', { kdf })
    await expect(importBackup(backup, 'wrong')).rejects.toThrow(named('WrongPassphraseError'))
    await expect(importBackup(backup, 'Right')).rejects.toThrow(named('WrongPassphraseError'))
  })

  it('the passphrase is Unicode-normalised: composed and decomposed accents both unlock', async () => {
    const secret = generateIdentity().secretKey
    const backup = await exportBackup(secret, 'caf\u00e9', { kdf })
    expect(await importBackup(backup, 'cafe\u0301')).toEqual(secret)
  })

  it('changing a KDF parameter, the salt or the nonce stops the backup from opening', async () => {
    const backup = await exportBackup(generateIdentity().secretKey, 'pw', { kdf })
    for (const offset of [
      6 /* memory */,
      7 /* passes */,
      9 /* salt */,
      30 /* nonce */,
      backup.length - 1 /* tag */,
    ]) {
      const tampered = backup.slice()
      tampered[offset]! ^= 1
      await expect(importBackup(tampered, 'pw'), `offset ${offset}`).rejects.toThrow(
        expect.objectContaining({
          name: expect.stringMatching(/^(WrongPassphraseError|DecodeError)$/),
        }),
      )
    }
  })

  it('a hostile header asking for too much memory is refused before any work', async () => {
    const backup = await exportBackup(generateIdentity().secretKey, 'pw', { kdf })
    const greedy = backup.slice()
    new DataView(greedy.buffer).setUint32(3, 0xffffffff)
    await expect(importBackup(greedy, 'pw')).rejects.toThrow(named('DecodeError'))
    await expect(importBackup(backup.subarray(0, 40), 'pw')).rejects.toThrow(named('DecodeError'))
  })

  it('refuses an empty passphrase and out-of-range parameters', async () => {
    const secret = generateIdentity().secretKey
    await expect(exportBackup(secret, '')).rejects.toThrow(named('InvalidArgumentError'))
    await expect(
      exportBackup(secret, 'pw', { kdf: { memoryKiB: 4, passes: 1, lanes: 1 } }),
    ).rejects.toThrow(named('InvalidArgumentError'))
  })
})

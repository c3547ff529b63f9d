/**
 * Passphrase-encrypted backup of an identity secret (or any secret up to
 * 64 KiB), so a user can move their identity to a new device or recover it.
 *
 * Backup, 49 + n + 16 bytes:
 *
 *   off len
 *     0   1  version = 1
 *     1   1  kind = 0x07
 *     2   1  kdf = 1 (Argon2id, version 0x13)
 *     3   4  m, memory in KiB, u32 big-endian
 *     7   1  t, passes
 *     8   1  p, lanes
 *     9  16  salt (random)
 *    25  24  nonce (random)
 *    49 n+16 XChaCha20-Poly1305 ciphertext || tag of the secret
 *
 *   key = Argon2id(NFKC(passphrase), salt, m, t, p, 32 bytes)
 *   associated data = "murmur/v1/backup" || 0x00 || bytes 0..48
 *
 * Defaults m = 19 MiB, t = 2, p = 1 are OWASP's Argon2id minimum: about
 * 0.4 s in Node, more in a browser, and the same cost for every guess an
 * offline attacker makes. The parameters travel in the header (authenticated),
 * so they can be raised later without breaking old backups; decoding caps
 * them so a hostile file cannot make the importer allocate without bound.
 * The passphrase is NFKC-normalised so the same text typed on another
 * platform unlocks it.
 */
import { argon2idAsync } from '@noble/hashes/argon2.js'
import { InvalidArgumentError } from '@murmur/protocol'
import { concatBytes, randomBytes, utf8 } from './bytes.ts'
import { FORMAT_VERSION, Kind, Reader, Writer } from './codec.ts'
import { KEY_LENGTH, NONCE_LENGTH, TAG_LENGTH, decrypt, encrypt } from './aead.ts'
import { DecryptError, WrongPassphraseError } from './errors.ts'
import { Labels } from './labels.ts'

export interface BackupKdfParams {
  /** Argon2id memory cost in KiB. */
  readonly memoryKiB: number
  readonly passes: number
  readonly lanes: number
}

export interface BackupOptions {
  /** Argon2id cost. The default is the supported choice; lower it only in tests. */
  readonly kdf?: BackupKdfParams
}

export const DEFAULT_BACKUP_KDF: BackupKdfParams = { memoryKiB: 19 * 1024, passes: 2, lanes: 1 }
export const MAX_BACKUP_PAYLOAD = 64 * 1024
const KDF_ARGON2ID = 1
const MAX_MEMORY_KIB = 256 * 1024
const MAX_PASSES = 16
const MAX_LANES = 4
const SALT_LENGTH = 16
const HEADER_LENGTH = 9 + SALT_LENGTH + NONCE_LENGTH
const AAD_PREFIX = concatBytes(utf8(Labels.backup), Uint8Array.of(0))

export async function exportBackup(
  identitySecret: Uint8Array,
  passphrase: string,
  options: BackupOptions = {},
): Promise<Uint8Array> {
  if (
    !(identitySecret instanceof Uint8Array) ||
    identitySecret.length < 1 ||
    identitySecret.length > MAX_BACKUP_PAYLOAD
  ) {
    throw new InvalidArgumentError(`backup secret must be 1..${MAX_BACKUP_PAYLOAD} bytes`)
  }
  checkPassphrase(passphrase)
  const kdf = options.kdf ?? DEFAULT_BACKUP_KDF
  if (!validKdf(kdf)) throw new InvalidArgumentError('backup KDF parameters are out of range')
  const salt = randomBytes(SALT_LENGTH)
  const nonce = randomBytes(NONCE_LENGTH)
  const header = new Writer()
    .u8(FORMAT_VERSION)
    .u8(Kind.backup)
    .u8(KDF_ARGON2ID)
    .u32(kdf.memoryKiB)
    .u8(kdf.passes)
    .u8(kdf.lanes)
    .bytes(salt)
    .finish()
  const key = await deriveKey(passphrase, salt, kdf)
  // encrypt() writes the nonce in front of the ciphertext, which is where the layout puts it.
  const box = encrypt(key, identitySecret, concatBytes(AAD_PREFIX, header, nonce), nonce)
  key.fill(0)
  return concatBytes(header, box)
}

/** Returns the secret; a wrong passphrase gives WrongPassphraseError, a malformed file DecodeError. */
export async function importBackup(bytes: Uint8Array, passphrase: string): Promise<Uint8Array> {
  checkPassphrase(passphrase)
  const r = new Reader(
    bytes,
    'backup',
    Kind.backup,
    HEADER_LENGTH + TAG_LENGTH + 1,
    HEADER_LENGTH + MAX_BACKUP_PAYLOAD + TAG_LENGTH,
  )
  if (r.u8() !== KDF_ARGON2ID) r.fail('unsupported key derivation function')
  const kdf: BackupKdfParams = { memoryKiB: r.u32(), passes: r.u8(), lanes: r.u8() }
  if (!validKdf(kdf)) r.fail('key derivation parameters out of range')
  const salt = r.bytes(SALT_LENGTH)
  const aad = concatBytes(AAD_PREFIX, (bytes as Uint8Array).subarray(0, HEADER_LENGTH))
  const box = r.bytes(r.remaining)
  const key = await deriveKey(passphrase, salt, kdf)
  try {
    return decrypt(key, box, aad)
  } catch (err) {
    if (err instanceof DecryptError) {
      throw new WrongPassphraseError(
        'the passphrase does not unlock this backup (or the file is damaged)',
        { cause: err },
      )
    }
    throw err
  } finally {
    key.fill(0)
  }
}

async function deriveKey(
  passphrase: string,
  salt: Uint8Array,
  kdf: BackupKdfParams,
): Promise<Uint8Array> {
  return argon2idAsync(utf8(passphrase.normalize('NFKC')), salt, {
    m: kdf.memoryKiB,
    t: kdf.passes,
    p: kdf.lanes,
    dkLen: KEY_LENGTH,
  })
}

function validKdf(k: BackupKdfParams): boolean {
  const int = (n: unknown, lo: number, hi: number): boolean =>
    typeof n === 'number' && Number.isInteger(n) && n >= lo && n <= hi
  return (
    int(k.lanes, 1, MAX_LANES) &&
    int(k.passes, 1, MAX_PASSES) &&
    int(k.memoryKiB, 8 * k.lanes, MAX_MEMORY_KIB)
  )
}

function checkPassphrase(p: unknown): void {
  if (typeof p !== 'string' || p.length === 0)
    throw new InvalidArgumentError('passphrase must be a non-empty string')
}

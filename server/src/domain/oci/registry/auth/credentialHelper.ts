/**
 * Docker credential helpers: `docker-credential-<name> get` reads a server
 * URL on stdin and prints `{"ServerURL","Username","Secret"}`.
 * A Username of `<token>` means Secret is an identity (refresh) token.
 */
import type { Credential } from './credential';
import { ProgramNotFound, runProgram, safeStderr } from './runProgram';
import { RegistryError } from '../errors';

interface HelperOutput {
  ServerURL?: string;
  Username?: string;
  Secret?: string;
}

export async function credentialFromHelper(
  helper: string,
  serverUrl: string,
  options: { env?: NodeJS.ProcessEnv; signal?: AbortSignal } = {},
): Promise<Credential | undefined> {
  const program = `docker-credential-${helper}`;
  let result;
  try {
    result = await runProgram(program, ['get'], { input: serverUrl, ...options, timeoutMs: 30_000 });
  } catch (err) {
    if (err instanceof ProgramNotFound) {
      throw new RegistryError(`the docker config names credential helper "${helper}" but ${program} is not installed`, {
        code: 'credentials',
        action: `install ${program}, remove it from the docker config, or pass --creds`,
      });
    }
    throw err;
  }
  if (result.exitCode !== 0) {
    // The protocol's way of saying "nothing stored for this server".
    if (/credentials not found/i.test(result.stdout + result.stderr)) return undefined;
    throw new RegistryError(`${program} failed (exit ${result.exitCode}): ${safeStderr(result.stderr || result.stdout)}`, {
      code: 'credentials',
      action: 'check the credential helper, or pass --creds',
    });
  }
  let parsed: HelperOutput;
  try {
    parsed = JSON.parse(result.stdout) as HelperOutput;
  } catch {
    throw new RegistryError(`${program} printed something that is not JSON`, { code: 'credentials', action: 'check the credential helper, or pass --creds' });
  }
  if (!parsed.Secret) return undefined;
  if (parsed.Username === '<token>') return { kind: 'identity-token', username: '<token>', token: parsed.Secret };
  return { kind: 'basic', username: parsed.Username ?? '', password: parsed.Secret };
}

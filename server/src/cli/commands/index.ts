import type { CliCommand } from '../command';

/** Every CLI command; each lives in its own module. */
export const commands: CliCommand[] = [];

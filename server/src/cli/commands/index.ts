import type { CliCommand } from '../command';

/**
 * Every CLI command, by the words that select it, loaded only when those words are typed: `pull
 * artifact` does not load the linter, the schemas, the cluster client or sigstore (issue 18: peak
 * memory and start-up). Each module owns its commands (words, summary, help); a group's `prefix`
 * only routes to it, and `loadCommands` checks that the group's commands start with it.
 * Listed in the order `flux-oci --help` shows them.
 */
export interface CommandGroup {
  /** The leading words every command of the group starts with. */
  prefix: string[];
  load(): Promise<CliCommand[]>;
}

export const commandGroups: CommandGroup[] = [
  { prefix: ['check'], load: async () => [(await import('./check')).checkCommand] },
  { prefix: ['migrate'], load: async () => [(await import('./migrate')).migrateCommand] },
  { prefix: ['push', 'artifact'], load: async () => [(await import('./artifact/push')).pushArtifactCommand] },
  { prefix: ['pull', 'artifact'], load: async () => [(await import('./artifact/pull')).pullArtifactCommand] },
  { prefix: ['tag', 'artifact'], load: async () => [(await import('./artifact/tag')).tagArtifactCommand] },
  { prefix: ['list', 'artifacts'], load: async () => [(await import('./artifact/list')).listArtifactsCommand] },
  { prefix: ['diff', 'artifact'], load: async () => [(await import('./artifact/diff')).diffArtifactCommand] },
  { prefix: ['build', 'artifact'], load: async () => [(await import('./artifact/build')).buildArtifactCommand] },
  { prefix: ['verify', 'artifact'], load: async () => [(await import('./artifact/verify')).verifyArtifactCommand] },
  { prefix: ['sign', 'artifact'], load: async () => [(await import('./artifact/sign')).signArtifactCommand] },
  { prefix: ['bucket', 'preview'], load: async () => [(await import('./bucket/preview')).bucketPreviewCommand] },
  { prefix: ['init', 'ci'], load: async () => [(await import('./initCi')).initCiCommand] },
  ...['reconcile', 'suspend', 'resume', 'apply', 'delete', 'get'].map((verb): CommandGroup => ({
    prefix: [verb],
    load: async () => (await import('./cluster/index')).clusterCommands.filter((c) => c.words[0] === verb),
  })),
];

/** The commands of the groups whose prefix `argv` starts with (all groups when `argv` is undefined). */
export async function loadCommands(argv?: string[]): Promise<CliCommand[]> {
  const groups = argv ? commandGroups.filter((g) => g.prefix.every((w, i) => argv[i] === w)) : commandGroups;
  const loaded = await Promise.all(groups.map((g) => g.load().then((cs) => ({ g, cs }))));
  return loaded.flatMap(({ g, cs }) => {
    for (const c of cs) {
      if (!g.prefix.every((w, i) => c.words[i] === w))
        throw new Error(`command "${c.words.join(' ')}" is listed under "${g.prefix.join(' ')}" in cli/commands/index.ts`);
    }
    return cs;
  });
}

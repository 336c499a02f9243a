import type { CliCommand } from '../command';
import { checkCommand } from './check';
import { migrateCommand } from './migrate';
import { pushArtifactCommand } from './artifact/push';
import { pullArtifactCommand } from './artifact/pull';
import { tagArtifactCommand } from './artifact/tag';
import { listArtifactsCommand } from './artifact/list';
import { diffArtifactCommand } from './artifact/diff';
import { buildArtifactCommand } from './artifact/build';
import { verifyArtifactCommand } from './artifact/verify';
import { signArtifactCommand } from './artifact/sign';
import { clusterCommands } from './cluster/index';
import { bucketPreviewCommand } from './bucket/preview';
import { initCiCommand } from './initCi';

/** Every CLI command; each lives in its own module. */
export const commands: CliCommand[] = [
  checkCommand,
  migrateCommand,
  pushArtifactCommand,
  pullArtifactCommand,
  tagArtifactCommand,
  listArtifactsCommand,
  diffArtifactCommand,
  buildArtifactCommand,
  verifyArtifactCommand,
  signArtifactCommand,
  bucketPreviewCommand,
  initCiCommand,
  ...clusterCommands,
];

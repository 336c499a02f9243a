import type { CliCommand } from '../command';
import { checkCommand } from './check';
import { pushArtifactCommand } from './artifact/push';
import { pullArtifactCommand } from './artifact/pull';
import { tagArtifactCommand } from './artifact/tag';
import { listArtifactsCommand } from './artifact/list';
import { diffArtifactCommand } from './artifact/diff';
import { buildArtifactCommand } from './artifact/build';

/** Every CLI command; each lives in its own module. */
export const commands: CliCommand[] = [checkCommand, pushArtifactCommand, pullArtifactCommand, tagArtifactCommand, listArtifactsCommand, diffArtifactCommand, buildArtifactCommand];
